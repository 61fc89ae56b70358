"""Web addresses in messages: http and https become links that open apart from the page;
every other address, and text that looks like HTML, stays text."""

from playwright.sync_api import expect


def test_an_https_address_is_a_link_that_cannot_reach_back(person):
    alice = person("alice", "ln-good")
    bob = person("bob", "ln-good")
    text = "read https://example.org/docs?page=2#top. then http://example.com"
    alice.send(text)
    message = bob.message("ln-good", text)
    links = message.locator(".text a")
    expect(links).to_have_text(["https://example.org/docs?page=2#top", "http://example.com"])
    expect(links.first).to_have_attribute("href", "https://example.org/docs?page=2#top")
    for index in range(2):
        expect(links.nth(index)).to_have_attribute("rel", "noopener noreferrer")
        expect(links.nth(index)).to_have_attribute("target", "_blank")


def test_other_addresses_and_html_stay_text(person):
    alice = person("alice2", "ln-bad")
    bob = person("bob2", "ln-bad")
    hostile = [
        "javascript:alert(1)",
        "data:text/html,<script>window.__xss=1</script>",
        '<a href="javascript:window.__xss=2">click me</a>',
        '<img src=x onerror="window.__xss=3">',
        "ftp://example.org/file",
    ]
    for text in hostile:
        alice.send(text)
    expect(bob.texts("ln-bad")).to_have_text(hostile)
    expect(bob.log("ln-bad").locator("a, img, script")).to_have_count(0)
    assert bob.page.evaluate("window.__xss") is None
