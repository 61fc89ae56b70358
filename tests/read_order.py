"""The Socket.IO events a python-socketio client read, in the order it read them.

The client runs each event's handler on a thread of its own, so under load its handlers may
record events in another order than the frames came in. It logs every packet first, on the
thread that reads the connection: a handler on that log sees the server's order.
"""

import logging

from socketio import packet

# How the Engine.IO client logs each packet it reads, with the packet's kind and data.
PACKET_READ = "Received packet %s data %s"


class ReadOrder(logging.Handler):
    """Records (event, first argument or None) of each event read on one namespace."""

    def __init__(self, namespace="/"):
        super().__init__()
        self.namespace = namespace
        self.events = []

    def emit(self, record):
        if record.msg != PACKET_READ or record.args[0] != "MESSAGE":
            return
        if not isinstance(record.args[1], str):
            return
        read = packet.Packet(encoded_packet=record.args[1])
        if read.packet_type == packet.EVENT and (read.namespace or "/") == self.namespace:
            event, *arguments = read.data
            self.events.append((event, arguments[0] if arguments else None))

    def received(self, event):
        """The first arguments of every `event` read so far, in the order read."""
        return [argument for name, argument in list(self.events) if name == event]

    def logger(self):
        """A logger of its own, outside the logging tree, for the client's `engineio_logger`."""
        logger = logging.Logger("read-order", logging.INFO)
        logger.addHandler(self)
        return logger
