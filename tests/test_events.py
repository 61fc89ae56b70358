"""The public event contract on namespace `/`, through Flask-SocketIO's test client."""

import pytest
from inbox import received

from chat.core.presence import LISTED_ROOMS


def send(socket, room, text, **extra):
    return socket.emit("chat message", {"room": room, "text": text, **extra}, callback=True)


# Identity


def test_connect_without_a_nickname_is_refused(connect):
    assert not connect("ignored", auth=None).is_connected()


@pytest.mark.parametrize("nick", ["", " ", "x" * 33, "bad nick", "<script>", 42])
def test_connect_with_an_invalid_nickname_is_refused(connect, nick):
    assert not connect(nick).is_connected()


def test_a_nickname_held_by_a_connected_user_is_refused_case_insensitively(connect):
    assert connect("Alice").is_connected()
    assert not connect("aLICE").is_connected()


def test_nickname_look_alikes_are_normalised_before_comparison(connect):
    assert connect("Ｂｏｂ").is_connected()  # fullwidth letters, NFKC-equal to "Bob"
    assert not connect("bob").is_connected()


def test_the_same_owner_key_may_hold_a_nickname_on_two_sockets(connect):
    assert connect("alice", auth={"nick": "alice", "key": "k1"}).is_connected()
    assert connect("alice", auth={"nick": "alice", "key": "k1"}).is_connected()
    assert not connect("alice", auth={"nick": "alice", "key": "k2"}).is_connected()


@pytest.mark.parametrize("key", ["nul\x00", "\ud800", "k" * 129])
def test_a_key_no_database_can_store_is_refused(connect, key):
    assert not connect("alice", auth={"nick": "alice", "key": key}).is_connected()


def test_a_nickname_is_free_again_after_its_user_disconnects(connect):
    connect("alice").disconnect()
    assert connect("alice").is_connected()


# Join, leave, members, history


def test_join_acks_room_members_and_empty_history(connect):
    alice = connect("alice")
    ack = alice.emit("join", {"room": "Lobby"}, callback=True)
    assert ack == {
        "ok": True,
        "room": "lobby",
        "members": ["alice"],
        "member_count": 1,
        "history": [],
        "more": False,
        "read_seq": None,
        "unread": 0,
    }


def test_join_lists_every_member(joined, connect):
    joined("bob", "lobby")
    ack = connect("alice").emit("join", {"room": "lobby"}, callback=True)
    assert ack["members"] == ["alice", "bob"]


def test_join_sends_the_last_50_messages_oldest_first_with_author_and_time(joined, connect):
    alice = joined("alice", "lobby")
    for n in range(55):
        assert send(alice, "lobby", f"m{n}")["ok"]
    history = connect("bob").emit("join", {"room": "lobby"}, callback=True)["history"]
    assert [m["text"] for m in history] == [f"m{n}" for n in range(5, 55)]
    assert all(m["nick"] == "alice" and m["ts"] > 0 for m in history)


def test_others_in_the_room_see_who_joined_and_left(joined, connect):
    alice = joined("alice", "lobby")
    bob = connect("bob")
    bob.emit("join", {"room": "lobby"}, callback=True)
    assert received(alice, "user joined") == [{"room": "lobby", "nick": "bob"}]
    assert bob.emit("leave", {"room": "lobby"}, callback=True) == {"ok": True}
    assert received(alice, "user left") == [{"room": "lobby", "nick": "bob"}]
    assert received(bob, "user left") == []


def test_a_rejoin_after_a_reconnect_is_told_for_the_member_lists_as_resumed(joined, connect):
    alice = joined("alice", "lobby")
    bob = connect("bob", auth={"nick": "bob", "resume": True})
    assert bob.emit("join", {"room": "lobby", "resume": True}, callback=True)["ok"]
    assert received(alice, "user joined") == [{"room": "lobby", "nick": "bob", "resumed": True}]


def test_a_resume_flag_that_is_not_true_or_false_is_refused(connect):
    ack = connect("bob").emit("join", {"room": "lobby", "resume": "yes"}, callback=True)
    assert ack == {"ok": False, "error": "Field 'resume' must be true or false."}


def test_closing_the_connection_tells_the_rooms_the_user_left(joined):
    alice = joined("alice", "lobby")
    joined("bob", "lobby").disconnect()
    assert received(alice, "user left") == [{"room": "lobby", "nick": "bob"}]


def test_leaving_a_room_not_joined_is_an_error(connect):
    ack = connect("alice").emit("leave", {"room": "lobby"}, callback=True)
    assert ack["ok"] is False and "not joined" in ack["error"]


def test_a_socket_can_be_in_several_rooms(joined):
    alice = joined("alice", "one", "two")
    bob = joined("bob", "one", "two")
    send(alice, "one", "to one")
    send(alice, "two", "to two")
    assert [m["room"] for m in received(bob, "chat message")] == ["one", "two"]


# Messages: the room but the sender


def test_a_message_reaches_the_others_in_its_room_only(joined):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    carol = joined("carol", "b")
    ack = send(alice, "a", "hello a")
    assert ack["ok"] is True and ack["id"] > 0 and ack["seq"] == 1 and ack["ts"] > 0
    assert received(bob, "chat message") == [
        {
            "id": ack["id"],
            "room": "a",
            "seq": 1,
            "nick": "alice",
            "text": "hello a",
            "ts": ack["ts"],
        }
    ]
    assert received(carol, "chat message") == []
    assert received(alice, "chat message") == [], "the sender has the ack, not an echo"


def test_message_ids_strictly_increase(joined):
    alice = joined("alice", "a", "b")
    ids = [send(alice, room, "x")["id"] for room in ("a", "b", "a", "b")]
    assert ids == sorted(ids) and len(set(ids)) == 4


def test_seq_counts_each_room_s_messages_one_by_one(joined):
    alice = joined("alice", "a", "b")
    seqs = [(room, send(alice, room, "x")["seq"]) for room in ("a", "b", "a", "a", "b")]
    assert seqs == [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2)]


def test_resending_a_client_id_acks_the_original_id_without_a_second_broadcast(joined):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    first = send(alice, "a", "once", client_id="c-1")
    again = send(alice, "a", "once", client_id="c-1")
    assert again["id"] == first["id"] and again["duplicate"] is True
    assert again["seq"] == first["seq"] == 1
    assert len(received(bob, "chat message")) == 1
    assert send(alice, "a", "next")["seq"] == 2, "a resend uses up no seq"


# Typing


def test_typing_reaches_the_others_in_the_room(joined):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    carol = joined("carol", "b")
    assert alice.emit("typing", {"room": "a", "active": True}, callback=True) == {"ok": True}
    assert received(bob, "typing") == [{"room": "a", "nick": "alice", "active": True}]
    assert received(carol, "typing") == [] and received(alice, "typing") == []


# Everyone, and everyone but the sender


def test_the_room_directory_goes_to_everyone_when_membership_changes(joined, connect):
    watcher = joined("watcher")
    alice = connect("alice")
    alice.emit("join", {"room": "a"}, callback=True)
    directories = received(watcher, "rooms")
    assert directories[-1] == {"rooms": [{"name": "a", "members": 1}], "total": 1}
    assert received(alice, "rooms")[-1] == {"rooms": [{"name": "a", "members": 1}], "total": 1}


def test_the_directory_names_the_busiest_rooms_and_counts_them_all(joined, connect):
    for n in range(LISTED_ROOMS + 10):
        joined(f"user{n}", f"room {n:02}", *(["big"] if n < 3 else []))
    directory = received(connect("alice"), "rooms")[-1]
    assert directory["total"] == LISTED_ROOMS + 11
    assert directory["rooms"][0] == {"name": "big", "members": 3}
    assert [room["name"] for room in directory["rooms"][1:]] == [
        f"room {n:02}" for n in range(LISTED_ROOMS - 1)
    ]


def test_rooms_beyond_the_directory_are_found_by_searching(joined, connect):
    for n in range(LISTED_ROOMS + 10):
        joined(f"user{n}", f"room {n:02}")
    found = connect("alice").emit("find rooms", {"q": " ROOM 5"}, callback=True)
    names = [f"room {n}" for n in range(50, 60)]
    assert found == {"ok": True, "rooms": [{"name": n, "members": 1} for n in names], "more": False}


def test_a_new_connection_receives_the_directory(joined, connect):
    joined("bob", "a")
    assert received(connect("alice"), "rooms") == [
        {"rooms": [{"name": "a", "members": 1}], "total": 1}
    ]


def test_coming_online_is_told_to_everyone_but_the_newcomer(connect):
    bob = connect("bob")
    bob.get_received()
    alice = connect("alice")
    assert received(bob, "presence") == [{"online": ["alice"], "offline": []}]
    assert received(alice, "presence") == []
    alice.disconnect()
    assert received(bob, "presence") == [{"online": [], "offline": ["alice"]}]


def test_a_reconnecting_user_is_not_announced_as_coming_online(connect):
    bob = connect("bob")
    bob.get_received()
    alice = connect("alice", auth={"nick": "alice", "resume": True})
    assert alice.is_connected()
    assert received(bob, "presence") == []


# Bad input: a clear error to the sender, nothing stored or broadcast, connection kept


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("just text", "must be an object"),
        (None, "must be an object"),
        ({"text": "hi"}, "Missing field 'room'"),
        ({"room": "a"}, "Missing field 'text'"),
        ({"room": "a", "text": ""}, "empty"),
        ({"room": "a", "text": "   "}, "empty"),
        ({"room": "a", "text": "x" * 2001}, "longer than 2000"),
        ({"room": "a", "text": 5}, "must be text"),
        ({"room": ["a"], "text": "hi"}, "must be text"),
        ({"room": "b", "text": "hi"}, "not joined"),
        ({"room": "a", "text": "hi", "client_id": ""}, "client_id"),
        ({"room": "a", "text": "nul \x00 inside"}, "NUL"),
    ],
)
def test_a_bad_message_gets_a_clear_error_and_changes_nothing(joined, app, payload, reason):
    alice = joined("alice", "a")
    bob = joined("bob", "a", "b")
    ack = alice.emit("chat message", payload, callback=True)
    assert ack["ok"] is False and reason in ack["error"]
    assert received(bob, "chat message") == []
    assert app.extensions["chat"].store.recent("a", 50) == []
    assert alice.is_connected() and send(alice, "a", "still here")["ok"]


def test_a_message_of_exactly_2000_characters_is_accepted(joined):
    assert send(joined("alice", "a"), "a", "x" * 2000)["ok"]


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("join", {"room": ""}),
        ("join", {"room": "x" * 41}),
        ("join", {"room": "a/b"}),
        ("join", "lobby"),
        ("typing", {"room": "a"}),
        ("typing", {"room": "a", "active": "yes"}),
        ("typing", {"room": "elsewhere", "active": True}),
        ("history", {"room": "a", "after": -1}),
        ("history", {"room": "a", "after": "5"}),
        ("history", {"room": "a", "after_seq": -1}),
        ("history", {"room": "a", "after_seq": 2**63}),
        ("join", {"room": "a", "after_seq": "5"}),
        ("join", {"room": "a", "after_seq": 1, "after": 1}),
    ],
)
def test_other_bad_payloads_get_an_error_ack(joined, event, payload):
    alice = joined("alice", "a")
    ack = alice.emit(event, payload, callback=True)
    assert ack["ok"] is False and ack["error"]
    assert alice.is_connected()


def test_an_event_outside_the_contract_gets_an_error_ack(connect):
    alice = connect("alice")
    assert alice.emit("drop tables", {}, callback=True) == {
        "ok": False,
        "error": "Unknown event 'drop tables'.",
    }


def test_a_socket_can_join_at_most_20_rooms(connect):
    alice = connect("alice")
    for n in range(20):
        assert alice.emit("join", {"room": f"r{n}"}, callback=True)["ok"]
    ack = alice.emit("join", {"room": "one too many"}, callback=True)
    assert ack["ok"] is False and "at most 20" in ack["error"]


def test_when_history_cannot_be_written_the_sender_is_told_and_nothing_is_broadcast(
    joined, run_sql
):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    run_sql("DROP TABLE message")
    ack = send(alice, "a", "lost?")
    assert ack == {"ok": False, "error": "History is unavailable right now; nothing was changed."}
    assert received(bob, "chat message") == []


# Catch-up after a reconnect


def test_rejoining_with_the_last_seen_id_returns_only_what_was_missed(joined):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    seen = send(alice, "a", "seen")["id"]
    bob.disconnect()
    missed = [send(alice, "a", f"missed {n}")["id"] for n in range(3)]
    bob = joined("bob")
    ack = bob.emit("join", {"room": "a", "after": seen}, callback=True)
    assert [m["id"] for m in ack["history"]] == missed and ack["more"] is False


def test_catch_up_comes_in_bounded_batches_until_nothing_is_left(joined, app):
    app.extensions["chat"].config["CATCH_UP_BATCH"] = 4
    alice = joined("alice", "a")
    ids = [send(alice, "a", f"m{n}")["id"] for n in range(10)]
    bob = joined("bob")
    ack = bob.emit("join", {"room": "a", "after": 0}, callback=True)
    collected = [m["id"] for m in ack["history"]]
    while ack["more"]:
        ack = bob.emit("history", {"room": "a", "after": collected[-1]}, callback=True)
        collected += [m["id"] for m in ack["messages"]]
    assert collected == ids


def test_rejoining_after_the_last_seen_seq_returns_only_what_was_missed(joined):
    alice = joined("alice", "a")
    bob = joined("bob", "a")
    seen = send(alice, "a", "seen")["seq"]
    bob.disconnect()
    missed = [send(alice, "a", f"missed {n}")["seq"] for n in range(3)]
    bob = joined("bob")
    ack = bob.emit("join", {"room": "a", "after_seq": seen}, callback=True)
    assert [m["seq"] for m in ack["history"]] == missed == [2, 3, 4]
    assert [m["text"] for m in ack["history"]] == ["missed 0", "missed 1", "missed 2"]
    assert ack["more"] is False


def test_catch_up_by_seq_comes_in_bounded_batches_until_nothing_is_left(joined, app):
    app.extensions["chat"].config["CATCH_UP_BATCH"] = 4
    alice = joined("alice", "a")
    for n in range(10):
        send(alice, "a", f"m{n}")
    bob = joined("bob")
    ack = bob.emit("join", {"room": "a", "after_seq": 0}, callback=True)
    collected = [m["seq"] for m in ack["history"]]
    while ack["more"]:
        ack = bob.emit("history", {"room": "a", "after_seq": collected[-1]}, callback=True)
        collected += [m["seq"] for m in ack["messages"]]
    assert collected == list(range(1, 11))


def test_older_history_comes_in_pages_back_to_the_first_message(joined, app):
    app.extensions["chat"].config["HISTORY_LIMIT"] = 4
    alice = joined("alice", "a")
    for n in range(10):
        send(alice, "a", f"m{n}")
    ack = joined("bob").emit("join", {"room": "a"}, callback=True)
    shown = [m["seq"] for m in ack["history"]]
    assert shown == [7, 8, 9, 10]
    pages = []
    more = True
    while more:
        ack = alice.emit("history", {"room": "a", "before_seq": shown[0]}, callback=True)
        pages.append([m["seq"] for m in ack["messages"]])
        shown[:0] = pages[-1]
        more = ack["more"]
    assert pages == [[3, 4, 5, 6], [1, 2]]
    assert shown == list(range(1, 11))


def test_older_history_and_a_catch_up_point_together_are_refused(joined):
    alice = joined("alice", "a")
    ack = alice.emit("history", {"room": "a", "before_seq": 5, "after_seq": 1}, callback=True)
    assert ack == {"ok": False, "error": "Give 'before_seq' or where to resume after, not both."}


def test_a_connect_that_fails_inside_the_server_is_refused_and_frees_the_nickname(
    connect, app, monkeypatch
):
    def directory_unavailable():
        raise OSError("presence store unreachable")

    monkeypatch.setattr(app.extensions["chat"].presence, "directory", directory_unavailable)
    assert not connect("alice").is_connected()
    monkeypatch.undo()
    assert connect("alice").is_connected()
