"""Socket.IO packet guards, for clients that do not speak the protocol politely.

- Socket.IO lets a packet announce how many binary attachments follow it and keeps every
  frame after it until that many have come: uncapped, one client makes the server buffer
  without end. Packets must also be events Socket.IO can dispatch (a list led by a name).
- A packet Socket.IO cannot take would end in a traceback in the log, so garbage sent in
  a loop would fill the disk: it is dropped with one warning line instead, and a
  connection that sends MAX_MALFORMED of them is closed.
"""

import logging

from socketio import packet

logger = logging.getLogger(__name__)

# The chat contract sends no binary at all; a few attachments still get a clear error ack.
MAX_ATTACHMENTS = 8
MAX_MALFORMED = 5
_MALFORMED_COUNT = "chat.malformed_packets"


class CheckedPacket(packet.Packet):
    """A Socket.IO packet with at most MAX_ATTACHMENTS attachments, and events with a name."""

    def decode(self, encoded_packet):
        """Decode as usual; raise ValueError for a packet the server will not take."""
        attachments = super().decode(encoded_packet)
        if attachments > MAX_ATTACHMENTS:
            raise ValueError(f"{attachments} attachments announced, at most {MAX_ATTACHMENTS}")
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT) and not _named(self.data):
            raise ValueError("an event must be a list that starts with the event's name")
        return attachments

    @classmethod
    def data_is_binary(cls, data):
        """Whether lists and dict values hold bytes at any depth, as Socket.IO checks for every
        packet sent, in a third of its time (it recurses, building a list at every level)."""
        pending = [data]
        while pending:
            item = pending.pop()
            if isinstance(item, (bytes, bytearray)):
                return True
            if isinstance(item, list):
                pending.extend(item)
            elif isinstance(item, dict):
                pending.extend(item.values())
        return False


def _named(data):
    """Whether event data starts with a name Socket.IO can dispatch ("*" is its wildcard)."""
    return isinstance(data, list) and bool(data) and isinstance(data[0], str) and data[0] != "*"


class PacketGuard:
    """Passes Engine.IO messages to Socket.IO, dropping the ones it cannot take."""

    def __init__(self, server):
        self.server = server
        self.dispatch = server._handle_eio_message
        server.eio.on("message", self.on_message)

    def on_message(self, eio_sid, data):
        """Dispatch one message; a malformed one is counted instead of raising."""
        try:
            self.dispatch(eio_sid, data)
        except Exception as error:
            self.malformed(eio_sid, error)

    def malformed(self, eio_sid, error):
        """Log one line, and close the connection once it has sent MAX_MALFORMED packets."""
        # The connection's environ lives exactly as long as the connection: a fitting tally.
        environ = self.server.environ.get(eio_sid, {})
        count = environ[_MALFORMED_COUNT] = environ.get(_MALFORMED_COUNT, 0) + 1
        logger.warning("dropped malformed packet %d from %s: %.200r", count, eio_sid, error)
        if count >= MAX_MALFORMED:
            close_connection(self.server.eio, eio_sid)


def close_connection(engineio_server, eio_sid):
    """Close a connection after the packets already queued for it, without waiting for them
    (a polling client that never collects them would otherwise hold the caller forever)."""
    socket = engineio_server.sockets.get(eio_sid)
    if socket is not None:
        socket.close(wait=False)
