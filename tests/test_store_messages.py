"""Messages in the store beyond sending them, on SQLite and PostgreSQL: authors' edits and
deletions, mentions, read markers and unread counts, direct conversations, full-text search."""

from chat.core.store import Draft
from chat.core.store.conversations import Party

ALICE = Party("holder-a", "alice", "alice")
BOB = Party("holder-b", "bob", "bob")
CAROL = Party("holder-c", "carol", "carol")
DIRECT = "dm:holder-a:holder-b"


def send(store, text, room="lobby", by=ALICE, mentions=(), ts=1):
    [saved] = store.save_batch(
        [Draft(room, by.nick, by.key, text, ts, sender=by.holder, mentions=mentions)]
    )
    return saved.message


def texts(messages):
    return [message["text"] for message in messages]


# Edits and deletions: the author only


def test_a_message_carries_its_mentions_and_no_edit_time(store):
    message = send(store, "hi @bob", mentions=("bob",))
    assert message["mentions"] == ["bob"] and "edited_ts" not in message
    assert "mentions" not in send(store, "no one mentioned")


def test_the_author_edits_a_message_and_history_shows_the_edit(store):
    message = send(store, "helo")
    edited = store.edit(message["id"], ALICE.holder, "hello @bob", ("bob",), 5000)
    assert edited == {**message, "text": "hello @bob", "edited_ts": 5000, "mentions": ["bob"]}
    assert store.recent("lobby", 10) == [edited]


def test_nobody_but_the_author_edits_or_deletes_a_message(store):
    message = send(store, "mine")
    assert store.edit(message["id"], BOB.holder, "yours now", (), 5000) is None
    assert store.delete_authored(message["id"], BOB.holder) is None
    assert store.recent("lobby", 10) == [message]


def test_a_message_from_before_authors_were_recorded_cannot_be_edited(store):
    [saved] = store.save_batch([Draft("lobby", "alice", "alice", "old", 1)])
    assert store.authored(saved.message["id"]) == (saved.message, None)
    assert store.edit(saved.message["id"], None, "new", (), 5000) is None


def test_the_author_deletes_a_message_and_its_seq_stays_unused(store):
    message = send(store, "oops")
    assert store.delete_authored(message["id"], ALICE.holder) == message
    assert store.recent("lobby", 10) == []
    assert send(store, "next")["seq"] == 2


# Read markers and unread counts


def test_a_read_marker_moves_forward_only_and_never_past_the_last_message(store):
    for n in range(5):
        send(store, f"m{n}", by=BOB)
    assert store.read_seq(ALICE.holder, "lobby") is None
    assert store.mark_read(ALICE.holder, "lobby", 3) == 3
    assert store.mark_read(ALICE.holder, "lobby", 2) == 3, "an older tab does not move it back"
    assert store.mark_read(ALICE.holder, "lobby", 99) == 5
    assert store.read_seq(ALICE.holder, "lobby") == 5
    assert store.mark_read(ALICE.holder, "empty room", 1) is None


def test_unread_counts_what_others_wrote_after_the_marker_up_to_a_limit(store):
    for n in range(3):
        send(store, f"bob {n}", by=BOB)
    send(store, "alice's own", by=ALICE)
    send(store, "carol", by=CAROL)
    assert store.unread(ALICE.holder, "lobby", 1, 100) == 3
    assert store.unread(ALICE.holder, "lobby", 1, 2) == 2
    assert store.unread(ALICE.holder, "lobby", 5, 100) == 0


def test_markers_are_per_holder_and_room(store):
    send(store, "a", room="one", by=CAROL)
    send(store, "b", room="two", by=CAROL)
    store.mark_read(ALICE.holder, "one", 1)
    assert store.read_seq(ALICE.holder, "two") is None
    assert store.read_seq(BOB.holder, "one") is None


# Direct conversations


def test_a_conversation_is_listed_for_both_parties_with_the_other_one(store):
    store.open_conversation(DIRECT, ALICE, BOB)
    store.open_conversation(DIRECT, BOB, ALICE)
    send(store, "hi bob", room=DIRECT, by=ALICE)
    [for_alice] = store.conversations(ALICE.holder, 10)
    [for_bob] = store.conversations(BOB.holder, 10)
    assert (for_alice.room, for_alice.partner_nick) == (DIRECT, "bob")
    assert for_alice.partner == "holder-b"
    assert (for_bob.partner, for_bob.partner_nick, for_bob.last_seq) == ("holder-a", "alice", 1)
    assert store.conversation(ALICE.holder, DIRECT) == for_alice
    assert store.conversation(CAROL.holder, DIRECT) is None
    assert store.conversations(CAROL.holder, 10) == []


def test_a_conversation_without_a_message_is_not_listed(store):
    store.open_conversation(DIRECT, ALICE, BOB)
    assert store.conversations(ALICE.holder, 10) == []


def test_conversations_are_listed_most_recently_active_first(store):
    with_carol = "dm:holder-a:holder-c"
    store.open_conversation(DIRECT, ALICE, BOB)
    store.open_conversation(with_carol, ALICE, CAROL)
    send(store, "to bob", room=DIRECT, ts=1000)
    send(store, "to carol", room=with_carol, ts=5000)
    assert [c.partner_nick for c in store.conversations(ALICE.holder, 10)] == ["carol", "bob"]
    assert [c.partner_nick for c in store.conversations(ALICE.holder, 1)] == ["carol"]


def test_conversations_with_a_nickname_include_its_former_holders(store):
    later_bob = Party("holder-b2", "bob", "bob")
    later = "dm:holder-a:holder-b2"
    store.open_conversation(DIRECT, ALICE, BOB)
    store.open_conversation(later, ALICE, later_bob)
    send(store, "old", room=DIRECT, ts=1000)
    send(store, "new", room=later, ts=9000)
    found = store.conversations_with(ALICE.holder, "bob")
    assert [c.partner for c in found] == ["holder-b2", "holder-b"]
    assert store.conversations_with(ALICE.holder, "carol") == []


def test_direct_conversations_stay_out_of_the_list_of_rooms(store):
    send(store, "public", room="lobby")
    send(store, "private", room=DIRECT)
    assert store.room_names(10) == ["lobby"]


# Full-text search


def test_search_finds_messages_of_one_room_with_every_word_newest_first(store):
    for text in ("deploy on friday", "lunch?", "the deployment failed on friday", "friday!"):
        send(store, text)
    send(store, "deploy on friday", room="elsewhere")
    assert texts(store.search("lobby", ["friday", "deploy"], 10)) == [
        "the deployment failed on friday",
        "deploy on friday",
    ]
    newest_two = texts(store.search("lobby", ["friday"], 2))
    assert newest_two == ["friday!", "the deployment failed on friday"]


def test_search_ignores_case_and_keeps_accents(store):
    send(store, "Café au lait")
    assert texts(store.search("lobby", ["CAFÉ"], 10)) == ["Café au lait"]
    assert store.search("lobby", ["cafe"], 10) == []


def test_search_follows_edits_and_deletions(store):
    first = send(store, "meeting at noon")
    second = send(store, "meeting moved")
    store.edit(first["id"], ALICE.holder, "lunch at noon", (), 2)
    store.delete_authored(second["id"], ALICE.holder)
    assert store.search("lobby", ["meeting"], 10) == []
    assert texts(store.search("lobby", ["lunch"], 10)) == ["lunch at noon"]


def test_a_text_naming_another_room_s_scope_is_not_found_there(store):
    send(store, "secret plans", room="private")
    from_lobby = send(store, "r707269766174 plans")  # 'r' and "private" in hex
    assert texts(store.search("private", ["plans"], 10)) == ["secret plans"]
    assert texts(store.search("lobby", ["plans"], 10)) == [from_lobby["text"]]


def test_search_reads_direct_conversations_as_rooms(store):
    send(store, "see you at the station", room=DIRECT)
    send(store, "station", room="lobby")
    assert texts(store.search(DIRECT, ["station"], 10)) == ["see you at the station"]
