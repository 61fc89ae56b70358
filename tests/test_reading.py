"""Read markers kept by the server: `read {room, seq}`, and where a person stopped reading
given back on join, on any device, with the count of what came since."""

import pytest
from inbox import received

from chat.core.store import Draft


def send(socket, room, text):
    return socket.emit("chat message", {"room": room, "text": text}, callback=True)


def join(socket, room, **extra):
    return socket.emit("join", {"room": room, **extra}, callback=True)


def read(socket, room, seq):
    return socket.emit("read", {"room": room, "seq": seq}, callback=True)


@pytest.fixture
def lobby_with_five_messages(person):
    """bob wrote five messages in the lobby."""
    bob = person("bob")
    join(bob, "lobby")
    for n in range(5):
        send(bob, "lobby", f"m{n}")
    return bob


def test_a_room_never_marked_read_has_nothing_unread(person, lobby_with_five_messages):
    ack = join(person("alice"), "lobby")
    assert (ack["read_seq"], ack["unread"]) == (None, 0)


def test_the_marker_and_the_unread_count_come_back_on_join_on_another_device(
    person, lobby_with_five_messages
):
    alice = person("alice")
    join(alice, "lobby")
    assert read(alice, "lobby", 2) == {"ok": True, "room": "lobby", "read_seq": 2}
    alice.disconnect()
    ack = join(person("alice"), "lobby")
    assert (ack["read_seq"], ack["unread"]) == (2, 3)


def test_one_s_own_messages_are_never_unread(person, lobby_with_five_messages):
    alice = person("alice")
    join(alice, "lobby")
    read(alice, "lobby", 5)
    send(alice, "lobby", "mine")
    send(lobby_with_five_messages, "lobby", "bob again")
    assert join(person("alice"), "lobby")["unread"] == 1


def test_a_marker_never_moves_back_nor_past_the_newest_message(person, lobby_with_five_messages):
    alice = person("alice")
    join(alice, "lobby")
    read(alice, "lobby", 4)
    assert read(alice, "lobby", 1)["read_seq"] == 4, "a stale tab does not move it back"
    assert read(alice, "lobby", 99)["read_seq"] == 5


def test_the_person_s_other_sockets_are_told_when_the_marker_moves(
    person, lobby_with_five_messages
):
    alice, alice_on_phone = person("alice"), person("alice")
    for socket in (alice, alice_on_phone):
        join(socket, "lobby")
    received(alice_on_phone, "read marker")
    read(alice, "lobby", 3)
    assert received(alice_on_phone, "read marker") == [{"room": "lobby", "read_seq": 3}]
    assert received(alice, "read marker") == []
    assert received(lobby_with_five_messages, "read marker") == []


def test_unread_is_counted_up_to_a_hundred(person, app, lobby_with_five_messages):
    alice = person("alice")
    join(alice, "lobby")
    read(alice, "lobby", 5)
    drafts = [Draft("lobby", "bob", "bob", f"n{n}", 1, sender="bob's") for n in range(150)]
    app.extensions["chat"].store.save_batch(drafts)
    assert join(person("alice"), "lobby")["unread"] == 100


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"room": "lobby"}, "Missing field 'seq'"),
        ({"room": "lobby", "seq": -1}, "between 0 and"),
        ({"room": "lobby", "seq": "3"}, "whole number"),
        ({"room": "elsewhere", "seq": 1}, "not joined"),
        ({"seq": 1}, "Give 'room'"),
        ({"room": "lobby", "with": "bob", "seq": 1}, "not both"),
    ],
)
def test_a_bad_read_gets_a_clear_error(person, lobby_with_five_messages, payload, reason):
    alice = person("alice")
    join(alice, "lobby")
    ack = alice.emit("read", payload, callback=True)
    assert ack["ok"] is False and reason in ack["error"]


def test_a_socket_without_a_key_keeps_no_marker(joined):
    alice = joined("alice", "lobby")
    ack = read(alice, "lobby", 1)
    assert ack["ok"] is False and "reserved to you" in ack["error"]
