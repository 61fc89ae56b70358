"""Rooms bigger than one page of members: a bounded member list with an exact count, the rest
in pages, and joins and departures gathered into one notice per interval.

The app here names 3 members per page, so that a room of 4 is a big room.
"""

import time

import pytest
from inbox import received

from chat import create_app
from chat.core.presence import Presence
from chat.realtime.announcer import NAMED_CHANGES

PAGE = 3


def app_with(tmp_path, **settings):
    """An app whose member pages hold PAGE names, on a SQLite file of its own."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE": str(tmp_path / "chat.sqlite3"),
            "ANNOUNCE_INTERVAL": 0,
            "RATE_LIMIT": 0,
            "MEMBERS_PAGE": PAGE,
            **settings,
        }
    )


@pytest.fixture
def app(tmp_path):
    """The app the `connect` and `joined` fixtures use here."""
    app = app_with(tmp_path)
    yield app
    app.extensions["chat"].store.close()


def join(socket, room, **extra):
    return socket.emit("join", {"room": room, **extra}, callback=True)


def members(socket, room, **extra):
    return socket.emit("members", {"room": room, **extra}, callback=True)


def crowd(joined, room, nicks):
    """Everyone in nicks, joined to room, their inboxes emptied."""
    sockets = [joined(nick, room) for nick in nicks]
    for socket in sockets:
        socket.get_received()
    return sockets


# The member list: one page in the join's ack, the rest on demand


def test_a_join_acks_the_first_page_of_members_and_the_exact_count(joined, connect):
    crowd(joined, "lobby", ["erin", "dave", "carol", "bob"])
    ack = join(connect("alice"), "lobby")
    assert ack["members"] == ["alice", "bob", "carol"]
    assert ack["member_count"] == 5


def test_the_rest_of_the_member_list_comes_page_by_page(joined):
    alice = crowd(joined, "lobby", ["alice", "bob", "carol", "dave", "erin", "frank", "gina"])[0]
    first = members(alice, "lobby")
    assert first == {
        "ok": True,
        "room": "lobby",
        "members": ["alice", "bob", "carol"],
        "more": True,
        "member_count": 7,
    }
    second = members(alice, "lobby", after="carol")
    assert (second["members"], second["more"]) == (["dave", "erin", "frank"], True)
    last = members(alice, "lobby", after="frank")
    assert (last["members"], last["more"]) == (["gina"], False)


def test_the_member_list_is_in_case_insensitive_order(joined):
    alice = crowd(joined, "lobby", ["Carol", "alice", "Bob", "dave"])[1]
    assert members(alice, "lobby")["members"] == ["alice", "Bob", "Carol"]
    assert members(alice, "lobby", after="Carol")["members"] == ["dave"]


def test_a_page_after_someone_who_left_starts_where_they_were(joined):
    alice, bob, carol, dave = crowd(joined, "lobby", ["alice", "bob", "carol", "dave"])
    bob.disconnect()
    assert members(alice, "lobby", after="bob")["members"] == ["carol", "dave"]


def test_the_members_of_a_room_not_joined_are_not_given(joined, connect):
    crowd(joined, "lobby", ["bob"])
    ack = members(connect("alice"), "lobby")
    assert ack["ok"] is False and "not joined" in ack["error"]


@pytest.mark.parametrize("after", [42, "", "x" * 33, "tab\there"])
def test_a_page_after_something_not_a_nickname_is_refused(joined, after):
    alice = joined("alice", "lobby")
    ack = members(alice, "lobby", after=after)
    assert ack["ok"] is False and "after" in ack["error"]


# Notices: one per person in a small room, gathered in a big one


def test_a_room_of_one_page_hears_each_join_and_departure(joined, connect):
    alice, bob = crowd(joined, "lobby", ["alice", "bob"])
    carol = connect("carol")
    join(carol, "lobby")
    assert received(alice, "user joined") == [{"room": "lobby", "nick": "carol"}]
    carol.disconnect()
    assert received(bob, "user left") == [{"room": "lobby", "nick": "carol"}]


def test_a_join_to_a_big_room_is_told_as_members_changed_with_the_count(joined, connect):
    alice = crowd(joined, "lobby", ["alice", "bob", "carol"])[0]
    join(connect("dave"), "lobby")
    inbox = alice.get_received()
    assert [packet["name"] for packet in inbox if "joined" in packet["name"]] == []
    changes = [packet["args"][0] for packet in inbox if packet["name"] == "members changed"]
    assert changes == [
        {
            "room": "lobby",
            "count": 4,
            "joined": ["dave"],
            "left": [],
            "more_joined": 0,
            "more_left": 0,
        }
    ]


def test_a_departure_from_a_big_room_is_told_as_members_changed(joined):
    alice, bob, carol, dave = crowd(joined, "lobby", ["alice", "bob", "carol", "dave"])
    dave.disconnect()
    assert received(alice, "members changed") == [
        {
            "room": "lobby",
            "count": 3,
            "joined": [],
            "left": ["dave"],
            "more_joined": 0,
            "more_left": 0,
        }
    ]
    assert received(bob, "user left") == []


def test_a_room_that_shrinks_to_one_page_hears_each_person_again(joined):
    alice, bob, carol, dave = crowd(joined, "lobby", ["alice", "bob", "carol", "dave"])
    dave.disconnect()
    alice.get_received()
    carol.emit("leave", {"room": "lobby"}, callback=True)
    assert received(alice, "user left") == [{"room": "lobby", "nick": "carol"}]


@pytest.fixture
def slow_app(tmp_path):
    """An app that sends gathered notices at most every 0.5 s."""
    app = app_with(tmp_path, ANNOUNCE_INTERVAL=0.5)
    yield app
    app.extensions["chat"].store.close()


def gathered(socket, timeout=5.0):
    """Every `members changed` a socket receives until none came for two intervals."""
    notices, quiet_since = [], time.monotonic()
    while time.monotonic() - quiet_since < 1.0:
        assert time.monotonic() - quiet_since < timeout
        arrived = received(socket, "members changed")
        notices += arrived
        if arrived:
            quiet_since = time.monotonic()
        time.sleep(0.05)
    return notices


def test_a_crowd_arriving_in_a_big_room_is_told_in_few_notices(slow_app):
    from chat.extensions import socketio

    alice = socketio.test_client(slow_app, auth={"nick": "alice"})
    join(alice, "lobby")
    arrivals = [socketio.test_client(slow_app, auth={"nick": f"user{n}"}) for n in range(30)]
    for socket in arrivals:
        join(socket, "lobby")
    notices = gathered(alice)
    assert len(notices) <= 3
    assert notices[-1]["count"] == 31
    named = [nick for notice in notices for nick in notice["joined"]]
    assert len(named) + sum(notice["more_joined"] for notice in notices) == 31 - PAGE
    assert all(len(notice["joined"]) <= NAMED_CHANGES for notice in notices)
    for socket in [alice, *arrivals]:
        socket.disconnect()


def test_a_join_and_a_departure_within_one_interval_cancel_out(slow_app):
    from chat.extensions import socketio

    sockets = [socketio.test_client(slow_app, auth={"nick": f"user{n}"}) for n in range(4)]
    for socket in sockets:
        join(socket, "lobby")
    gathered(sockets[0])
    # After a quiet interval the first change is told at once; the next ones gather.
    for nick in ("first", "passing", "staying"):
        sockets.append(socketio.test_client(slow_app, auth={"nick": nick}))
        join(sockets[-1], "lobby")
    sockets.pop(-2).disconnect()
    notices = gathered(sockets[0])
    assert [(notice["joined"], notice["left"]) for notice in notices] == [
        (["first"], []),
        (["staying"], []),
    ]
    assert notices[-1]["count"] == 6
    for socket in sockets:
        socket.disconnect()


# Presence itself: the list kept in order as people come and go


def test_presence_keeps_each_room_in_list_order_with_its_count():
    presence = Presence()
    for sid, nick in (("s1", "carol"), ("s2", "Alice"), ("s3", "bob"), ("s4", "Alice")):
        presence.claim(sid, nick, f"owner-{nick}")
    assert [presence.join(sid, "lobby") for sid in ("s1", "s2", "s3", "s4")] == [1, 2, 3, None]
    assert presence.members("lobby", 2) == (["Alice", "bob"], True, 3)
    assert presence.members("lobby", 2, after="bob") == (["carol"], False, 3)
    assert presence.leave("s2", "lobby") is None, "Alice is still in through another tab"
    assert presence.release("s4") == ("Alice", {"lobby": 2}, False)
    assert presence.members("lobby", 5) == (["bob", "carol"], False, 2)
    assert presence.member_count("lobby") == 2 and presence.member_count("empty") == 0


# A crowd coming online


def test_a_crowd_coming_online_is_named_in_part_and_counted(slow_app):
    from chat.extensions import socketio

    watcher = socketio.test_client(slow_app, auth={"nick": "watcher"})
    time.sleep(0.6)
    crowd = [socketio.test_client(slow_app, auth={"nick": f"user{n:02}"}) for n in range(30)]
    notices, deadline = [], time.monotonic() + 5
    while sum(len(n["online"]) + n.get("more_online", 0) for n in notices) < 30:
        assert time.monotonic() < deadline
        notices += received(watcher, "presence")
        time.sleep(0.05)
    assert all(len(notice["online"]) <= NAMED_CHANGES for notice in notices)
    assert any(notice.get("more_online") for notice in notices)
    for socket in [watcher, *crowd]:
        socket.disconnect()


# Socket.IO's rooms, indexed both ways


def sid_of(socket):
    """The Socket.IO sid of a test client on the namespace `/`."""
    from chat.extensions import socketio

    return socketio.server.manager.sid_from_eio_sid(socket.eio_sid, "/")


def test_a_disconnect_takes_its_socket_out_of_its_rooms_and_no_other(joined):
    from chat.extensions import socketio

    alice = joined("alice", "lobby", "kitchen")
    bob = joined("bob", "lobby")
    gone, stays = sid_of(alice), sid_of(bob)
    alice.disconnect()
    rooms = socketio.server.manager.rooms["/"]
    assert set(rooms["lobby"]) == {stays} and "kitchen" not in rooms and gone not in rooms
    assert not any(gone in members for members in rooms.values())
    kept = socketio.server.manager.get_rooms(stays, "/")
    assert {room for room in kept if not room.startswith("inbox:")} == {"lobby", stays}
    assert ("/", gone) not in socketio.server.manager.rooms_of


def test_python_socketio_s_manager_still_keeps_what_the_room_index_reads():
    """The room index (chat/realtime/socket_rooms.py) overrides these and reads these."""
    import inspect

    import socketio

    manager = socketio.Manager()
    for attribute in ("rooms", "callbacks", "pending_connect", "pending_disconnect"):
        assert isinstance(getattr(manager, attribute), dict)
    parameters = {
        "basic_enter_room": ["sid", "namespace", "room", "eio_sid"],
        "basic_leave_room": ["sid", "namespace", "room"],
        "basic_disconnect": ["sid", "namespace", "kwargs"],
        "get_rooms": ["sid", "namespace"],
        "pre_connect": ["eio_sid", "namespace"],
        "pre_disconnect": ["sid", "namespace"],
    }
    for method, names in parameters.items():
        assert list(inspect.signature(getattr(manager, method)).parameters) == names
