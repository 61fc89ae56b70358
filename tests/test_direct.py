"""Direct messages between two people: delivered to every socket of the recipient and the
sender's other ones, stored once, caught up on, listed with unread counts, and readable by
nobody else, not even whoever takes one of the nicknames later. In process, on SQLite and
PostgreSQL."""

import time

import pytest
from inbox import received

from chat.core import direct

DAY = 24 * 3600


def dm(socket, to, text, **extra):
    return socket.emit("direct message", {"to": to, "text": text, **extra}, callback=True)


def history_with(socket, nick, **extra):
    return socket.emit("direct history", {"with": nick, **extra}, callback=True)


def conversations(socket):
    return socket.emit("conversations", callback=True)


def texts(messages):
    return [message["text"] for message in messages]


@pytest.fixture
def people(person):
    """Connect each nickname with its own key (so it is reserved to it), inboxes emptied."""

    def people(*nicks):
        sockets = [person(nick) for nick in nicks]
        for socket in sockets:
            socket.get_received()
        return sockets

    return people


def days_later(app, days):
    app.extensions["chat"].identities.clock = lambda: time.time() + days * DAY


# Delivery


def test_a_direct_message_reaches_every_socket_of_both_people_and_nobody_else(people):
    alice, alice_on_phone, bob, bob_on_phone, carol = people(
        "alice", "alice", "bob", "bob", "carol"
    )
    ack = dm(alice, "Bob", "hello bob", client_id="c-1")
    assert ack["ok"] is True and ack["seq"] == 1 and ack["duplicate"] is False
    expected = {
        "id": ack["id"],
        "seq": 1,
        "from": "alice",
        "to": "bob",
        "text": "hello bob",
        "ts": ack["ts"],
        "client_id": "c-1",
    }
    for socket in (bob, bob_on_phone, alice_on_phone):
        assert received(socket, "direct message") == [expected]
    assert received(alice, "direct message") == [], "the sender has the ack, not an echo"
    assert received(carol, "direct message") == []


def test_a_resent_direct_message_is_stored_once_and_delivered_once(people):
    alice, bob = people("alice", "bob")
    first = dm(alice, "bob", "once", client_id="c-1")
    again = dm(alice, "bob", "once", client_id="c-1")
    assert again["id"] == first["id"] and again["duplicate"] is True
    assert len(received(bob, "direct message")) == 1
    assert texts(history_with(bob, "alice")["messages"]) == ["once"]


def test_a_direct_message_reaches_someone_who_is_away_when_they_come_back(people, person):
    alice, bob = people("alice", "bob")
    bob.disconnect()
    dm(alice, "bob", "while you were out")
    bob = person("bob")
    [summary] = conversations(bob)["conversations"]
    assert summary["with"] == "alice" and summary["unread"] == 1
    assert texts(history_with(bob, "alice")["messages"]) == ["while you were out"]


# History and catch-up


def test_both_people_read_the_conversation_in_order(people):
    alice, bob = people("alice", "bob")
    dm(alice, "bob", "hi")
    dm(bob, "alice", "hello")
    dm(alice, "bob", "how are you?")
    for socket, other in ((alice, "bob"), (bob, "alice")):
        ack = history_with(socket, other)
        assert ack["ok"] and ack["with"] == other and ack["more"] is False
        assert [(m["from"], m["to"], m["text"]) for m in ack["messages"]] == [
            ("alice", "bob", "hi"),
            ("bob", "alice", "hello"),
            ("alice", "bob", "how are you?"),
        ]
        assert all("room" not in message for message in ack["messages"])


def test_catch_up_after_a_seen_seq_comes_in_bounded_batches(people, app):
    app.extensions["chat"].config["CATCH_UP_BATCH"] = 4
    alice, bob = people("alice", "bob")
    for n in range(10):
        dm(alice, "bob", f"m{n}")
    ack = history_with(bob, "alice", after_seq=3)
    collected = [m["seq"] for m in ack["messages"]]
    while ack["more"]:
        ack = history_with(bob, "alice", after_seq=collected[-1])
        collected += [m["seq"] for m in ack["messages"]]
    assert collected == list(range(4, 11))


def test_scrolling_back_reads_the_page_before_a_seq(people, app):
    app.extensions["chat"].config["HISTORY_LIMIT"] = 3
    alice, bob = people("alice", "bob")
    for n in range(5):
        dm(alice, "bob", f"m{n}")
    ack = history_with(bob, "alice", before_seq=5)
    assert [m["seq"] for m in ack["messages"]] == [2, 3, 4] and ack["more"] is True
    ack = history_with(bob, "alice", before_seq=2)
    assert [m["seq"] for m in ack["messages"]] == [1] and ack["more"] is False


def test_a_conversation_not_begun_has_no_history(people):
    alice, _ = people("alice", "bob")
    assert history_with(alice, "bob") == {"ok": True, "with": "bob", "messages": [], "more": False}


# The list of conversations, with unread counts


def test_conversations_list_each_partner_with_the_last_message_and_unread_count(people):
    alice, bob, carol = people("alice", "bob", "carol")
    dm(bob, "alice", "one")
    dm(bob, "alice", "two")
    dm(alice, "bob", "mine")
    time.sleep(1.1)  # a conversation's activity moves in whole seconds
    dm(carol, "alice", "hey")
    ack = conversations(alice)
    assert ack["ok"] and ack["more"] is False
    with_carol, with_bob = ack["conversations"]
    assert (with_carol["with"], with_carol["unread"], with_carol["read_seq"]) == ("carol", 1, None)
    assert with_carol["last"]["text"] == "hey" and with_carol["former"] is False
    assert (with_bob["with"], with_bob["last_seq"], with_bob["unread"]) == ("bob", 3, 2)
    assert with_bob["last"]["from"] == "alice", "one's own messages are never unread"


def test_reading_a_conversation_clears_its_unread_count_on_every_device(people, person):
    alice, alice_on_phone, bob = people("alice", "alice", "bob")
    for n in range(3):
        dm(bob, "alice", f"m{n}")
    received(alice_on_phone, "read marker")
    ack = alice.emit("read", {"with": "bob", "seq": 2}, callback=True)
    assert ack == {"ok": True, "with": "bob", "read_seq": 2}
    assert received(alice_on_phone, "read marker") == [{"with": "bob", "read_seq": 2}]
    elsewhere = person("alice")
    [summary] = conversations(elsewhere)["conversations"]
    assert (summary["read_seq"], summary["unread"]) == (2, 1)


# Nobody else can read a conversation


def test_a_third_person_finds_nothing_of_someone_else_s_conversation(people):
    alice, bob, carol = people("alice", "bob", "carol")
    dm(alice, "bob", "just between us")
    assert conversations(carol)["conversations"] == []
    for other in ("alice", "bob"):
        assert history_with(carol, other)["messages"] == []
        ack = carol.emit("search", {"with": other, "q": "between"}, callback=True)
        assert ack["ok"] is False and "no conversation" in ack["error"]
        ack = carol.emit("read", {"with": other, "seq": 1}, callback=True)
        assert ack["ok"] is False


def test_whoever_takes_a_lapsed_nickname_cannot_read_its_former_holder_s_messages(
    app, people, person
):
    alice, bob = people("alice", "bob")
    dm(alice, "bob", "the door code is 4711")
    dm(bob, "alice", "thanks")
    bob.disconnect()
    days_later(app, 31)
    mallory = person("bob", key="mallory's key")
    assert mallory.is_connected(), "the lapsed nickname is free to take"
    assert conversations(mallory)["conversations"] == []
    assert history_with(mallory, "alice")["messages"] == []
    ack = mallory.emit("search", {"with": "alice", "q": "door"}, callback=True)
    assert ack["ok"] is False
    received(mallory, "direct message")
    assert alice.emit("edit message", {"id": 1, "text": "x"}, callback=True)["ok"]
    assert received(mallory, "message edited") == [], "not even an edit's notice reaches them"


def test_the_former_holder_s_conversation_stays_readable_to_the_other_person(app, people, person):
    alice, bob = people("alice", "bob")
    dm(alice, "bob", "old news")
    bob.disconnect()
    days_later(app, 31)
    mallory = person("bob", key="mallory's key")
    [summary] = conversations(alice)["conversations"]
    assert summary["with"] == "bob" and summary["former"] is True
    assert texts(history_with(alice, "bob")["messages"]) == ["old news"]
    dm(alice, "bob", "who is this?")
    assert received(mallory, "direct message")[0]["text"] == "who is this?"
    [summary] = conversations(alice)["conversations"]
    assert summary["former"] is False and summary["last"]["text"] == "who is this?"
    assert texts(history_with(mallory, "alice")["messages"]) == ["who is this?"]


def test_a_released_nickname_s_conversations_are_not_handed_to_the_next_holder(
    app, client, people, person
):
    alice, _ = people("alice", "carol")
    client.post("/", data={"nickname": "bob", "room": "lobby"})
    browser = app.extensions["socketio"].test_client(app, flask_test_client=client)
    dm(alice, "bob", "for the browser's eyes only")
    browser.disconnect()
    client.post("/leave", data={"release": "1"})
    newcomer = person("bob", key="newcomer")
    assert newcomer.is_connected()
    assert history_with(newcomer, "alice")["messages"] == []


# Who may send, and to whom


def test_a_socket_without_a_key_can_neither_send_nor_receive_direct_messages(people, connect):
    [alice] = people("alice")
    anonymous = connect("anon")
    ack = dm(anonymous, "alice", "hi")
    assert ack["ok"] is False and "reserved to you" in ack["error"]
    ack = dm(alice, "anon", "hi")
    assert ack["ok"] is False and "reserved to nobody" in ack["error"]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"to": "alice", "text": "me?"}, "someone else"),
        ({"to": "аlice", "text": "me?"}, "someone else"),  # a Cyrillic a
        ({"to": "nobody", "text": "hi"}, "reserved to nobody"),
        ({"to": "bad nick", "text": "hi"}, "may only contain"),
        ({"text": "hi"}, "Missing field 'to'"),
        ({"to": "bob", "text": ""}, "empty"),
        ({"to": "bob", "text": "x" * 2001}, "longer than 2000"),
        ({"to": "bob", "text": "hi", "client_id": ""}, "client_id"),
    ],
)
def test_a_bad_direct_message_gets_a_clear_error_and_reaches_nobody(people, payload, reason):
    alice, bob = people("alice", "bob")
    ack = alice.emit("direct message", payload, callback=True)
    assert ack["ok"] is False and reason in ack["error"]
    assert received(bob, "direct message") == []


def test_a_conversation_s_private_room_cannot_be_joined_or_read_as_a_room(people, app):
    alice, _, carol = people("alice", "bob", "carol")
    dm(alice, "bob", "private")
    identities = app.extensions["chat"].identities
    holders = [identities.reservation(nick).holder for nick in ("alice", "bob")]
    room = direct.room_of(*holders)
    for event in ("join", "history", "search"):
        ack = carol.emit(event, {"room": room, "after": 0, "q": "private"}, callback=True)
        assert ack["ok"] is False and ack["error"].startswith("Room "), "no valid room name"
    assert room not in app.extensions["chat"].store.room_names(10)
