"""The fast path's reader of what WebSocket clients send: wsproto's RFC 6455 rules, with the
message-size limit checked as the bytes arrive."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from wsproto.events import CloseConnection, Ping

from chat.transport.fastpath.frames import MessageReader, ProtocolFailure

LIMIT = 1000
CONTINUATION, TEXT, BINARY, CLOSE, PING = 0x0, 0x1, 0x2, 0x8, 0x9
PROTOCOL_ERROR, INVALID_DATA, TOO_BIG = 1002, 1007, 1009


def client_frame(payload, opcode=TEXT, final=True, masked=True, first_bits=0, length_bytes=None):
    """A frame as a client sends it, masked with a random key. Its length takes 0, 2 or 8
    extra bytes, the fewest that hold it unless length_bytes says otherwise."""
    length = len(payload)
    if length_bytes is None:
        length_bytes = 0 if length < 126 else 2 if length < 65536 else 8
    mask_bit = 0x80 if masked else 0
    short = {0: length, 2: 126, 8: 127}[length_bytes]
    lengths = bytes([short | mask_bit]) + (
        length.to_bytes(length_bytes, "big") if length_bytes else b""
    )
    head = bytes([(0x80 if final else 0) | first_bits | opcode]) + lengths
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def refusal(data, limit=LIMIT):
    """The close code the reader refuses data with."""
    with pytest.raises(ProtocolFailure) as failure:
        MessageReader(limit).feed(data)
    return failure.value.code


def test_a_text_frame_becomes_a_string():
    assert MessageReader(LIMIT).feed(client_frame("héllo".encode())) == ["héllo"]


def test_binary_keeps_its_bytes_and_a_ping_its_payload():
    data = client_frame(b"\x00\xff", BINARY) + client_frame(b"hi", PING)
    assert MessageReader(LIMIT).feed(data) == [b"\x00\xff", Ping(payload=b"hi")]


def test_lengths_in_two_and_eight_bytes_are_read():
    reader = MessageReader(100_000)
    assert reader.feed(client_frame(b"a" * 300)) == ["a" * 300]
    assert reader.feed(client_frame(b"b" * 70_000)) == ["b" * 70_000]


def test_fragments_join_and_a_control_frame_may_come_between_them():
    data = (
        client_frame(b"one ", final=False)
        + client_frame(b"", PING)
        + client_frame(b"two", opcode=CONTINUATION, final=True)
    )
    assert MessageReader(LIMIT).feed(data) == [Ping(payload=b""), "one two"]


@given(
    messages=st.lists(st.text(max_size=200), min_size=1, max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
def test_any_split_of_the_bytes_gives_the_same_messages(messages, cuts):
    stream = b"".join(client_frame(message.encode()) for message in messages)
    reader = MessageReader(LIMIT)
    received = []
    start = 0
    for cut in sorted(cut for cut in cuts if cut < len(stream)) + [len(stream)]:
        received += reader.feed(stream[start:cut])
        start = max(start, cut)
    assert received == messages


def test_a_message_over_the_limit_is_refused_before_all_of_it_has_arrived():
    frame = client_frame(b"x" * (LIMIT * 10))
    assert refusal(frame[: 8 + LIMIT + 1]) == TOO_BIG


def test_fragments_adding_up_past_the_limit_are_refused():
    reader = MessageReader(LIMIT)
    reader.feed(client_frame(b"x" * 600, final=False))
    with pytest.raises(ProtocolFailure) as failure:
        reader.feed(client_frame(b"x" * 600, opcode=CONTINUATION)[: 8 + 401])
    assert failure.value.code == TOO_BIG


def test_the_limit_counts_each_message_on_its_own():
    reader = MessageReader(LIMIT)
    messages = ["x" * LIMIT, "y" * LIMIT]
    assert reader.feed(b"".join(client_frame(text.encode()) for text in messages)) == messages


@pytest.mark.parametrize(
    "data",
    [
        client_frame(b"plain", masked=False),
        client_frame(b"deflated", first_bits=0x40),
        client_frame(b"", opcode=0x3),
        client_frame(b"stray continuation", opcode=CONTINUATION),
        client_frame(b"x" * 126, PING),
        client_frame(b"", CLOSE, final=False),
        client_frame(b"a", final=False) + client_frame(b"b"),
        client_frame((999).to_bytes(2, "big"), CLOSE),
        client_frame(b"\x03", CLOSE),
        client_frame(b"short", length_bytes=2),
        client_frame(b"x" * 300, length_bytes=8),
    ],
    ids=[
        "unmasked",
        "reserved bit",
        "unknown opcode",
        "stray continuation",
        "long control frame",
        "fragmented control frame",
        "new message inside a fragmented one",
        "close code 999",
        "one-byte close payload",
        "length in 2 bytes where 1 holds it",
        "length in 8 bytes where 2 hold it",
    ],
)
def test_protocol_violations_are_refused_with_1002(data):
    assert refusal(data) == PROTOCOL_ERROR


def test_invalid_utf8_text_is_refused_with_1007():
    assert refusal(client_frame(b"\xff\xfe")) == INVALID_DATA


def test_a_close_frame_is_passed_on_with_its_code_and_reason():
    received = MessageReader(LIMIT).feed(client_frame(b"\x03\xe8bye", CLOSE))
    assert received == [CloseConnection(code=1000, reason="bye")]
