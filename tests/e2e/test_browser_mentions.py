"""Mentions on the page: `@nick` set apart, the message highlighted for the one it names, and
while their tab is hidden a browser notification and a count in the title, cleared when they
come back. Permission to notify is asked only from the page's button.

An init script observes the page's Notification constructor (Chromium's own, which still runs)
and lets the test say when the tab is hidden, as switching away from it would."""

import re

from playwright.sync_api import expect

OBSERVED = """
(() => {
  const Real = window.Notification;
  window.__shown = [];
  window.__asked = 0;
  class Observed extends Real {
    constructor(title, options) {
      super(title, options);
      window.__shown.push({ title, body: options?.body });
    }
  }
  Observed.requestPermission = (...args) => {
    window.__asked += 1;
    return Real.requestPermission(...args);
  };
  window.Notification = Observed;
  let visibility = 'visible';
  Object.defineProperty(document, 'visibilityState', { get: () => visibility });
  Object.defineProperty(document, 'hidden', { get: () => visibility === 'hidden' });
  window.__setVisibility = (state) => {
    visibility = state;
    document.dispatchEvent(new Event('visibilitychange'));
  };
})();
"""


def observed_person(person, nick, room, **options):
    """Someone whose page's notifications and visibility the test observes and sets."""
    chat = person(nick, room, **options)
    chat.page.context.add_init_script(OBSERVED)
    chat.page.reload()
    chat.wait_until_in(room)
    return chat


def test_a_mention_is_highlighted_for_the_one_it_names(person):
    alice = person("alice", "mn-look")
    bob = person("bob", "mn-look")
    bob.send("@alice have a look")
    mention = alice.message("mn-look", "@alice have a look")
    expect(mention).to_have_class("message mentions-me")
    expect(mention.locator(".mention.me")).to_have_text("@alice")
    own_view = bob.message("mn-look", "@alice have a look")
    expect(own_view).not_to_have_class(re.compile(r"\bmentions-me\b"))
    # The sender sees whom it named as soon as the server acks it, without a reload.
    expect(own_view.locator(".mention")).to_have_text("@alice")


def test_a_mention_while_the_tab_is_hidden_notifies_and_counts_in_the_title(person):
    alice = observed_person(person, "alice2", "mn-away", permissions=["notifications"])
    bob = person("bob2", "mn-away")
    expect(alice.page.get_by_role("button", name="Notify me")).to_be_hidden()
    alice.page.evaluate("window.__setVisibility('hidden')")
    bob.send("nothing for alice here")
    bob.send("@alice2 are you around?")
    expect(alice.message("mn-away", "@alice2 are you around?")).to_be_attached()
    expect(alice.page).to_have_title("(1) Chat — mn-away")
    shown = alice.page.evaluate("window.__shown")
    assert shown == [{"title": "bob2 mentioned you in #mn-away", "body": "@alice2 are you around?"}]

    alice.page.evaluate("window.__setVisibility('visible')")
    expect(alice.page).to_have_title("Chat — mn-away")


def test_permission_is_asked_only_when_the_person_presses_the_button(person):
    alice = observed_person(person, "alice3", "mn-ask")
    button = alice.page.get_by_role("button", name="Notify me of mentions and direct messages")
    expect(button).to_be_visible()
    assert alice.page.evaluate("window.__asked") == 0
    button.click()
    alice.page.wait_for_function("window.__asked === 1")
