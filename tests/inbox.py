"""Reading what a Socket.IO test client has received."""


def received(socket, event, namespace="/"):
    """The payloads of every `event` a socket has received on a namespace since last asked.

    Asking drains the socket's inbox: events of other names received so far are dropped.
    """
    packets = socket.get_received(namespace)
    return [packet["args"][0] for packet in packets if packet["name"] == event]
