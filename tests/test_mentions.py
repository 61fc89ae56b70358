"""Mentions: `@nick` in a room message marks whom it names, matched as nicknames are
compared (look-alikes too), so that their page can highlight it and notify them."""

import pytest
from inbox import received

from chat.core.mentions import MAX_MENTIONS, mentioned


def send(socket, room, text):
    return socket.emit("chat message", {"room": room, "text": text}, callback=True)


def mentions_of(text, members=("alice", "Bob"), reserved=None):
    """What a text mentions in a room of `members`, with `reserved` ({key: nick}) elsewhere."""
    return mentioned(text, lambda: list(members), (reserved or {}).get)


# The rules, on their own


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi @bob", ("Bob",)),
        ("@BOB and @alice", ("Bob", "alice")),
        ("thanks @bob.", ("Bob",)),
        ("@bоb", ("Bob",)),  # a Cyrillic o
        ("@bob @Bob @BOB", ("Bob",)),
        ("mail bob@example.org", ()),
        ("@@bob", ()),
        ("@nobody here", ()),
        ("no mention at all", ()),
    ],
)
def test_a_mention_names_a_member_as_they_spell_their_nickname(text, expected):
    assert mentions_of(text) == expected


def test_a_reserved_nickname_outside_the_room_is_mentioned_too():
    assert mentions_of("ask @carol", reserved={"carol": "Carol"}) == ("Carol",)


def test_members_are_not_asked_for_when_nobody_is_mentioned():
    def members():
        raise AssertionError("members asked for")

    assert mentioned("plain text, no at sign", members, {}.get) == ()


def test_a_text_is_read_for_a_bounded_number_of_mentions():
    looked_up = []
    text = " ".join(f"@user{n}" for n in range(50))
    mentioned(text, list, lambda key: looked_up.append(key))
    assert len(looked_up) == MAX_MENTIONS


# Over the socket


def test_a_message_carries_whom_it_mentions_live_and_in_history(joined, connect):
    alice = joined("alice", "lobby")
    bob = joined("Bob", "lobby")
    assert send(alice, "lobby", "hey @BOB, look")["ok"]
    [message] = received(bob, "chat message")
    assert message["mentions"] == ["Bob"]
    history = connect("carol").emit("join", {"room": "lobby"}, callback=True)["history"]
    assert history[-1]["mentions"] == ["Bob"]


def test_a_message_mentioning_nobody_carries_no_mentions(joined):
    alice = joined("alice", "lobby")
    bob = joined("bob", "lobby")
    send(alice, "lobby", "hello @nobody")
    assert "mentions" not in received(bob, "chat message")[0]


def test_someone_away_with_a_reserved_nickname_is_mentioned(joined, person):
    person("carol").disconnect()
    alice = joined("alice", "lobby")
    bob = joined("bob", "lobby")
    send(alice, "lobby", "@carol will like this")
    assert received(bob, "chat message")[0]["mentions"] == ["carol"]
