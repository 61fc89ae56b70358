"""Real browsers through the shipped Apache balancer over https: two people on two processes
chat, and keep chatting when one of the processes is killed."""

import pytest
from chat_page import ChatPage
from deploy_servers import balanced_site
from playwright.sync_api import expect

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(90),
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]

RECONNECT_MS = 10_000


@pytest.fixture
def site(tmp_path):
    """Two gunicorn processes, Redis and apache/chat-balancer.conf, with access logs."""
    with balanced_site(tmp_path, {"GUNICORN_ACCESS_LOG": "-"}) as site:
        yield site


def enter_through(site, open_page, nick, room, route):
    """Someone whose browser Apache pinned to process `route`, in the room on the chat page."""
    page = open_page(nick, ignore_https_errors=True)
    page.context.add_cookies([{"name": "ROUTEID", "value": f".{route}", "url": site.url}])
    page.goto(site.url + "/")
    return ChatPage.enter(page, nick, room)


def test_browsers_on_two_processes_chat_and_one_moves_when_its_process_dies(site, open_page):
    alice = enter_through(site, open_page, "alice", "deploy", route=1)
    bob = enter_through(site, open_page, "bob", "deploy", route=2)
    # Each chat page came from the process the browser's cookie names; its socket follows.
    assert "GET /chat " in site.one.log() and "GET /chat " in site.two.log()
    expect(alice.page.locator("#members li")).to_have_text(["alice", "bob"])
    alice.send("hello from process one")
    expect(bob.message("deploy", "hello from process one")).to_be_visible()

    site.one.kill()
    bob.send("said while alice moves")
    expect(alice.message("deploy", "said while alice moves")).to_be_visible(timeout=RECONNECT_MS)
    expect(alice.status).to_have_attribute("data-state", "connected")
    alice.send("hello from process two")
    expect(bob.message("deploy", "hello from process two")).to_be_visible()

    said = ["hello from process one", "said while alice moves", "hello from process two"]
    for person in (alice, bob):
        expect(person.texts("deploy")).to_have_text(said)
        expect(person.page.locator("#members li")).to_have_text(["alice", "bob"])
