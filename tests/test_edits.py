"""Editing and deleting one's own messages: only the author (the same holder) may, whoever
sees the message is told, and history shows the change. In rooms and direct conversations."""

import time

import pytest
from inbox import received

DAY = 24 * 3600


def send(socket, room, text):
    return socket.emit("chat message", {"room": room, "text": text}, callback=True)


def edit(socket, message_id, text):
    return socket.emit("edit message", {"id": message_id, "text": text}, callback=True)


def delete(socket, message_id):
    return socket.emit("delete message", {"id": message_id}, callback=True)


def history(socket, room):
    return socket.emit("join", {"room": room}, callback=True)["history"]


@pytest.fixture
def in_lobby(person):
    """Connect a nickname with its key, in the lobby, inbox emptied."""

    def in_lobby(nick, key=None):
        socket = person(nick, key)
        assert socket.emit("join", {"room": "lobby"}, callback=True)["ok"]
        socket.get_received()
        return socket

    return in_lobby


# In a room


def test_the_author_edits_a_message_and_the_room_sees_it(in_lobby):
    alice, bob = in_lobby("alice"), in_lobby("bob")
    sent = send(alice, "lobby", "helo")
    ack = edit(alice, sent["id"], "hello")
    assert ack["ok"] is True and ack["id"] == sent["id"] and ack["edited_ts"] >= sent["ts"]
    assert received(bob, "message edited") == [
        {"id": sent["id"], "room": "lobby", "text": "hello", "edited_ts": ack["edited_ts"]}
    ]
    assert received(alice, "message edited") == [], "the author has the ack"
    [shown] = history(bob, "lobby")
    assert (shown["text"], shown["edited_ts"]) == ("hello", ack["edited_ts"])


def test_an_edit_marks_whom_the_new_text_mentions(in_lobby):
    alice, bob = in_lobby("alice"), in_lobby("bob")
    sent = send(alice, "lobby", "hi all")
    edit(alice, sent["id"], "hi @BOB")
    assert received(bob, "message edited")[0]["mentions"] == ["bob"]


def test_the_author_deletes_a_message_and_its_seq_stays_unused(in_lobby):
    alice, bob = in_lobby("alice"), in_lobby("bob")
    sent = send(alice, "lobby", "oops")
    assert delete(alice, sent["id"]) == {"ok": True, "id": sent["id"]}
    assert received(bob, "message removed") == [{"id": sent["id"], "room": "lobby"}]
    assert history(bob, "lobby") == []
    assert send(alice, "lobby", "again")["seq"] == 2


def test_nobody_else_may_edit_or_delete_a_message(in_lobby):
    alice, bob = in_lobby("alice"), in_lobby("bob")
    sent = send(alice, "lobby", "mine")
    for ack in (edit(bob, sent["id"], "yours"), delete(bob, sent["id"])):
        assert ack["ok"] is False and "not one of yours" in ack["error"]
    assert received(alice, "message edited") == received(alice, "message removed") == []
    assert history(bob, "lobby")[0]["text"] == "mine"


def test_the_same_person_on_another_device_may_edit_their_message(in_lobby):
    sent = send(in_lobby("alice"), "lobby", "from the laptop")
    assert edit(in_lobby("alice"), sent["id"], "from the phone")["ok"]


def test_whoever_takes_a_lapsed_nickname_may_not_edit_its_former_holder_s_messages(app, in_lobby):
    alice = in_lobby("alice")
    sent = send(alice, "lobby", "signed, alice")
    alice.disconnect()
    app.extensions["chat"].identities.clock = lambda: time.time() + 31 * DAY
    newcomer = in_lobby("alice", key="newcomer")
    assert edit(newcomer, sent["id"], "signed, someone else")["ok"] is False


def test_a_socket_without_a_key_edits_its_messages_until_it_leaves(joined):
    alice = joined("alice", "lobby")
    sent = send(alice, "lobby", "typo")
    assert edit(alice, sent["id"], "fixed")["ok"]
    alice.disconnect()
    assert edit(joined("alice", "lobby"), sent["id"], "again")["ok"] is False


# In a direct conversation


def test_an_edit_in_a_conversation_reaches_the_other_party_and_the_author_s_other_sockets(
    person,
):
    alice, alice_on_phone, bob = person("alice"), person("alice"), person("bob")
    sent = alice.emit("direct message", {"to": "bob", "text": "helo"}, callback=True)
    for socket in (alice_on_phone, bob):
        socket.get_received()
    ack = edit(alice, sent["id"], "hello")
    notice = {"id": sent["id"], "text": "hello", "edited_ts": ack["edited_ts"]}
    assert received(bob, "message edited") == [{**notice, "with": "alice"}]
    assert received(alice_on_phone, "message edited") == [{**notice, "with": "bob"}]
    history = bob.emit("direct history", {"with": "alice"}, callback=True)["messages"]
    assert (history[0]["text"], history[0]["edited_ts"]) == ("hello", ack["edited_ts"])


def test_a_deletion_in_a_conversation_reaches_both_people(person):
    alice, bob = person("alice"), person("bob")
    sent = alice.emit("direct message", {"to": "bob", "text": "wrong person"}, callback=True)
    bob.get_received()
    assert delete(alice, sent["id"])["ok"]
    assert received(bob, "message removed") == [{"id": sent["id"], "with": "alice"}]
    assert bob.emit("direct history", {"with": "alice"}, callback=True)["messages"] == []


@pytest.mark.parametrize(
    ("event", "payload", "reason"),
    [
        ("edit message", {"text": "x"}, "Missing field 'id'"),
        ("edit message", {"id": 0, "text": "x"}, "between 1 and"),
        ("edit message", {"id": "1", "text": "x"}, "whole number"),
        ("edit message", {"id": 1, "text": ""}, "empty"),
        ("edit message", {"id": 1, "text": "x" * 2001}, "longer than 2000"),
        ("edit message", {"id": 999, "text": "x"}, "not one of yours"),
        ("delete message", {}, "Missing field 'id'"),
        ("delete message", {"id": 2**63}, "between 1 and"),
        ("delete message", {"id": 999}, "not one of yours"),
    ],
)
def test_a_bad_edit_or_deletion_gets_a_clear_error(in_lobby, event, payload, reason):
    alice = in_lobby("alice")
    send(alice, "lobby", "here")
    ack = alice.emit(event, payload, callback=True)
    assert ack["ok"] is False and reason in ack["error"]
    assert history(alice, "lobby")[0]["text"] == "here"
