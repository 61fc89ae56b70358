"""Nicknames that look alike are one nickname; invisible characters make no nickname."""

import pytest

from chat.core import names

LOOK_ALIKES = [
    "\u0430lice",  # Cyrillic a
    "alic\u0435",  # Cyrillic e
    "\u0251lice",  # Latin alpha
    "aIice",  # capital I for l
    "al\u0131ce",  # dotless i
    "a\u01c0ice",  # dental click for l
    "ALICE",
    "Alice",
]


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_of_a_nickname_is_that_nickname(look_alike):
    assert names.comparison_key(look_alike) == names.comparison_key("alice")


@pytest.mark.parametrize("other", ["bob", "alicia", "alic", "malice", "alice2"])
def test_names_that_look_different_stay_different(other):
    assert names.comparison_key(other) != names.comparison_key("alice")


@pytest.mark.parametrize("filler", ["\u115f", "\u1160", "\u3164", "\uffa0", "\u200b", "\u2060"])
def test_a_nickname_with_an_invisible_character_is_refused(filler):
    with pytest.raises(names.InvalidName, match="invisible characters"):
        names.nickname("alice" + filler)


@pytest.mark.parametrize("look_alike", LOOK_ALIKES)
def test_a_look_alike_cannot_connect_beside_the_nickname_it_imitates(connect, look_alike):
    assert connect("alice").is_connected()
    impostor = connect(look_alike)
    assert not impostor.is_connected()
