"""Shared fixtures: an app on a temporary database, its HTTP client, and socket clients."""

import pytest

from chat import create_app
from chat.extensions import socketio


@pytest.fixture
def app(tmp_path):
    """A fresh app with its own database and instance folder, CSRF off for form tests."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE": str(tmp_path / "chat.sqlite3"),
            "WTF_CSRF_ENABLED": False,
            "ANNOUNCE_INTERVAL": 0,
            # Rate limits have tests of their own (test_abuse.py); here they would refuse
            # the tests that send many messages at once.
            "RATE_LIMIT": 0,
        }
    )
    yield app
    app.extensions["chat"].store.close()


@pytest.fixture
def client(app):
    """The Flask test client."""
    return app.test_client()


@pytest.fixture
def connect(app):
    """Open a Socket.IO test client as a nickname; all are disconnected at the end."""
    opened = []

    def connect(nick, **kwargs):
        auth = kwargs.pop("auth", {"nick": nick})
        socket = socketio.test_client(app, auth=auth, **kwargs)
        opened.append(socket)
        return socket

    yield connect
    for socket in opened:
        if socket.is_connected():
            socket.disconnect()


@pytest.fixture
def joined(connect):
    """Connect a nickname, join rooms, and drop what the joins sent it."""

    def joined(nick, *rooms):
        socket = connect(nick)
        for room in rooms:
            assert socket.emit("join", {"room": room}, callback=True)["ok"]
        socket.get_received()
        return socket

    return joined
