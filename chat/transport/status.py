"""How this process serves its sockets, as the operators' figures show it.

Computed only when an operator's page asks for figures (once per refresh interval while one
watches); the counts of WebSockets are kept as they open and close, at no cost per packet.
"""

from dataclasses import dataclass


@dataclass
class TransportStatus:
    """The fast path's state and the evidence that it serves: which sockets are the fast
    ones, and how many WebSockets hold a green thread or are read by the event loop."""

    engine: object
    fast_path: bool
    reason: str
    # Under eventlet: the websocket_guard.Tally of the server's WebSockets.
    tally: object = None
    # With the fast path on: the class of its Engine.IO sockets.
    fast_socket: type = None

    def __call__(self):
        """The figures, as a dict the operators' page receives."""
        sockets = list(self.engine.sockets.values())
        figures = {
            "fast_path": "on" if self.fast_path else "off",
            "reason": self.reason,
            "sockets": len(sockets),
            "fast_sockets": self._fast_ones(sockets),
        }
        if self.tally is not None:
            figures["websockets_in_green_threads"] = self.tally.in_green_threads
            figures["websockets_on_the_event_loop"] = self.tally.on_the_event_loop
        return figures

    def _fast_ones(self, sockets):
        """How many of the sockets are the fast path's."""
        if self.fast_socket is None:
            return 0
        return sum(isinstance(socket, self.fast_socket) for socket in sockets)
