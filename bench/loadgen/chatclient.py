"""One chat user speaking Engine.IO v4 and Socket.IO 4 over a bare WebSocket."""

import asyncio
import json

from .websocket import open_websocket

SOCKETIO_PATH = "/socket.io/?EIO=4&transport=websocket"
CHAT_MESSAGE_PREFIX = '42["chat message",'


class ConnectRejected(Exception):
    """The server refused the Socket.IO connect (for example a taken nickname)."""


class ChatClient:
    """A connection to the default namespace that can emit with acks."""

    def __init__(self, nick, on_chat_message, offer_deflate=True):
        self.nick = nick
        self.offer_deflate = offer_deflate
        self.on_chat_message = on_chat_message
        self.connection = None
        self.connected = None
        self.deflate = False
        self.alive = False
        self.pending_acks = {}
        self.next_ack_id = 0
        self.other_events = 0

    async def connect(self, host, port):
        """Open the WebSocket and wait for the namespace connect to be accepted."""
        self.connection, self.deflate = await open_websocket(
            host, port, SOCKETIO_PATH, self._on_message, self._on_close, self.offer_deflate
        )
        if self.connection.closed:
            raise ConnectionError("closed right after the upgrade")
        self.connected = asyncio.get_running_loop().create_future()
        self.connection.send_text("40" + json.dumps({"nick": self.nick}))
        await self.connected
        self.alive = True

    def emit(self, event, data):
        """Send an event asking for an ack; the future yields the ack or None."""
        future = asyncio.get_running_loop().create_future()
        if not self.alive:
            future.set_result(None)
            return future
        ack_id = self.next_ack_id
        self.next_ack_id += 1
        self.pending_acks[ack_id] = future
        packet = json.dumps([event, data], separators=(",", ":"))
        self.connection.send_text(f"42{ack_id}{packet}")
        return future

    def close(self):
        """Drop the connection."""
        if self.connection is not None:
            self.connection.close()

    def _on_message(self, text):
        """Route one Engine.IO packet; other events are only counted."""
        if text.startswith(CHAT_MESSAGE_PREFIX):
            self.on_chat_message(json.loads(text[2:])[1])
        elif text.startswith("42"):
            self.other_events += 1
        elif text.startswith("43"):
            self._on_ack(text)
        elif text == "2":
            self.connection.send_text("3")
        elif text.startswith("40"):
            self._settle_connect(None)
        elif text.startswith("44"):
            self._settle_connect(ConnectRejected(text[2:]))
        elif text.startswith("41") or text == "1":
            self.close()

    def _on_ack(self, text):
        """Resolve the future waiting for this ack id."""
        body = text.index("[")
        future = self.pending_acks.pop(int(text[2:body]), None)
        if future is not None and not future.done():
            arguments = json.loads(text[body:])
            future.set_result(arguments[0] if arguments else None)

    def _settle_connect(self, error):
        """Complete the pending namespace connect, once."""
        if self.connected.done():
            return
        if error is None:
            self.connected.set_result(None)
        else:
            self.connected.set_exception(error)

    def _on_close(self):
        """Fail whatever still waits on this connection."""
        self.alive = False
        if self.connected is not None:
            self._settle_connect(ConnectionError("closed before connect"))
        for future in self.pending_acks.values():
            if not future.done():
                future.set_result(None)
        self.pending_acks.clear()
