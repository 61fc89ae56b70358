"""What the guards below Socket.IO read from an HTTP request, and how they refuse one."""

from urllib.parse import parse_qs


def session_id(environ):
    """The Engine.IO session a request names (None for a handshake), read as Engine.IO does."""
    return parse_qs(environ.get("QUERY_STRING", "")).get("sid", [None])[0]


def asks_to_upgrade(environ):
    """Whether a request asks for a WebSocket, by the headers Engine.IO goes by."""
    connection = {token.strip() for token in environ.get("HTTP_CONNECTION", "").lower().split(",")}
    return "upgrade" in connection and environ.get("HTTP_UPGRADE", "").lower() == "websocket"


def refuse(start_response, status, reason):
    """A short plain-text refusal that closes the connection (a body may be left unread)."""
    start_response(status, [("Content-Type", "text/plain"), ("Connection", "close")])
    return [reason.encode() + b"\n"]
