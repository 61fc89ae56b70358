"""The transport layer: guards below Socket.IO, and the optional eventlet fast path."""

import importlib

from .guards import CheckedPacket, PacketGuard

__all__ = ["CheckedPacket", "harden"]


def harden(server):
    """Guard a Socket.IO server's packets and, under eventlet, its WebSocket reader."""
    PacketGuard(server)
    if server.eio.async_mode == "eventlet":
        importlib.import_module("chat.transport.fastpath").install(server.eio)
