"""What an operator runs: the Procfile's web process (as honcho runs it), `python app.py`,
and `flask chat`."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import ROOT, free_port, wait_for_http
from test_server import ChatClient

from chat import create_app
from chat.extensions import socketio
from chat.realtime.socket_rooms import LocalManager

pytestmark = pytest.mark.timeout(60)


def procfile_command(name):
    """The command of one Procfile process type."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        process_type, _, command = line.partition(":")
        if process_type.strip() == name:
            return command.strip()
    raise LookupError(f"no {name!r} process in the Procfile")


def test_the_procfile_web_process_serves_quietly_and_stops_at_once(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        # As from the activated virtual environment the README describes.
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PORT": str(port),
        # The Procfile binds 0.0.0.0:$PORT as a platform needs; a test stays on loopback.
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "FLASK_DATABASE": str(tmp_path / "chat.sqlite3"),
        "FLASK_SECRET_KEY": "test-secret",
    }
    log_path = tmp_path / "web.log"
    with open(log_path, "wb") as log:
        web = subprocess.Popen(
            ["sh", "-c", procfile_command("web")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", 20, web)
        started = time.monotonic()
        os.killpg(web.pid, signal.SIGTERM)
        web.wait(10)
        assert time.monotonic() - started < 3
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait(5)
    log = log_path.read_text()
    assert "Booting worker" in log
    assert "deprecated" not in log.lower()


def test_python_app_py_serves_a_chat_over_websocket(tmp_path):
    """Eventlet's own server shuts each request's connection down after its handler, so
    WebSockets are read by a green thread of their own there (see chat/eventlet_socket.py)."""
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "FLASK_DATABASE": str(tmp_path / "chat.sqlite3"),
        "FLASK_SECRET_KEY": "test-secret",
    }
    with open(tmp_path / "app.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(url + "/", 20, server)
        alice, bob = ChatClient(url, "app-py-a"), ChatClient(url, "app-py-b")
        for user in (alice, bob):
            assert user.call("join", {"room": "dev"})["ok"]
        for n in range(3):
            assert alice.call("chat message", {"room": "dev", "text": f"m{n}"})["ok"]
            time.sleep(0.3)
        deadline = time.monotonic() + 5
        while len(bob.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [message["text"] for message in bob.messages] == ["m0", "m1", "m2"]
        alice.close()
        bob.close()
    finally:
        server.terminate()
        server.wait(10)


def test_announce_refuses_without_a_message_queue(app):
    result = app.test_cli_runner().invoke(args=["chat", "announce", "Maintenance at 18:00"])
    assert result.exit_code == 1
    assert "FLASK_MESSAGE_QUEUE is not set" in result.output


@pytest.fixture
def app_on_a_closed_queue(tmp_path):
    """An app whose Redis message queue URL points at a port nothing listens on."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE": str(tmp_path / "chat.sqlite3"),
            "MESSAGE_QUEUE": f"redis://127.0.0.1:{free_port()}/0",
        }
    )


def test_announce_says_when_the_queue_cannot_be_reached(app_on_a_closed_queue):
    runner = app_on_a_closed_queue.test_cli_runner()
    result = runner.invoke(args=["chat", "announce", "Maintenance at 18:00"])
    assert result.exit_code == 1
    assert "Cannot reach FLASK_MESSAGE_QUEUE" in result.output


def test_announce_checks_its_text_and_room(app_on_a_closed_queue):
    runner = app_on_a_closed_queue.test_cli_runner()
    blank = runner.invoke(args=["chat", "announce", "   "])
    bad_room = runner.invoke(args=["chat", "announce", "hello", "--room", "no/slashes"])
    assert (blank.exit_code, bad_room.exit_code) == (2, 2)
    assert "Message text is empty." in blank.output
    assert "Room may only contain" in bad_room.output


def test_an_app_without_a_queue_does_not_inherit_an_earlier_apps_queue(app_on_a_closed_queue, app):
    socket = socketio.test_client(app, auth={"nick": "alice"})
    assert socket.is_connected()
    assert type(socketio.server.manager) is LocalManager
