"""The transport layer: guards below Socket.IO, and the optional eventlet fast path."""

import importlib

from .guards import CheckedPacket, PacketGuard
from .opening import OpeningLimit
from .polling import OnePollAtATime, close_without_waiting

__all__ = ["CheckedPacket", "harden"]


def harden(server, opening_per_address):
    """Guard a Socket.IO server's packets, polls and handshakes and, under eventlet, its
    WebSocket reader."""
    PacketGuard(server)
    close_without_waiting(server.eio)
    OnePollAtATime(server.eio)
    if opening_per_address:
        OpeningLimit(server, opening_per_address)
    if server.eio.async_mode == "eventlet":
        importlib.import_module("chat.transport.fastpath").install(server.eio)
