"""The incremental WebSocket frame parser that reads clients from the event loop."""

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chat.transport.fastpath.frames import (
    BINARY,
    CLOSE,
    PING,
    PROTOCOL_ERROR,
    TEXT,
    TOO_BIG,
    FrameParser,
    ProtocolFailure,
)

LIMIT = 1000


def client_frame(payload, opcode=TEXT, final=True, masked=True, first_bits=0):
    """A frame as a client sends it: masked with a random key."""
    length = len(payload)
    if length < 126:
        lengths = bytes([length | (0x80 if masked else 0)])
    elif length < 65536:
        lengths = bytes([126 | (0x80 if masked else 0)]) + length.to_bytes(2, "big")
    else:
        lengths = bytes([127 | (0x80 if masked else 0)]) + length.to_bytes(8, "big")
    head = bytes([(0x80 if final else 0) | first_bits | opcode]) + lengths
    if not masked:
        return head + payload
    mask = os.urandom(4)
    return head + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))


def test_a_text_frame_becomes_a_string():
    assert FrameParser(LIMIT).feed(client_frame("héllo".encode())) == [(TEXT, "héllo")]


def test_binary_and_control_frames_keep_their_opcode_and_bytes():
    data = client_frame(b"\x00\xff", BINARY) + client_frame(b"hi", PING)
    assert FrameParser(LIMIT).feed(data) == [(BINARY, b"\x00\xff"), (PING, b"hi")]


def test_lengths_in_two_and_eight_bytes_are_read():
    parser = FrameParser(100_000)
    assert parser.feed(client_frame(b"a" * 300)) == [(TEXT, "a" * 300)]
    assert parser.feed(client_frame(b"b" * 70_000)) == [(TEXT, "b" * 70_000)]


def test_fragments_join_and_a_control_frame_may_come_between_them():
    data = (
        client_frame(b"one ", final=False)
        + client_frame(b"", PING)
        + client_frame(b"two", opcode=0, final=True)
    )
    assert FrameParser(LIMIT).feed(data) == [(PING, b""), (TEXT, "one two")]


@given(
    messages=st.lists(st.text(max_size=200), min_size=1, max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=10),
)
def test_any_split_of_the_bytes_gives_the_same_messages(messages, cuts):
    stream = b"".join(client_frame(message.encode()) for message in messages)
    parser = FrameParser(LIMIT)
    received = []
    start = 0
    for cut in sorted(cut for cut in cuts if cut < len(stream)) + [len(stream)]:
        received += parser.feed(stream[start:cut])
        start = max(start, cut)
    assert received == [(TEXT, message) for message in messages]


def test_a_message_over_the_limit_is_refused_from_its_header_alone():
    header_only = client_frame(b"x" * (LIMIT + 1))[:8]
    with pytest.raises(ProtocolFailure) as failure:
        FrameParser(LIMIT).feed(header_only)
    assert failure.value.code == TOO_BIG


def test_fragments_adding_up_past_the_limit_are_refused():
    parser = FrameParser(LIMIT)
    parser.feed(client_frame(b"x" * 600, final=False))
    with pytest.raises(ProtocolFailure) as failure:
        parser.feed(client_frame(b"x" * 600, opcode=0)[:8])
    assert failure.value.code == TOO_BIG


@pytest.mark.parametrize(
    "data",
    [
        client_frame(b"plain", masked=False),
        client_frame(b"deflated", first_bits=0x40),
        client_frame(b"", opcode=0x3),
        client_frame(b"stray continuation", opcode=0),
        client_frame(b"x" * 126, PING),
        client_frame(b"", CLOSE, final=False),
        client_frame(b"a", final=False) + client_frame(b"b"),
    ],
    ids=[
        "unmasked",
        "reserved bit",
        "unknown opcode",
        "stray continuation",
        "long control frame",
        "fragmented control frame",
        "new message inside a fragmented one",
    ],
)
def test_protocol_violations_are_refused_with_1002(data):
    with pytest.raises(ProtocolFailure) as failure:
        FrameParser(LIMIT).feed(data)
    assert failure.value.code == PROTOCOL_ERROR


def test_invalid_utf8_text_is_refused_with_1007():
    with pytest.raises(ProtocolFailure) as failure:
        FrameParser(LIMIT).feed(client_frame(b"\xff\xfe"))
    assert failure.value.code == 1007


def test_a_close_frame_is_passed_on_with_its_payload():
    assert FrameParser(LIMIT).feed(client_frame(b"\x03\xe8bye", CLOSE)) == [(CLOSE, b"\x03\xe8bye")]
