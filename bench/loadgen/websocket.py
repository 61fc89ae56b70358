"""A minimal RFC 6455 WebSocket client as an asyncio protocol.

It parses every frame of a TCP read in one pass, which is what lets a single
process keep up with thousands of connections; a full-featured client spends
more CPU per message than the server under test.
"""

import asyncio
import base64
import hashlib
import os
import struct
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# What browsers offer; the server decides whether compression is used.
OFFERED_EXTENSIONS = "permessage-deflate; client_max_window_bits"
DEFLATE_TAIL = b"\x00\x00\xff\xff"

OP_CONTINUATION, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA


class HandshakeError(Exception):
    """The server did not accept the WebSocket upgrade."""


def parse_extensions(header):
    """Return the permessage-deflate parameters the server accepted, or None."""
    for offer in header.split(","):
        name, *params = [part.strip() for part in offer.split(";")]
        if name.lower() == "permessage-deflate":
            return dict(_split_param(param) for param in params if param)
    return None


def _split_param(param):
    """Split `key=value` (or a bare `key`) into a lower-cased key and its value."""
    key, _, value = param.partition("=")
    return key.strip().lower(), value.strip().strip('"') or True


def mask_payload(payload, key):
    """XOR the payload with the 4-byte masking key, as clients must."""
    length = len(payload)
    repeated = (key * (length // 4 + 1))[:length]
    masked = int.from_bytes(payload, "little") ^ int.from_bytes(repeated, "little")
    return masked.to_bytes(length, "little")


def encode_frame(opcode, payload, compressed=False):
    """Build one masked, final client frame."""
    first = 0x80 | opcode | (0x40 if compressed else 0)
    length = len(payload)
    if length < 126:
        header = struct.pack("!BB", first, 0x80 | length)
    elif length < 65536:
        header = struct.pack("!BBH", first, 0x80 | 126, length)
    else:
        header = struct.pack("!BBQ", first, 0x80 | 127, length)
    key = os.urandom(4)
    return header + key + mask_payload(payload, key)


class WebSocketProtocol(asyncio.Protocol):
    """One client connection: upgrade handshake, then text messages both ways."""

    def __init__(self, host, port, path, on_message, on_close, offer_deflate=True):
        self.request = self._build_request(host, port, path, offer_deflate)
        self.on_message = on_message
        self.on_close = on_close
        self.opened = asyncio.get_running_loop().create_future()
        self.transport = None
        self.buffer = bytearray()
        self.fragments = []
        self.message_compressed = False
        self.deflate = None
        self.compressor = None
        self.decompressor = None
        self.closed = False

    def _build_request(self, host, port, path, offer_deflate):
        """Return the HTTP upgrade request a browser would send."""
        self.key = base64.b64encode(os.urandom(16))
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {self.key.decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: http://{host}:{port}",
            "User-Agent: chat-bench-loadgen",
        ]
        if offer_deflate:
            lines.append(f"Sec-WebSocket-Extensions: {OFFERED_EXTENSIONS}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def connection_made(self, transport):
        """Send the upgrade request as soon as TCP is up."""
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        """Buffer bytes and hand every complete frame on."""
        self.buffer += data
        if not self.opened.done() and not self._finish_handshake():
            return
        self._read_frames()

    def connection_lost(self, exc):
        """Fail a pending handshake and report the close once."""
        if not self.opened.done():
            self.opened.set_exception(HandshakeError(f"connection lost: {exc}"))
        if not self.closed:
            self.closed = True
            self.on_close()

    def send_text(self, text):
        """Send one text message, compressed when the server agreed to it."""
        if self.closed:
            return
        payload = text.encode()
        if self.deflate is None:
            self.transport.write(encode_frame(OP_TEXT, payload))
            return
        compressor = self._compressor()
        data = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
        self.transport.write(encode_frame(OP_TEXT, data[:-4], compressed=True))

    def close(self):
        """Send a close frame and drop the connection without waiting."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(encode_frame(OP_CLOSE, struct.pack("!H", 1000)))
            self.transport.close()

    def _compressor(self):
        """Return the deflate context for the next outgoing message."""
        if self.compressor is None or self.deflate.get("client_no_context_takeover"):
            bits = self.deflate.get("client_max_window_bits")
            window = int(bits) if bits not in (None, True) else zlib.MAX_WBITS
            self.compressor = zlib.compressobj(6, zlib.DEFLATED, -max(window, 9))
        return self.compressor

    def _finish_handshake(self):
        """Check the 101 response; return True once frames may follow."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[: end + 4]
        headers = dict(_split_header(line) for line in head[1:])
        error = self._handshake_error(head[0], headers)
        if error:
            self.opened.set_exception(HandshakeError(error))
            self.transport.close()
            return False
        self.deflate = parse_extensions(headers.get("sec-websocket-extensions", ""))
        if self.deflate is not None:
            self.decompressor = zlib.decompressobj(-zlib.MAX_WBITS)
        self.opened.set_result(self.deflate is not None)
        return True

    def _handshake_error(self, status_line, headers):
        """Describe what is wrong with the upgrade response, or return None."""
        if status_line.split(" ")[1:2] != ["101"]:
            return f"unexpected response: {status_line}"
        expected = base64.b64encode(hashlib.sha1(self.key + GUID).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            return "bad Sec-WebSocket-Accept"
        return None

    def _read_frames(self):
        """Consume every complete frame in the buffer."""
        buffer = self.buffer
        position = 0
        size = len(buffer)
        while size - position >= 2:
            first, second = buffer[position], buffer[position + 1]
            length = second & 0x7F
            start = position + 2
            if length == 126:
                if size - start < 2:
                    break
                length = int.from_bytes(buffer[start : start + 2], "big")
                start += 2
            elif length == 127:
                if size - start < 8:
                    break
                length = int.from_bytes(buffer[start : start + 8], "big")
                start += 8
            end = start + length
            if end > size:
                break
            self._handle_frame(first, bytes(buffer[start:end]))
            position = end
        del buffer[:position]

    def _handle_frame(self, first, payload):
        """Dispatch one server frame (servers never mask)."""
        opcode = first & 0x0F
        if opcode >= OP_CLOSE:
            self._handle_control(opcode, payload)
            return
        if opcode != OP_CONTINUATION:
            self.message_compressed = bool(first & 0x40)
        self.fragments.append(payload)
        if first & 0x80:
            message = b"".join(self.fragments)
            self.fragments = []
            if self.message_compressed:
                message = self.decompressor.decompress(message + DEFLATE_TAIL)
            self.on_message(message.decode())

    def _handle_control(self, opcode, payload):
        """Answer pings and close frames."""
        if opcode == OP_PING:
            self.transport.write(encode_frame(OP_PONG, payload))
        elif opcode == OP_CLOSE:
            self.close()


def _split_header(line):
    """Split one `Name: value` header line into a lower-cased name and value."""
    name, _, value = line.partition(":")
    return name.strip().lower(), value.strip()


async def open_websocket(host, port, path, on_message, on_close, offer_deflate=True):
    """Connect and complete the upgrade; return the protocol and whether deflate is on."""
    loop = asyncio.get_running_loop()
    _, protocol = await loop.create_connection(
        lambda: WebSocketProtocol(host, port, path, on_message, on_close, offer_deflate),
        host,
        port,
    )
    deflate = await protocol.opened
    return protocol, deflate
