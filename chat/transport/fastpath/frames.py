"""Incremental RFC 6455 parsing of what a client sends, for a reader that is handed bytes as
they arrive instead of blocking for each frame.

Only the uncompressed protocol: a connection that negotiated permessage-deflate is read by
eventlet's own reader instead. Limits are checked from the headers, before any payload is
buffered, so a client cannot make the server hold more than one message's worth.
"""

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
DATA_OPCODES = (TEXT, BINARY)
CONTROL_OPCODES = (CLOSE, PING, PONG)
PROTOCOL_ERROR, INVALID_DATA, TOO_BIG = 1002, 1007, 1009


class ProtocolFailure(Exception):
    """The client broke the protocol; the connection is closed with `code`."""

    def __init__(self, code, reason):
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class FrameParser:
    """Turns the bytes a client sends into messages (str or bytes) and control frames."""

    def __init__(self, max_message_bytes):
        self.max_message_bytes = max_message_bytes
        self.buffer = bytearray()
        self.fragments = []
        self.fragments_size = 0
        self.fragments_opcode = None

    def feed(self, data):
        """Take the next bytes; return the (opcode, payload) of each frame or message they
        complete: str for text, bytes otherwise. Raises ProtocolFailure."""
        self.buffer += data
        completed = []
        while True:
            frame = self._next_frame()
            if frame is None:
                return completed
            result = self._assemble(*frame)
            if result is not None:
                completed.append(result)

    def _next_frame(self):
        """(final, opcode, payload) of the frame at the start of the buffer, if it is all in."""
        header = self._header()
        if header is None:
            return None
        final, opcode, payload_start, length = header
        end = payload_start + length
        if len(self.buffer) < end:
            return None
        mask = self.buffer[payload_start - 4 : payload_start]
        payload = unmask(bytes(self.buffer[payload_start:end]), mask)
        del self.buffer[:end]
        return final, opcode, payload

    def _header(self):
        """(final, opcode, payload start, payload length), once the header is in; checks it."""
        if len(self.buffer) < 2:
            return None
        first, second = self.buffer[0], self.buffer[1]
        length, payload_start = second & 0x7F, 2
        if length >= 126:
            extra = 2 if length == 126 else 8
            if len(self.buffer) < 2 + extra:
                return None
            length = int.from_bytes(self.buffer[2 : 2 + extra], "big")
            payload_start += extra
        final, opcode = bool(first & 0x80), first & 0x0F
        self._check(first, second, final, opcode, length)
        return final, opcode, payload_start + 4, length

    def _check(self, first, second, final, opcode, length):
        """Refuse a frame header the protocol forbids or that would exceed the limit."""
        if first & 0x70:
            raise ProtocolFailure(PROTOCOL_ERROR, "Reserved bits are set.")
        if not second & 0x80:
            raise ProtocolFailure(PROTOCOL_ERROR, "Client frames must be masked.")
        if opcode in CONTROL_OPCODES:
            if length > 125 or not final:
                raise ProtocolFailure(PROTOCOL_ERROR, "Control frames are short and whole.")
        elif opcode not in DATA_OPCODES and opcode != CONTINUATION:
            raise ProtocolFailure(PROTOCOL_ERROR, f"Unknown opcode {opcode}.")
        elif (opcode == CONTINUATION) != (self.fragments_opcode is not None):
            raise ProtocolFailure(PROTOCOL_ERROR, "Unexpected continuation or fragment.")
        elif self.fragments_size + length > self.max_message_bytes:
            raise ProtocolFailure(
                TOO_BIG, f"Message above the limit of {self.max_message_bytes} bytes."
            )

    def _assemble(self, final, opcode, payload):
        """A control frame as it is; a data message once its last fragment is in."""
        if opcode in CONTROL_OPCODES:
            return opcode, payload
        if opcode != CONTINUATION:
            self.fragments_opcode = opcode
        self.fragments.append(payload)
        self.fragments_size += len(payload)
        if not final:
            return None
        message, opcode = b"".join(self.fragments), self.fragments_opcode
        self.fragments, self.fragments_size, self.fragments_opcode = [], 0, None
        if opcode == BINARY:
            return BINARY, message
        try:
            return TEXT, message.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolFailure(INVALID_DATA, "Text data must be valid UTF-8.") from None


def unmask(data, mask):
    """XOR data with the 4-byte client mask, as one big integer instead of byte by byte."""
    length = len(data)
    repeated = (bytes(mask) * (length // 4 + 1))[:length]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
