"""What a WebSocket client sends, parsed by wsproto as the bytes arrive, for a reader that is
handed bytes instead of blocking for each frame.

Only the uncompressed protocol: a connection that negotiated permessage-deflate is read by
eventlet's own reader instead. wsproto hands over a data frame's payload piece by piece as
it arrives, so a message is refused as soon as the part received passes the size limit
(counted as Engine.IO counts a packet: characters of text, bytes of binary), and a client
cannot make the server hold more than one message's worth.
"""

from wsproto.connection import Connection, ConnectionState, ConnectionType
from wsproto.events import BytesMessage, CloseConnection, Ping, TextMessage
from wsproto.frame_protocol import CloseReason


class ProtocolFailure(Exception):
    """The client broke the protocol or the size limit; the connection is closed with `code`."""

    def __init__(self, code, reason):
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class MessageReader:
    """Turns the bytes a client sends into whole messages, its pings and its close."""

    def __init__(self, max_message_size):
        self.max_message_size = max_message_size
        self.protocol = Connection(ConnectionType.SERVER)
        self.pieces = []
        self.size = 0

    def feed(self, data):
        """Take the next bytes; return what they complete, in order: each message as str or
        bytes, and wsproto's Ping and CloseConnection events. Raises ProtocolFailure."""
        self.protocol.receive_data(data)
        completed = []
        for event in self.protocol.events():
            if isinstance(event, (TextMessage, BytesMessage)):
                message = self._add(event)
                if message is not None:
                    completed.append(message)
            elif isinstance(event, Ping):
                completed.append(event)
            elif isinstance(event, CloseConnection):
                # wsproto reports a frame it refuses as a close while the connection is open.
                if self.protocol.state is ConnectionState.OPEN:
                    raise ProtocolFailure(event.code, event.reason)
                completed.append(event)
        return completed

    def _add(self, piece):
        """Keep a piece of a message; return the whole message once its last piece is in."""
        self.size += len(piece.data)
        if self.size > self.max_message_size:
            raise ProtocolFailure(
                CloseReason.MESSAGE_TOO_BIG,
                f"Message above the limit of {self.max_message_size}.",
            )
        self.pieces.append(piece.data)
        if not piece.message_finished:
            return None
        empty = "" if isinstance(piece, TextMessage) else b""
        message = empty.join(self.pieces)
        self.pieces, self.size = [], 0
        return message
