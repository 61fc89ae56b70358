"""Messages refused by the server's rate limit: shown as not sent, and sent again on request."""

import pytest
from playwright.sync_api import expect

RATE_PER_SECOND = 1
BURST = 3
# Sent quickly, one after the other, until the first is refused; however slowly a busy machine
# types, this many at 1 a second outrun the limit.
MOST_SENT = 20


@pytest.fixture(scope="module")
def server_env():
    """A tight message rate limit, so a quick burst from the page is partly refused."""
    return {"FLASK_RATE_LIMIT": str(RATE_PER_SECOND), "FLASK_RATE_BURST": str(BURST)}


def test_a_refused_message_can_be_sent_again_and_arrives_once(person):
    alice = person("alice9", "r9-fast")
    bob = person("bob9", "r9-fast")
    refused = alice.page.locator("li.message.own.failed")
    texts = []
    while not refused.count() and len(texts) < MOST_SENT:
        texts.append(f"quick {len(texts) + 1}")
        alice.send(texts[-1])
    expect(refused.first).to_contain_text("You are sending messages too fast")
    expect(alice.page.locator("li.message.pending")).to_have_count(0)

    for _ in range(refused.count()):
        # The limit gives back one message every 1/RATE seconds; nothing on the page shows it.
        alice.page.wait_for_timeout(1000 / RATE_PER_SECOND + 100)
        refused.first.get_by_role("button", name="Send again").click()
        expect(alice.page.locator("li.message.pending")).to_have_count(0)

    expect(refused).to_have_count(0)
    expect(alice.messages("r9-fast")).to_have_count(len(texts))
    expect(bob.messages("r9-fast")).to_have_count(len(texts))
    assert sorted(bob.texts("r9-fast").all_text_contents()) == sorted(texts)
