"""Key to file-name encoding for file-based backends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from objstore.keys import NAME_MAX, decode_key, encode_key, encoded_size

ANY_KEYS = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"))
# Keys built from the characters the encoding treats specially collide if anything does.
TRICKY = st.text(alphabet="%2FE5./a")
KEYS = ANY_KEYS | TRICKY


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("plain", "plain"),
        ("a/b", "a%2Fb"),
        ("../x", "%2E.%2Fx"),
        ("/abs", "%2Fabs"),
        (".", "%2E"),
        ("..", "%2E."),
        (".hidden", "%2Ehidden"),
        ("a.b.", "a.b."),
        ("100%", "100%25"),
        ("%2F", "%252F"),
        ("%2E", "%252E"),
        ("ключ/é", "ключ%2Fé"),
        ("a\\b", "a\\b"),
        (" ", " "),
    ],
)
def test_known_encodings(key: str, name: str) -> None:
    assert encode_key(key) == name
    assert decode_key(name) == key
    assert encoded_size(key) == len(name.encode("utf-8"))


@given(KEYS)
def test_round_trip_and_safe_names(key: str) -> None:
    name = encode_key(key)
    assert decode_key(name) == key
    assert "/" not in name and "\x00" not in name
    assert not name.startswith(".")  # never ".", "..", a hidden name or a temp file
    assert name not in (".", "..")


@given(KEYS, KEYS)
def test_encoding_is_injective(a: str, b: str) -> None:
    if a != b:
        assert encode_key(a) != encode_key(b)


def test_size_limit_constant() -> None:
    assert NAME_MAX == 255
    assert encoded_size("/" * 85) == 255
    assert encoded_size("é") == 2
