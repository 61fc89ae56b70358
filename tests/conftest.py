"""Shared fixtures: an app on a temporary database (SQLite, and PostgreSQL), its HTTP client,
and socket clients."""

import contextlib
import sqlite3

import psycopg
import pytest
from postgres_server import PostgresServer
from servers import logs_written_since

from chat import create_app
from chat.core import passphrases
from chat.core.store import is_postgres, open_store
from chat.extensions import socketio

BACKENDS = ("sqlite", "postgres")


def pytest_collection_modifyitems(items):
    """Modules with slow tests first: a parallel run (.ci/run) then ends on short modules
    instead of waiting for one long one that started last."""
    slow = {item.module.__name__ for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.module.__name__ not in slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report ends with the servers' logs written to while it ran: a failure
    that only a loaded CI machine shows can then be read, not guessed."""
    report = yield
    if report.failed and call.when == "call":
        for name, tail in logs_written_since(call.start):
            report.sections.append((f"{name}, last lines", tail))
    return report


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the whole run, started when a test first needs it."""
    with PostgresServer() as server:
        yield server


@pytest.fixture
def postgres_database(postgres):
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture
def owned_database(postgres):
    """A PostgreSQL database owned by a role of its own (as a deployment's is), dropped with
    it afterwards."""
    url = postgres.create_owned_database()
    yield url
    postgres.drop_owned_database(url)


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """The DATABASE setting of a test's app: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "chat.sqlite3")
    return request.getfixturevalue("postgres_database")


@pytest.fixture
def store(database):
    """The history store on the test's database, on its own (no app), closed afterwards."""
    store = open_store(database)
    yield store
    store.close()


@pytest.fixture
def run_sql(database):
    """Run one SQL statement on the test's database from outside the app, as an operator."""

    def run(statement):
        if is_postgres(database):
            with psycopg.connect(database, autocommit=True) as connection:
                connection.execute(statement)
        else:
            with contextlib.closing(sqlite3.connect(database)) as connection:
                connection.execute(statement)

    return run


@pytest.fixture
def app(database):
    """A fresh app with its own database and instance folder, CSRF off for form tests."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE": database,
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


@pytest.fixture
def person(connect):
    """Connect a nickname with a client key of its own, so that the nickname is reserved to
    it, as a browser's is to its session; the same key comes back as the same person."""

    def person(nick, key=None, **kwargs):
        return connect(nick, auth={"nick": nick, "key": key or f"key of {nick}"}, **kwargs)

    return person


@pytest.fixture
def cheap_passphrases(monkeypatch):
    """Passphrases hashed at a small scrypt cost, so that the tests run fast (a hash records
    its cost, so checking one works the same)."""
    monkeypatch.setattr(passphrases, "COST", passphrases.Cost(n=2**10, r=8, p=1))
