"""The transport layer: guards below Socket.IO, and the optional eventlet fast path."""

import importlib
import logging

from .fastpath import verified
from .guards import CheckedPacket, PacketGuard
from .opening import OpeningLimit
from .polling import OnePollAtATime, close_without_waiting
from .status import TransportStatus

__all__ = ["CheckedPacket", "harden"]

logger = logging.getLogger(__name__)


def harden(server, fast_transport, opening_per_address):
    """Guard a Socket.IO server's packets, polls and handshakes and, under eventlet, its
    WebSockets, which the fast path serves unless fast_transport is false or the installed
    libraries are not the ones it was verified with. Returns the TransportStatus shown to
    operators."""
    PacketGuard(server)
    close_without_waiting(server.eio)
    OnePollAtATime(server.eio)
    if opening_per_address:
        OpeningLimit(server, opening_per_address)
    engine = server.eio
    if engine.async_mode != "eventlet":
        return TransportStatus(engine, False, f"no fast path under {engine.async_mode}")
    reason = _why_not_fast(fast_transport)
    if reason:
        guard = importlib.import_module("chat.transport.websocket_guard")
        return TransportStatus(engine, False, reason, guard.install(engine))
    fast = importlib.import_module("chat.transport.fastpath.sockets")
    verified_with = "the installed versions are the verified ones"
    return TransportStatus(engine, True, verified_with, fast.install(engine), fast.EventletSocket)


def _why_not_fast(fast_transport):
    """Why the fast path must stay off (with one warning for unverified versions), or None."""
    if not fast_transport:
        return "FAST_TRANSPORT is false"
    unverified = verified.mismatches()
    if not unverified:
        return None
    listed = ", ".join(unverified)
    logger.warning(
        "The transport fast path stays off: installed %s; WebSockets are served the stock "
        "Engine.IO and eventlet way (see docs/upgrading.md).",
        listed,
    )
    return f"unverified versions: {listed}"
