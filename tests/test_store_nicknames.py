"""Nickname reservations in the store, on SQLite and PostgreSQL: taken, kept by their owner,
lapsed, handed over, released."""

DAY_MS = 24 * 3600 * 1000


def take(store, owner, holder, now, nick="alice", lapsed_before=None):
    """Reserve alice for owner (a new holder if it is new to them) at now."""
    lapsed_before = now - 30 * DAY_MS if lapsed_before is None else lapsed_before
    return store.take_nickname(nick.casefold(), nick, owner, holder, now, lapsed_before)


def test_a_free_nickname_is_reserved_under_the_new_holder(store):
    assert take(store, "owner-a", "holder-1", now=1000) == "holder-1"
    reservation = store.reservation("alice")
    assert (reservation.nick, reservation.owner, reservation.holder) == (
        "alice",
        "owner-a",
        "holder-1",
    )
    assert reservation.last_seen == 1000 and reservation.passphrase is None


def test_its_owner_takes_it_again_under_the_same_holder_however_long_it_was_away(store):
    take(store, "owner-a", "holder-1", now=1000)
    assert take(store, "owner-a", "holder-2", now=1000 + 90 * DAY_MS) == "holder-1"
    assert store.reservation("alice").last_seen == 1000 + 90 * DAY_MS


def test_another_owner_cannot_take_it_while_it_is_reserved(store):
    take(store, "owner-a", "holder-1", now=1000)
    assert take(store, "owner-b", "holder-2", now=2000) is None
    assert store.reservation("alice").owner == "owner-a"


def test_another_owner_takes_it_under_a_new_holder_once_it_lapsed(store):
    take(store, "owner-a", "holder-1", now=1000)
    store.set_passphrase("holder-1", "hash")
    assert take(store, "owner-b", "holder-2", now=1000 + 31 * DAY_MS) == "holder-2"
    reservation = store.reservation("alice")
    assert reservation.owner == "owner-b" and reservation.passphrase is None


def test_seeing_its_owner_keeps_the_reservation_from_lapsing(store):
    take(store, "owner-a", "holder-1", now=1000)
    store.seen_nickname("alice", "owner-a", 1000 + 20 * DAY_MS)
    store.seen_nickname("alice", "owner-b", 1000 + 25 * DAY_MS)
    assert store.reservation("alice").last_seen == 1000 + 20 * DAY_MS
    assert take(store, "owner-b", "holder-2", now=1000 + 31 * DAY_MS) is None


def test_a_reservation_is_handed_over_keeping_its_holder_once(store):
    take(store, "owner-a", "holder-1", now=1000)
    assert store.hand_over_nickname("alice", "owner-a", "owner-b", 2000)
    assert not store.hand_over_nickname("alice", "owner-a", "owner-c", 3000)
    reservation = store.reservation("alice")
    assert (reservation.owner, reservation.holder, reservation.last_seen) == (
        "owner-b",
        "holder-1",
        2000,
    )


def test_only_its_owner_releases_a_reservation(store):
    take(store, "owner-a", "holder-1", now=1000)
    assert not store.release_nickname("alice", "owner-b")
    assert store.release_nickname("alice", "owner-a")
    assert store.reservation("alice") is None
    assert take(store, "owner-b", "holder-2", now=2000) == "holder-2"


def test_a_passphrase_is_stored_for_a_holder_with_a_reservation(store):
    take(store, "owner-a", "holder-1", now=1000)
    assert store.set_passphrase("holder-1", "scrypt$...")
    assert store.reservation("alice").passphrase == "scrypt$..."
    assert not store.set_passphrase("nobody", "scrypt$...")
