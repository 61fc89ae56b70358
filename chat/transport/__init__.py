"""The transport layer: guards below Socket.IO, and the optional eventlet fast path."""

import importlib

from .guards import CheckedPacket, PacketGuard
from .polling import OnePollAtATime, close_without_waiting

__all__ = ["CheckedPacket", "harden"]


def harden(server):
    """Guard a Socket.IO server's packets and polls and, under eventlet, its WebSocket
    reader."""
    PacketGuard(server)
    close_without_waiting(server.eio)
    OnePollAtATime(server.eio)
    if server.eio.async_mode == "eventlet":
        importlib.import_module("chat.transport.fastpath").install(server.eio)
