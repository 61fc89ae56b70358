"""Limits below the event handlers, for clients that do not speak the protocol politely.

Socket.IO lets a packet announce how many binary attachments follow it, and the server
keeps every frame after it until that many have come: without a cap, one client can make
the server buffer without end. Under eventlet the WebSocket reader is replaced as well
(see chat/eventlet_websocket.py).
"""

import importlib

from socketio import packet

# The chat contract sends no binary at all; a few attachments still get a clear error ack.
MAX_ATTACHMENTS = 8


class BoundedPacket(packet.Packet):
    """A Socket.IO packet that refuses to wait for more than MAX_ATTACHMENTS attachments."""

    def decode(self, encoded_packet):
        """Decode as usual; raise ValueError (the packet is dropped) if it wants too many."""
        attachments = super().decode(encoded_packet)
        if attachments and attachments > MAX_ATTACHMENTS:
            raise ValueError(f"{attachments} attachments announced, at most {MAX_ATTACHMENTS}")
        return attachments


def harden_websocket(engineio_server):
    """Under eventlet, accept WebSockets through the hardened reader of chat.eventlet_websocket."""
    if engineio_server.async_mode == "eventlet":
        importlib.import_module("chat.eventlet_websocket").install(engineio_server)
