"""Searching history: `search {room, q}` (or `{with, q}` for one's own conversation) answers
with the newest messages holding every word, bounded, only where the asker may read."""

import pytest

from chat.core.store import Draft
from chat.realtime.search import SEARCH_LIMIT


def send(socket, room, text):
    return socket.emit("chat message", {"room": room, "text": text}, callback=True)


def search(socket, **payload):
    return socket.emit("search", payload, callback=True)


def texts(ack):
    return [message["text"] for message in ack["messages"]]


def test_a_search_finds_a_joined_room_s_messages_with_every_word_newest_first(joined):
    alice = joined("alice", "lobby", "kitchen")
    for text in ("Deploy on Friday", "lunch?", "deployment failed friday", "friday!"):
        send(alice, "lobby", text)
    send(alice, "kitchen", "friday deploy pizza")
    ack = search(alice, room="lobby", q="friday, DEPLOY")
    assert ack["ok"] is True and ack["room"] == "lobby"
    assert texts(ack) == ["deployment failed friday", "Deploy on Friday"]
    assert ack["messages"][0]["nick"] == "alice" and ack["messages"][0]["seq"] == 3


def test_a_search_finds_the_newest_messages_up_to_a_limit(joined, app):
    alice = joined("alice", "lobby")
    drafts = [Draft("lobby", "bob", "bob", f"note {n}", 1) for n in range(SEARCH_LIMIT + 10)]
    app.extensions["chat"].store.save_batch(drafts)
    ack = search(alice, room="lobby", q="note")
    assert len(ack["messages"]) == SEARCH_LIMIT
    assert ack["messages"][0]["text"] == f"note {SEARCH_LIMIT + 9}"


def test_a_search_follows_edits_and_deletions(joined):
    alice = joined("alice", "lobby")
    kept = send(alice, "lobby", "meeting at noon")
    gone = send(alice, "lobby", "meeting moved")
    alice.emit("edit message", {"id": kept["id"], "text": "lunch at noon"}, callback=True)
    alice.emit("delete message", {"id": gone["id"]}, callback=True)
    assert texts(search(alice, room="lobby", q="meeting")) == []
    assert texts(search(alice, room="lobby", q="lunch")) == ["lunch at noon"]


def test_only_a_joined_room_is_searched(joined):
    send(joined("bob", "secret"), "secret", "the plans")
    ack = search(joined("alice", "lobby"), room="secret", q="plans")
    assert ack["ok"] is False and "not joined" in ack["error"]


def test_one_s_own_conversation_is_searched_with_with(person):
    alice, bob = person("alice"), person("bob")
    alice.emit("direct message", {"to": "bob", "text": "the station at six"}, callback=True)
    ack = search(bob, **{"with": "alice", "q": "station"})
    assert ack["ok"] is True and ack["with"] == "alice"
    assert [(m["from"], m["to"], m["text"]) for m in ack["messages"]] == [
        ("alice", "bob", "the station at six")
    ]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"room": "lobby"}, "Missing field 'q'"),
        ({"room": "lobby", "q": "  ,;  "}, "at least one word"),
        ({"room": "lobby", "q": "x" * 201}, "at most 200 characters"),
        ({"room": "lobby", "q": "a b c d e f g h i"}, "at most 8 words"),
        ({"room": "lobby", "q": "x" * 65}, "at most 64 characters"),
        ({"room": "lobby", "q": 5}, "must be text"),
        ({"q": "x"}, "Give 'room'"),
    ],
)
def test_a_bad_search_gets_a_clear_error(joined, payload, reason):
    ack = joined("alice", "lobby").emit("search", payload, callback=True)
    assert ack["ok"] is False and reason in ack["error"]


def test_search_text_that_looks_like_query_syntax_is_searched_as_words(joined):
    alice = joined("alice", "lobby")
    send(alice, "lobby", 'he said "NEAR" AND left')
    for q in ('"near', "near*", "NEAR(left)", "scope:x AND left", "left OR", "-left"):
        ack = search(alice, room="lobby", q=q)
        assert ack["ok"] is True, (q, ack)
