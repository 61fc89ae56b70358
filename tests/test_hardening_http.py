"""A hostile HTTP client against the real server, and an honest user chatting meanwhile.

Polling requests Engine.IO never answered, sessions opened and left, answers without
security headers, Host names the chat is not published under: each attack runs bounded in
count and time against gunicorn in a subprocess, and each test checks what the attacker
gets, that the worker lets go of what the attack took, and that two honest users go on
exchanging messages.
"""

import contextlib
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import websocket
from deploy_servers import ApacheServer, roaming_users, self_signed_certificate
from servers import GunicornServer
from test_server import ChatClient

from chat.config import Config
from chat.core.writer import CHECKPOINT_INTERVAL

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]

# Each attacking request holds one of the worker's connections for as long as it is not
# answered: more of them than it has, and nobody else gets in.
WORKER_CONNECTIONS = 50
ATTACKS = WORKER_CONNECTIONS + 10
AT_ONCE = 20
ANSWERED_WITHIN = 5.0
# Time enough for a poll to reach the server and wait there, on a busy machine.
POLL_ARRIVES = 1.0
# Slower than the default rate limit of 5 messages a second.
MESSAGE_INTERVAL = 0.25
PACKETS_NO_CLIENT_MAY_SEND = ["6", "2probe", "7", "9abc"]
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
OPENING_CAP = 10
TOO_MANY = "Too many connections being opened from your address; try again shortly.\n"


@pytest.fixture(scope="module", params=["fast path", "stock transport"])
def server(request, tmp_path_factory):
    """The server with few worker connections, with the eventlet fast path and without."""
    env = {"GUNICORN_WORKER_CONNECTIONS": str(WORKER_CONNECTIONS)}
    if request.param == "stock transport":
        if not hasattr(Config, "FAST_TRANSPORT"):
            pytest.skip("this version has no switch for the fast path")
        env["FLASK_FAST_TRANSPORT"] = "false"
    with GunicornServer(tmp_path_factory.mktemp("hardening"), env=env) as server:
        warm_up(server)
        yield server


def honest_user(url, nick, address=None):
    """A client that keeps the messages it receives; with an address, it comes through a
    proxy that reports that address (X-Forwarded-For)."""
    return ChatClient(url, nick, {"X-Forwarded-For": address} if address else None)


@contextlib.contextmanager
def honest_pair(server, room, addresses=(None, None)):
    """Two honest users in one room."""
    pair = [honest_user(server.url, f"{room}-{n}", address) for n, address in enumerate(addresses)]
    try:
        for user in pair:
            assert user.call("join", {"room": room})["ok"]
        yield pair
    finally:
        for user in pair:
            user.close()


def exchange(pair, room, text):
    """The first user says text; the second receives it within 5 s."""
    sender, receiver = pair
    receiver.arrived.clear()
    assert sender.call("chat message", {"room": room, "text": text})["ok"]
    assert receiver.arrived.wait(5), f"{text!r} did not arrive"
    assert receiver.messages[-1]["text"] == text


def while_chatting(pair, room, attack, count):
    """Run attack(n) for n in range(count), AT_ONCE at a time, while the pair exchanges
    messages at a pace the rate limit allows; the attack's results, in order."""
    with ThreadPoolExecutor(AT_ONCE) as pool:
        results = [pool.submit(attack, n) for n in range(count)]
        exchanged = 0
        while exchanged == 0 or not all(result.done() for result in results):
            exchange(pair, room, f"message {exchanged} during the attack")
            exchanged += 1
            time.sleep(MESSAGE_INTERVAL)
        return [result.result() for result in results]


def warm_up(server):
    """Have the worker start what it starts once and keeps (the thread pool that checkpoints
    the history, once a message comes a checkpoint interval after the start), so that its
    open files then change only with connections."""
    time.sleep(CHECKPOINT_INTERVAL)
    with honest_pair(server, "warm-up") as pair:
        exchange(pair, "warm-up", "the first message")
        time.sleep(CHECKPOINT_INTERVAL)


def handshake_url(server):
    return f"{server.url}/socket.io/?EIO=4&transport=polling"


def session_url(server, sid):
    return f"{handshake_url(server)}&sid={sid}"


def handshake(server, headers=None):
    """Open a polling session as a client's first request does; its id."""
    answer = requests.get(handshake_url(server), headers=headers, timeout=ANSWERED_WITHIN)
    assert answer.status_code == 200, answer.text
    return json.loads(answer.text[1:])["sid"]


def post(server, sid, body):
    """A polling POST of body to a session, answered within ANSWERED_WITHIN seconds."""
    return requests.post(
        session_url(server, sid),
        data=body,
        headers={"Content-Type": "text/plain"},
        timeout=ANSWERED_WITHIN,
    )


def poll(server, sid):
    """A long-poll of a session, answered within ANSWERED_WITHIN seconds."""
    return requests.get(session_url(server, sid), timeout=ANSWERED_WITHIN)


def open_files(server):
    """How many file descriptors gunicorn's worker holds."""
    return len(os.listdir(f"/proc/{server.worker_pid()}/fd"))


def assert_files_come_back_to(server, baseline, within=5.0):
    """The worker's open files fall back to baseline within `within` seconds."""
    deadline = time.monotonic() + within
    while (held := open_files(server)) > baseline:
        assert time.monotonic() < deadline, f"{held} files open, {baseline} before the attack"
        time.sleep(0.1)


def assert_secured(response):
    """The response carries the security headers every page carries."""
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.url}"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


# Polling requests Engine.IO never answered


@pytest.mark.parametrize("body", PACKETS_NO_CLIENT_MAY_SEND)
def test_a_polling_post_of_a_packet_no_client_may_send_is_refused_at_once(server, body):
    sid = handshake(server)
    refused = post(server, sid, body)
    assert refused.status_code == 400
    assert poll(server, sid).status_code == 400, "the session is closed"


def test_such_posts_in_numbers_hold_no_connection_and_the_chat_goes_on(server):
    def attack(n):
        started = time.monotonic()
        status = post(server, handshake(server), PACKETS_NO_CLIENT_MAY_SEND[n % 4]).status_code
        return status, time.monotonic() - started

    with honest_pair(server, "posts") as pair:
        baseline = open_files(server)
        answers = while_chatting(pair, "posts", attack, ATTACKS)
        assert {status for status, _ in answers} == {400}
        assert max(took for _, took in answers) < ANSWERED_WITHIN
        assert requests.get(server.url + "/", timeout=ANSWERED_WITHIN).status_code == 200
        assert_files_come_back_to(server, baseline)


def test_a_second_poll_while_one_waits_is_refused_and_the_first_ends_with_the_session(server):
    sid = handshake(server)
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(poll, server, sid)
        time.sleep(POLL_ARRIVES)
        second = poll(server, sid)
        assert second.status_code == 400
        assert second.text == "A poll for this session is waiting.\n"
        assert_secured(second)
        assert post(server, sid, "1").status_code == 200, "the client says goodbye"
        assert first.result(ANSWERED_WITHIN).status_code == 200


def test_overlapping_polls_in_numbers_hold_no_connection_and_the_chat_goes_on(server):
    def attack(_):
        sid = handshake(server)
        with ThreadPoolExecutor(3) as pool:
            polls = [pool.submit(poll, server, sid) for _ in range(3)]
            time.sleep(POLL_ARRIVES)
            post(server, sid, "1")
            return sorted(waiting.result().status_code for waiting in polls)

    with honest_pair(server, "polls") as pair:
        baseline = open_files(server)
        answers = while_chatting(pair, "polls", attack, ATTACKS // 3)
        assert answers == [[200, 400, 400]] * (ATTACKS // 3)
        assert_files_come_back_to(server, baseline)


# Sessions opened and left


@pytest.fixture(scope="module")
def capped_server(tmp_path_factory):
    """A server trusting one proxy to report client addresses (the tests send them), with a
    cap of OPENING_CAP sessions being opened per address, and sessions that expire within
    seconds of their client going quiet."""
    env = {
        "FLASK_TRUSTED_PROXIES": "1",
        "FLASK_OPENING_SESSIONS_PER_ADDRESS": str(OPENING_CAP),
        "FLASK_PING_INTERVAL": "4",
        "FLASK_PING_TIMEOUT": "4",
    }
    with GunicornServer(tmp_path_factory.mktemp("capped"), env=env) as server:
        yield server


def test_sessions_being_opened_are_capped_per_address_and_connected_ones_are_not(capped_server):
    address = "203.0.113.7"
    neighbours = [honest_user(capped_server.url, f"neighbour-{n}", address) for n in range(15)]

    def attack(_):
        return requests.get(
            handshake_url(capped_server), headers={"X-Forwarded-For": address}, timeout=5
        )

    with honest_pair(capped_server, "opening", ("198.51.100.1", "198.51.100.2")) as pair:
        answers = while_chatting(pair, "opening", attack, OPENING_CAP + 20)
        late = honest_user(capped_server.url, "late", "198.51.100.3")
        assert late.call("join", {"room": "opening"})["ok"], "another address still gets in"
        late.close()
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == OPENING_CAP, "the neighbours, connected, do not count"
    refused = [answer for answer in answers if answer.status_code != 200]
    assert {(answer.status_code, answer.text) for answer in refused} == {(429, TOO_MANY)}
    assert_secured(refused[0])
    assert neighbours[0].call("join", {"room": "opening"})["ok"]
    for neighbour in neighbours:
        neighbour.close()


def test_an_address_may_open_sessions_again_once_its_idle_ones_expire(capped_server):
    idle = {"X-Forwarded-For": "203.0.113.8"}
    for _ in range(OPENING_CAP):
        handshake(capped_server, idle)
    assert requests.get(handshake_url(capped_server), headers=idle, timeout=5).status_code == 429
    deadline = time.monotonic() + 20
    while requests.get(handshake_url(capped_server), headers=idle, timeout=5).status_code == 429:
        assert time.monotonic() < deadline, "the idle sessions still count after 20 s"
        time.sleep(0.5)


# Security headers on every answer


def test_engineio_answers_carry_the_security_headers(server):
    sid = handshake(server)
    answers = [
        requests.get(handshake_url(server), timeout=5),
        post(server, sid, '40{"nick": "headers"}'),
        poll(server, sid),
        requests.get(session_url(server, "no-such-session"), timeout=5),
        requests.get(server.url + "/socket.io/?EIO=3&transport=polling", timeout=5),
        post(server, sid, "4" + "x" * Config.MAX_HTTP_BUFFER_SIZE),
        requests.options(handshake_url(server), timeout=5),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 400, 400, 413, 200]
    for answer in answers:
        assert_secured(answer)


# Host names the chat is not published under


@pytest.fixture(scope="module")
def published_server(tmp_path_factory):
    """A server published as 127.0.0.1 and chat.test."""
    env = {"FLASK_ALLOWED_HOSTS": '["127.0.0.1", "chat.test"]'}
    with GunicornServer(tmp_path_factory.mktemp("published"), env=env) as server:
        yield server


@pytest.mark.parametrize(
    "path",
    ["/", "/chat", "/static/js/chat.js", "/no-such-page", "/socket.io/?EIO=4&transport=polling"],
)
def test_a_foreign_host_is_refused_on_every_path(published_server, path):
    refused = requests.get(
        published_server.url + path, headers={"Host": "rebound.example"}, timeout=5
    )
    assert (refused.status_code, refused.text) == (400, "Unknown host.\n")
    assert_secured(refused)


def test_a_socket_for_a_foreign_host_is_refused_while_the_published_names_chat_on(
    published_server,
):
    url = f"ws://127.0.0.1:{published_server.port}/socket.io/?EIO=4&transport=websocket"
    with pytest.raises(websocket.WebSocketBadStatusException) as refusal:
        # As a page of the rebound name opens it: Origin and Host agree.
        websocket.create_connection(
            url, host="rebound.example", origin="http://rebound.example", timeout=5
        )
    assert refusal.value.status_code == 400
    other_name = requests.get(
        handshake_url(published_server), headers={"Host": "chat.test:8080"}, timeout=5
    )
    assert other_name.status_code == 200
    with honest_pair(published_server, "hosts") as pair:
        exchange(pair, "hosts", "published under 127.0.0.1")


@pytest.fixture(scope="module")
def apache_site(tmp_path_factory):
    """gunicorn allowing only 127.0.0.1, with a cap of OPENING_CAP sessions being opened per
    address, behind apache/chat.conf over https (ProxyPreserveHost On)."""
    tmp_path = tmp_path_factory.mktemp("apache-hosts")
    certificates = self_signed_certificate(Path(tmp_path) / "letsencrypt")
    env = {
        "FLASK_TRUSTED_PROXIES": "1",
        "FLASK_ALLOWED_HOSTS": '["127.0.0.1"]',
        "FLASK_OPENING_SESSIONS_PER_ADDRESS": str(OPENING_CAP),
    }
    with (
        GunicornServer(tmp_path, env=env) as backend,
        ApacheServer(tmp_path, "chat.conf", {8000: backend.port}, certificates) as apache,
    ):
        yield apache


def test_behind_apache_the_published_host_chats_and_a_foreign_one_is_refused(apache_site):
    with roaming_users(apache_site.url) as user:
        alice = user("alice", transports=["websocket"])
        bob = user("bob", transports=["polling", "websocket"])
        alice.join("apache")
        bob.join("apache")
        alice.say("apache", "through Apache")
        bob.wait_until(lambda: bob.texts("apache") == ["through Apache"], what="the message")
    refused = requests.get(
        apache_site.url + "/", headers={"Host": "rebound.example"}, verify=False, timeout=5
    )
    assert (refused.status_code, refused.text) == (400, "Unknown host.\n")


def test_behind_apache_a_forged_forwarded_for_does_not_escape_the_cap(apache_site):
    handshake_over_https = apache_site.url + "/socket.io/?EIO=4&transport=polling"
    statuses = [
        requests.get(
            handshake_over_https,
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            verify=False,
            timeout=5,
        ).status_code
        for n in range(OPENING_CAP + 1)
    ]
    assert statuses == [200] * OPENING_CAP + [429]
