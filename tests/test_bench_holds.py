"""The benchmark's measure of event-loop holds (bench/holds.conf.py): a worker run with it
serves as usual and, when it stops, writes how long green threads held the loop."""

import json

import pytest
from servers import ROOT, GunicornServer
from test_server import ChatClient

pytestmark = pytest.mark.timeout(60)


def test_a_worker_with_the_holds_settings_serves_and_writes_its_holds_at_exit(tmp_path):
    out = tmp_path / "holds.json"
    server = GunicornServer(
        tmp_path, env={"HOLDS_OUT": str(out)}, config=ROOT / "bench" / "holds.conf.py"
    )
    with server:
        alice, bob = ChatClient(server.url, "alice"), ChatClient(server.url, "bob")
        for client in (alice, bob):
            assert client.call("join", {"room": "lobby"})["ok"]
        assert alice.call("chat message", {"room": "lobby", "text": "timed"})["ok"]
        assert bob.arrived.wait(5)
        alice.close()
        bob.close()
        server.stop()
    holds = json.loads(out.read_text())
    for kind in ("hub", "green"):
        assert holds[kind]["count"] > 10
        assert 0 <= holds[kind]["p50"] <= holds[kind]["p99"] <= holds[kind]["max"]
    assert all(held > 5.0 for held, *_ in holds["longest"])
