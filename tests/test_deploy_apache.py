"""One gunicorn process behind the shipped apache/chat.conf, over https, as deployed."""

import time

import pytest
import requests
import socketio
from deploy_servers import RoamingUser, one_process_site, roaming_users

pytestmark = [
    pytest.mark.timeout(120),
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]

IDLE_SECONDS = 40


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn on a free port trusting one proxy, and Apache in front of it."""
    with one_process_site(tmp_path_factory.mktemp("apache")) as site:
        yield site


@pytest.fixture
def users(site):
    """Connect RoamingUsers to the site; all are closed at the end."""
    with roaming_users(site.url) as user:
        yield user


def test_the_page_loads_over_https_with_a_secure_session_cookie(site):
    response = requests.get(site.url + "/", verify=False, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Strict-Transport-Security" in response.headers
    # Secure only if Flask saw https through the proxy (X-Forwarded-Proto and ProxyFix).
    [cookie] = [cookie for cookie in response.cookies if cookie.name == "session"]
    assert cookie.secure


def test_plain_http_moves_to_https_except_for_certificate_renewal(site):
    moved = requests.get(site.apache.http_url + "/chat?x=1", allow_redirects=False, timeout=10)
    assert moved.status_code == 301
    assert moved.headers["Location"] == site.url + "/chat?x=1"
    challenge = site.apache.webroot / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True)
    (challenge / "token").write_text("proof")
    renewal = requests.get(site.apache.http_url + "/.well-known/acme-challenge/token", timeout=10)
    assert (renewal.status_code, renewal.text) == (200, "proof")


def test_websocket_and_polling_clients_chat_through_apache(users):
    alice = users("alice", transports=["websocket"])
    bob = users("bob", transports=["polling", "websocket"])
    bob.wait_until(lambda: bob.client.transport() == "websocket", what="upgrade to websocket")
    assert alice.client.transport() == "websocket"
    alice.join("lobby")
    assert bob.join("lobby")["members"] == ["alice", "bob"]

    alice.say("lobby", "hello through Apache")
    bob.wait_until(lambda: bob.texts("lobby") == ["hello through Apache"], what="alice's message")
    bob.say("lobby", "hello back")
    alice.wait_until(
        lambda: alice.texts("lobby") == ["hello through Apache", "hello back"],
        what="bob's reply",
    )


@pytest.mark.parametrize("transports", [["websocket"], ["polling", "websocket"]])
def test_a_foreign_origin_is_refused_through_apache(site, transports):
    intruder = RoamingUser(site.url, "mallory", transports, reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        intruder.connect(origin="https://evil.example")


def test_the_origin_check_compares_with_the_public_https_address(site):
    handshake = site.url + "/socket.io/?EIO=4&transport=polling"

    def status(origin):
        return requests.get(handshake, headers={"Origin": origin}, verify=False, timeout=10)

    assert status(site.url).status_code == 200
    assert status(site.url.replace("https:", "http:")).status_code == 400
    assert status("https://evil.example").status_code == 400


@pytest.mark.slow
def test_idle_websocket_and_polling_clients_both_survive_40_seconds(site, users):
    alice = users("alice", transports=["websocket"])
    bob = users("bob", transports=["polling"])
    for user in (alice, bob):
        user.join("quiet room")
    sessions = {user.nick: user.engine_sid() for user in (alice, bob)}

    # Both idle at once: the socket's ping (every 25 s) is the only traffic.
    time.sleep(IDLE_SECONDS)

    for user in (alice, bob):
        assert (user.connects, user.disconnects) == (1, 0), user.nick
        assert user.engine_sid() == sessions[user.nick]
    assert bob.client.transport() == "polling"
    alice.say("quiet room", "still there?")
    bob.wait_until(lambda: bob.texts("quiet room") == ["still there?"], what="a message")
    assert " 502 " not in site.apache.access_log()
