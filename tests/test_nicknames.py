"""Nicknames nobody can take over: reserved to the browser or key that last held them, for a
while after it leaves, on every process; reclaimed on another device with a passphrase;
released on signing out. In process, on SQLite and PostgreSQL."""

import html
import re
import time

import pytest

from chat import create_app
from chat.core import passphrases
from chat.extensions import socketio

DAY = 24 * 3600


def form_error(response, field):
    match = re.search(rf'id="{field}-error" role="alert">([^<]*)<', response.get_data(as_text=True))
    return html.unescape(match.group(1)) if match else ""


def submit(client, nickname, room="lobby", **fields):
    return client.post("/", data={"nickname": nickname, "room": room, **fields})


def browser_socket(app, client):
    """A socket of the browser whose cookies the test client holds, as the chat page opens."""
    return socketio.test_client(app, flask_test_client=client)


def days_later(app, days):
    """Move this app's clock for reservations `days` ahead."""
    app.extensions["chat"].identities.clock = lambda: time.time() + days * DAY


@pytest.fixture
def away(person):
    """Someone who connected as a nickname with their key, then left."""

    def away(nick, key=None):
        person(nick, key).disconnect()

    return away


# Reserved to its owner after it leaves


def test_a_nickname_stays_reserved_to_its_key_after_it_leaves(away, person, connect):
    away("alice")
    assert not person("alice", key="someone else").is_connected()
    assert not connect("alice").is_connected(), "nor can a socket without a key take it"


def test_its_owner_gets_it_back(away, person):
    away("alice")
    assert person("alice").is_connected()


def test_an_attempt_at_a_reserved_nickname_never_claims_it_even_for_a_moment(
    app, away, person, monkeypatch
):
    away("alice")
    presence = app.extensions["chat"].presence
    claimed = []
    claim = presence.claim
    monkeypatch.setattr(presence, "claim", lambda *args: claimed.append(args) or claim(*args))
    assert not person("alice", key="mallory").is_connected()
    assert claimed == [], "the owner coming back meanwhile would have been told it is in use"


def test_look_alikes_of_a_reserved_nickname_are_refused(away, person):
    away("alice")
    for look_alike in ("ALICE", "аlice", "alicе", "ɑlice", "aIice"):
        assert not person(look_alike, key="mallory").is_connected(), look_alike


def test_another_process_on_the_same_database_honours_the_reservation(app, person, database):
    person("alice")  # still connected when this process dies: no goodbye reaches the database
    other = create_app({"TESTING": True, "SECRET_KEY": "test", "DATABASE": database})
    try:
        mallory = socketio.test_client(other, auth={"nick": "alice", "key": "mallory"})
        assert not mallory.is_connected()
        alice = socketio.test_client(other, auth={"nick": "alice", "key": "key of alice"})
        assert alice.is_connected(), "the returning owner always gets the nickname back"
        alice.disconnect()
    finally:
        other.extensions["chat"].store.close()


def test_a_reservation_lapses_after_the_configured_days(app, away, person):
    away("alice")
    days_later(app, 29)
    assert not person("alice", key="newcomer").is_connected()
    days_later(app, 31)
    assert person("alice", key="newcomer").is_connected()


def test_a_socket_without_a_key_reserves_nothing(connect, person):
    connect("alice").disconnect()
    assert person("alice").is_connected()


# The identity event and the passphrase


def test_identity_tells_whether_the_nickname_is_reserved_and_has_a_passphrase(person, connect):
    assert person("alice").emit("identity", callback=True) == {
        "ok": True,
        "nick": "alice",
        "reserved": True,
        "reserved_days": 30,
        "passphrase": False,
    }
    ack = connect("bob").emit("identity", {}, callback=True)
    assert (ack["reserved"], ack["reserved_days"], ack["passphrase"]) == (False, 0, False)


def test_a_passphrase_is_set_and_stored_as_a_salted_scrypt_hash(app, person, cheap_passphrases):
    alice = person("alice")
    ack = alice.emit("set passphrase", {"passphrase": "correct horse"}, callback=True)
    assert ack == {"ok": True}
    assert alice.emit("identity", callback=True)["passphrase"] is True
    stored = app.extensions["chat"].identities.reservation("alice").passphrase
    assert stored.startswith("scrypt$") and "correct horse" not in stored
    assert passphrases.matches("correct horse", stored)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"passphrase": "short"}, "8 to 256 characters"),
        ({"passphrase": "x" * 257}, "8 to 256 characters"),
        ({"passphrase": 12345678}, "must be text"),
        ({"passphrase": "nul \x00 inside"}, "NUL"),
        ({}, "Missing field 'passphrase'"),
    ],
)
def test_a_bad_passphrase_is_refused_clearly(person, payload, reason):
    ack = person("alice").emit("set passphrase", payload, callback=True)
    assert ack["ok"] is False and reason in ack["error"]


def test_a_nickname_held_without_a_key_cannot_have_a_passphrase(connect):
    ack = connect("bob").emit("set passphrase", {"passphrase": "correct horse"}, callback=True)
    assert ack["ok"] is False and "reserved to you" in ack["error"]


def test_the_default_cost_is_owasp_s_and_each_hash_has_its_own_salt():
    first, second = passphrases.hashed("same words"), passphrases.hashed("same words")
    assert first != second and first.split("$")[1:4] == ["32768", "8", "3"]
    assert passphrases.matches("same words", first) and passphrases.matches("same words", second)
    assert not passphrases.matches("other words", first)


# The form: reserved to someone else, reclaimed with the passphrase


@pytest.fixture
def alice_away_with_a_passphrase(person, cheap_passphrases):
    """alice, reserved to her key, who set a passphrase and left."""
    alice = person("alice")
    alice.emit("set passphrase", {"passphrase": "correct horse"}, callback=True)
    alice.disconnect()


def test_the_form_says_a_nickname_is_reserved_to_someone_else(client, alice_away_with_a_passphrase):
    response = submit(client, "ALICE")
    assert response.status_code == 200
    assert form_error(response, "nickname") == (
        "That nickname is reserved to someone else. "
        "If it is yours, enter its passphrase to reclaim it here."
    )


def test_the_form_says_a_connected_nickname_is_in_use_and_may_be_reclaimed(
    client, person, cheap_passphrases
):
    alice = person("alice")
    alice.emit("set passphrase", {"passphrase": "correct horse"}, callback=True)
    assert form_error(submit(client, "alice"), "nickname") == (
        "That nickname is in use by someone connected right now. "
        "If it is yours, enter its passphrase to reclaim it here."
    )


def test_the_form_reclaims_a_nickname_with_its_passphrase(
    app, client, person, alice_away_with_a_passphrase
):
    response = submit(client, "alice", passphrase="correct horse")
    assert response.status_code == 302
    assert browser_socket(app, client).is_connected(), "the browser now holds alice"
    assert not person("alice").is_connected(), "the key it was reclaimed from no longer does"


def test_a_reclaim_keeps_the_nickname_s_holder(app, client, person, alice_away_with_a_passphrase):
    holder = app.extensions["chat"].identities.reservation("alice").holder
    submit(client, "alice", passphrase="correct horse")
    browser_socket(app, client)
    assert app.extensions["chat"].identities.reservation("alice").holder == holder


def test_its_owner_reclaims_a_lapsed_nickname_with_its_conversations(
    app, client, person, cheap_passphrases
):
    alice = person("alice")
    person("bob")
    alice.emit("set passphrase", {"passphrase": "correct horse"}, callback=True)
    alice.emit("direct message", {"to": "bob", "text": "see you in spring"}, callback=True)
    alice.disconnect()
    days_later(app, 90)
    assert submit(client, "alice", passphrase="correct horse").status_code == 302
    browser = browser_socket(app, client)
    history = browser.emit("direct history", {"with": "bob"}, callback=True)["messages"]
    assert [m["text"] for m in history] == ["see you in spring"]


def test_a_wrong_passphrase_is_refused(client, alice_away_with_a_passphrase):
    response = submit(client, "alice", passphrase="wrong horse")
    assert form_error(response, "passphrase") == "That is not the nickname's passphrase."


def test_after_three_wrong_passphrases_even_the_right_one_waits(
    client, alice_away_with_a_passphrase
):
    for _ in range(3):
        submit(client, "alice", passphrase="wrong horse")
    response = submit(client, "alice", passphrase="correct horse")
    assert response.status_code == 200
    assert form_error(response, "passphrase").startswith("Too many wrong passphrases")


def test_wrong_guesses_from_one_address_slow_down_its_guesses_at_other_nicknames(
    app, person, cheap_passphrases
):
    for nick in ("alice", "bob"):
        user = person(nick)
        user.emit("set passphrase", {"passphrase": "correct horse"}, callback=True)
        user.disconnect()
    for _ in range(3):
        submit(app.test_client(), "alice", passphrase="wrong horse")
    response = submit(app.test_client(), "bob", passphrase="correct horse")
    assert form_error(response, "passphrase").startswith("Too many wrong passphrases")


def test_a_nickname_without_a_passphrase_cannot_be_reclaimed(client, away):
    away("alice")
    assert (
        form_error(submit(client, "alice"), "nickname")
        == "That nickname is reserved to someone else."
    )
    response = submit(client, "alice", passphrase="anything at all")
    assert (
        form_error(response, "passphrase")
        == "Nickname 'alice' has no passphrase to reclaim it with."
    )


def test_reclaiming_drops_the_former_owner_s_sockets_with_the_reason(
    app, client, person, cheap_passphrases
):
    old_device = person("alice")
    old_device.emit("set passphrase", {"passphrase": "correct horse"}, callback=True)
    old_device.get_received()
    assert submit(client, "alice", passphrase="correct horse").status_code == 302
    assert not old_device.is_connected()
    reason = "Your nickname was reclaimed with its passphrase on another device."
    kicks = [packet["args"][0] for packet in old_device.queue if packet["name"] == "kicked"]
    assert kicks == [{"reason": reason}], "told why, though its connection is closed"
    assert browser_socket(app, client).is_connected()


# Signing out


def test_signing_out_keeps_the_nickname_reserved_to_the_browser(app, client, person):
    submit(client, "alice")
    browser_socket(app, client).disconnect()
    client.post("/leave")
    assert not person("alice", key="someone else").is_connected()
    assert submit(client, "alice").status_code == 302, "the browser takes it again"


def test_signing_out_with_release_frees_the_nickname(app, client, person):
    submit(client, "alice")
    browser_socket(app, client).disconnect()
    response = client.post("/leave", data={"release": "1"}, follow_redirects=True)
    assert "Nickname 'alice' is released" in html.unescape(response.get_data(as_text=True))
    assert person("alice", key="someone else").is_connected()
