"""A server restart seen by two people in one room: their pages reconnect and re-join, and
neither is told that the other joined or came online again, while both member lists, and the
room's count in the directory, still name them both."""

from playwright.sync_api import expect

RECONNECT_MS = 15_000
# The server gathers presence into one broadcast at most every 0.2 s here (servers.py);
# anything a reconnect made it announce has arrived well within this.
ANNOUNCED_MS = 1500


def activity(chat):
    """The lines of the activity list: who came online or went offline."""
    return chat.page.locator("#presence .presence-text")


def test_after_a_restart_nobody_is_announced_as_joining_or_coming_online(person, server):
    alice = person("alice", "rs-room")
    bob = person("bob", "rs-room")
    expect(alice.notices("rs-room")).to_have_text(["bob joined"])
    expect(activity(alice)).to_have_text(["bob came online"])

    server.kill()
    for chat in (alice, bob):
        expect(chat.status).to_have_attribute("data-state", "reconnecting")
    server.start()
    for chat in (alice, bob):
        expect(chat.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
        expect(chat.page.locator("#members li")).to_have_text(["alice", "bob"])
        expect(chat.listed_room("rs-room")).to_contain_text("2 online")

    alice.page.wait_for_timeout(ANNOUNCED_MS)
    expect(alice.notices("rs-room")).to_have_text(["bob joined"])
    expect(bob.notices("rs-room")).to_have_count(0)
    expect(activity(alice)).to_have_text(["bob came online"])
    expect(activity(bob)).to_have_count(0)


def test_someone_seen_leaving_is_seen_coming_back_after_their_reconnect(person):
    alice = person("alice2", "rs-back")
    bob = person("bob2", "rs-back")
    bob.page.context.set_offline(True)
    expect(alice.notices("rs-back")).to_have_text(["bob2 joined", "bob2 left"])
    expect(alice.page.locator("#members li")).to_have_text(["alice2"])

    bob.page.context.set_offline(False)
    expect(bob.status).to_have_attribute("data-state", "connected", timeout=RECONNECT_MS)
    expect(alice.notices("rs-back")).to_have_text(["bob2 joined", "bob2 left", "bob2 joined"])
    expect(alice.page.locator("#members li")).to_have_text(["alice2", "bob2"])
