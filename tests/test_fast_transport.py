"""The eventlet fast path: really serving when on, switched by FAST_TRANSPORT, and off by
itself, with one warning, on library versions it was not verified with.

The evidence comes from outside the process, as an operator would see it: the transport
figures of `/admin`. Each server here says whether it wants the fast path, so these tests
mean the same in CI's second pass, which switches it off for the other suites.
"""

import re
import threading
import time

import pytest
import socketio
from servers import ROOT, GunicornServer
from test_abuse import assert_others_keep_chatting, raw_socket

from chat.transport.fastpath import verified

pytestmark = pytest.mark.timeout(90)

TOKEN = "operators-only-0123456789"
IDLE_USERS = 20


def transport_figures(server):
    """The transport figures an operator's page receives from the server on connecting."""
    operator = socketio.Client(reconnection=False)
    figures = []
    arrived = threading.Event()

    def on_stats(stats):
        figures.append(stats["transport"])
        arrived.set()

    operator.on("stats", on_stats, namespace="/admin")
    operator.connect(
        server.url,
        auth={"token": TOKEN},
        namespaces=["/admin"],
        transports=["websocket"],
        wait_timeout=10,
    )
    assert arrived.wait(5), "no figures within 5 s"
    operator.disconnect()
    return figures[0]


def idle_users(server, tag):
    """IDLE_USERS raw WebSockets connected to the chat, then left alone."""
    return [raw_socket(server, f"{tag}-{number}") for number in range(IDLE_USERS)]


def serving(tmp_path, **env):
    """A real server with an admin token and the given environment."""
    return GunicornServer(tmp_path, env={"FLASK_ADMIN_TOKEN": TOKEN, **env})


def test_the_real_server_serves_idle_websockets_from_the_event_loop(tmp_path):
    with serving(tmp_path, FLASK_FAST_TRANSPORT="true") as server:
        users = idle_users(server, "idle")
        figures = transport_figures(server)
        for user in users:
            user.close()
        # Without Engine.IO's service task, a closed socket leaves the table by itself.
        deadline = time.monotonic() + 5
        while (after := transport_figures(server))["sockets"] > 1:
            assert time.monotonic() < deadline, after
    assert figures["fast_path"] == "on", figures
    assert figures["fast_sockets"] == figures["sockets"] >= IDLE_USERS
    assert figures["websockets_on_the_event_loop"] >= IDLE_USERS
    assert figures["websockets_in_green_threads"] == 0
    assert after == {**after, "sockets": 1, "websockets_on_the_event_loop": 1}


def test_switched_off_the_server_serves_the_stock_way(tmp_path):
    with serving(tmp_path, FLASK_FAST_TRANSPORT="false") as server:
        users = idle_users(server, "stock")
        figures = transport_figures(server)
        assert_others_keep_chatting(server, "stock")
        for user in users:
            user.close()
    assert figures["fast_path"] == "off"
    assert figures["reason"] == "FAST_TRANSPORT is false"
    assert figures["fast_sockets"] == figures["websockets_on_the_event_loop"] == 0
    assert figures["websockets_in_green_threads"] >= IDLE_USERS


def test_on_an_unverified_version_it_stays_off_with_one_warning(tmp_path):
    # A distribution found first on the path stands in for an upgraded gunicorn.
    upgraded = tmp_path / "upgraded" / "gunicorn-99.0.dist-info"
    upgraded.mkdir(parents=True)
    (upgraded / "METADATA").write_text("Metadata-Version: 2.1\nName: gunicorn\nVersion: 99.0\n")
    with serving(tmp_path, FLASK_FAST_TRANSPORT="true", PYTHONPATH=str(upgraded.parent)) as server:
        figures = transport_figures(server)
        assert_others_keep_chatting(server, "unverified")
        log = server.log()
    assert figures["fast_path"] == "off"
    assert figures["reason"] == "unverified versions: gunicorn 99.0 (verified: 25.3.0)"
    warnings = [line for line in log.splitlines() if "fast path stays off" in line]
    assert len(warnings) == 1, log
    assert "gunicorn 99.0 (verified: 25.3.0)" in warnings[0]


def test_another_installed_version_is_named_beside_the_verified_one():
    installed = {**verified.VERIFIED, "eventlet": "0.42.0"}
    installed.pop("gunicorn")
    assert verified.mismatches(lambda name: installed.get(name, "none")) == [
        "eventlet 0.42.0 (verified: 0.41.3)",
        "gunicorn none (verified: 25.3.0)",
    ]


def test_the_verified_versions_are_the_pinned_ones():
    pins = dict(re.findall(r"^([\w-]+)==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M))
    assert {name: pins.get(name) for name in verified.VERIFIED} == verified.VERIFIED


def test_the_installed_libraries_are_the_verified_ones():
    assert verified.mismatches() == []
