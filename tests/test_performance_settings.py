"""Settings chosen for speed and memory keep their behaviour: what a client is offered and told."""

import base64
import os
import socket

from servers import GunicornServer

BROWSER_OFFER = "permessage-deflate; client_max_window_bits"


def upgrade_response(server, extensions=BROWSER_OFFER):
    """The headers of the server's answer to a browser-like WebSocket upgrade request."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{server.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Extensions: {extensions}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request.encode())
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
    status, *lines = received.split(b"\r\n\r\n")[0].decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status, {name.lower(): value for name, value in headers.items()}


def test_websocket_compression_offer_is_declined_by_default(tmp_path):
    with GunicornServer(tmp_path) as server:
        status, headers = upgrade_response(server)
    assert status == "HTTP/1.1 101 Switching Protocols"
    assert "sec-websocket-extensions" not in headers


def test_websocket_compression_is_accepted_when_configured_on(tmp_path):
    with GunicornServer(tmp_path, env={"FLASK_WEBSOCKET_COMPRESSION": "true"}) as server:
        status, headers = upgrade_response(server)
    assert status == "HTTP/1.1 101 Switching Protocols"
    assert headers["sec-websocket-extensions"].startswith("permessage-deflate")
