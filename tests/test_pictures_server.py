"""Pictures on the real server (gunicorn's eventlet worker): a big picture's decoding and
re-encoding holds up nobody else's messages, an upload that stalls is answered in bounded
time, and a programmatic client uploads and announces as the README shows."""

import http.client
import io
import json
import socket
import threading
import time

import pytest
import requests
import socketio
from picture_files import plain
from PIL import Image
from servers import GunicornServer

pytestmark = pytest.mark.timeout(120)

# A picture that takes the server seconds to decode and re-encode (25 million pixels).
BIG_SIDE = 5000
# How often the writer speaks while the picture is processed.
SPEAK_EVERY = 0.02
MOST_MESSAGES = 1000


class Client:
    """A programmatic client: its socket (nickname and key) and its uploads over HTTP."""

    def __init__(self, url, nick):
        self.url = url
        self.nick = nick
        self.key = f"key of {nick}"
        self.arrivals = []
        self.socket = socketio.Client(reconnection=False)
        self.socket.on("chat message", self._arrived)
        self.socket.connect(
            url, auth={"nick": nick, "key": self.key}, transports=["websocket"], wait_timeout=10
        )

    def _arrived(self, message):
        self.arrivals.append((time.monotonic(), message))

    def call(self, event, payload):
        return self.socket.call(event, payload, timeout=10)

    def upload(self, data, content_type="image/png", timeout=60):
        """POST a picture with this client's nickname and key, as the README's curl does."""
        headers = {"X-Chat-Nick": self.nick, "X-Chat-Key": self.key, "Content-Type": content_type}
        return requests.post(f"{self.url}/pictures", data=data, headers=headers, timeout=timeout)

    def close(self):
        self.socket.disconnect()


@pytest.fixture
def server(tmp_path):
    env = {"FLASK_RATE_LIMIT": "0", "FLASK_PICTURE_READ_SECONDS": "1"}
    with GunicornServer(tmp_path, env=env) as server:
        yield server


@pytest.fixture
def clients(server):
    opened = []

    def client(nick):
        opened.append(Client(server.url, nick))
        return opened[-1]

    yield client
    for opened_client in opened:
        opened_client.close()


def png(side, colour="teal"):
    return plain(side, side, colour)


def test_a_big_picture_being_processed_does_not_hold_up_other_peoples_messages(clients):
    alice, bob, carol = clients("alice"), clients("bob"), clients("carol")
    for person in (alice, bob):
        assert person.call("join", {"room": "lobby"})["ok"]
    answers = []
    upload = threading.Thread(target=lambda: answers.append(carol.upload(png(BIG_SIDE))))
    sent = {}
    started = time.monotonic()
    upload.start()
    while upload.is_alive() and len(sent) < MOST_MESSAGES:
        text = f"m{len(sent)}"
        sent[text] = time.monotonic()
        alice.socket.emit("chat message", {"room": "lobby", "text": text})
        time.sleep(SPEAK_EVERY)
    upload.join(60)
    processing = time.monotonic() - started
    assert answers[0].status_code == 201, answers[0].text
    deadline = time.monotonic() + 10
    while len(bob.arrivals) < len(sent) and time.monotonic() < deadline:
        time.sleep(0.05)
    delays = [at - sent[message["text"]] for at, message in bob.arrivals]
    assert len(delays) == len(sent) > 10
    assert processing > 1.0, "the picture was too small to tell"
    assert max(delays) < processing / 4, f"a message waited {max(delays):.2f} s of {processing:.2f}"


def test_an_upload_that_stops_coming_is_answered_in_bounded_time(server, clients):
    bot = clients("bot")
    request = (
        "POST /pictures HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
        f"X-Chat-Nick: bot\r\nX-Chat-Key: {bot.key}\r\nContent-Length: 100000\r\n\r\n"
    ).encode() + png(10)[:20]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request)
        started = time.monotonic()
        answer = http.client.HTTPResponse(connection)
        answer.begin()
        assert time.monotonic() - started < 5
        assert answer.status == 408
        assert json.loads(answer.read()) == {
            "ok": False,
            "error": "The upload took longer than 1 s; try again.",
        }


def test_a_client_uploads_then_announces_and_the_other_fetches_the_picture(server, clients):
    bot, bob = clients("bot"), clients("bob")
    for person in (bot, bob):
        assert person.call("join", {"room": "lobby"})["ok"]
    answer = bot.upload(png(600, "gold"))
    assert answer.status_code == 201
    image = answer.json()["image"]
    ack = bot.call("chat message", {"room": "lobby", "text": "", "image": image["name"]})
    assert ack["ok"]
    deadline = time.monotonic() + 5
    while not bob.arrivals and time.monotonic() < deadline:
        time.sleep(0.05)
    [(_, message)] = bob.arrivals
    assert message["image"] == image
    thumbnail = requests.get(server.url + image["thumbnail"]["url"], timeout=10)
    assert thumbnail.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(thumbnail.content)).size == (480, 480)
