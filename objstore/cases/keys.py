"""keys: Unicode, long and maximal keys, path-like keys, and keys that are refused."""

from __future__ import annotations

import contextlib

from objstore.cases import case, skip
from objstore.errors import InvalidArgument
from objstore.store import Store


def _roundtrip(store: Store, keys: list[str]) -> None:
    for i, key in enumerate(keys):
        if any(c in key for c in store.capabilities.key_chars):
            continue
        store.put(key, f"value-{i}".encode())
    stored = [k for k in keys if not any(c in k for c in store.capabilities.key_chars)]
    if not stored:
        skip("backend refuses every key in this case")
    for i, key in enumerate(keys):
        if key in stored:
            assert store.get(key) == f"value-{i}".encode(), f"key {key!r} read back wrong"
            assert store.stat(key).key == key
    assert sorted(store.list()) == sorted(stored), "list does not return the keys as written"
    for key in stored:
        store.delete(key)
    assert list(store.list()) == []


def _refused(store: Store, key: object) -> None:
    try:
        store.put(key, b"x")  # type: ignore[arg-type]
    except InvalidArgument:
        return
    raise AssertionError(f"key {key!r} accepted")


@case()
def test_unicode(store: Store) -> None:
    """Keys in several scripts and emoji round-trip through put, get, stat, list, delete."""
    _roundtrip(
        store,
        [
            "日本語のキー",
            "ключ",
            "مفتاح",
            "κλειδί",
            "emoji-🗝️-🔐",
            "é-composed",
            "e\u0301-decomposed",
        ],
    )


@case()
def test_unicode_normalisation_kept(store: Store) -> None:
    """Composed and decomposed forms are different keys (no normalisation)."""
    store.put("\u00e9", b"composed")
    store.put("e\u0301", b"decomposed")
    assert store.get("\u00e9") == b"composed"
    assert store.get("e\u0301") == b"decomposed"
    assert len(list(store.list())) == 2


@case()
def test_case_sensitive(store: Store) -> None:
    """Keys differing only in case are different objects."""
    store.put("Key", b"upper")
    store.put("key", b"lower")
    assert store.get("Key") == b"upper" and store.get("key") == b"lower"


@case()
def test_path_like(store: Store) -> None:
    """Keys that look like paths are plain keys: 'a' and 'a/b' coexist."""
    if "/" in store.capabilities.key_chars:
        skip("backend cannot store '/' in keys")
    _roundtrip(
        store, ["a", "a/b", "a/b/c", "/leading", "trailing/", "double//slash", "a/./b", "a/../b"]
    )


@case()
def test_traversal_lookalikes(store: Store) -> None:
    """'..', '.', '../x' and './x' are ordinary keys, stored inside the store."""
    if "/" in store.capabilities.key_chars:
        skip("backend cannot store '/' in keys")
    _roundtrip(store, ["..", ".", "../x", "./x", "../../etc/passwd", ".hidden"])


@case()
def test_special_characters(store: Store) -> None:
    """Spaces, percent signs, quotes and punctuation round-trip."""
    _roundtrip(
        store,
        [
            "with space",
            "100%",
            "%2F",
            "%25",
            "quote'\"",
            "semi;colon",
            "star*?",
            "tab\tkey",
            "back\\slash",
            "hash#frag",
            "at@sign",
        ],
    )


@case()
def test_long_key(store: Store) -> None:
    """A 200-byte key round-trips (or the backend declares a smaller limit)."""
    limit = store.capabilities.max_key_bytes
    length = min(200, limit) if limit else 200
    _roundtrip(store, ["k" * length])


@case()
def test_maximal_key(store: Store) -> None:
    """A key of exactly the declared maximum round-trips; one byte more is InvalidArgument."""
    limit = store.capabilities.max_key_bytes
    if not limit:
        skip("backend declares no key limit")
    key = "m" * limit
    store.put(key, b"max")
    assert store.get(key) == b"max"
    assert list(store.list()) == [key]
    _refused(store, key + "m")


@case()
def test_maximal_unicode_key(store: Store) -> None:
    """The key limit counts UTF-8 bytes, not characters."""
    limit = store.capabilities.max_key_bytes
    if not limit:
        skip("backend declares no key limit")
    key = "é" * (limit // 2)  # 2 bytes each
    store.put(key, b"x")
    assert store.get(key) == b"x"
    _refused(store, key + "éé")


@case()
def test_very_long_key(store: Store) -> None:
    """A 1000-byte key either round-trips or is refused with InvalidArgument, never truncated."""
    key = "L" * 1000
    try:
        store.put(key, b"long")
    except InvalidArgument:
        assert store.capabilities.max_key_bytes and store.capabilities.max_key_bytes < 1000
        return
    assert store.get(key) == b"long"
    assert list(store.list()) == [key], "long key listed differently"


@case()
def test_empty_key_refused(store: Store) -> None:
    """The empty key is InvalidArgument."""
    _refused(store, "")


@case()
def test_nul_key_refused(store: Store) -> None:
    """A key containing NUL is InvalidArgument."""
    _refused(store, "a\x00b")
    _refused(store, "\x00")


@case()
def test_non_str_key_refused(store: Store) -> None:
    """Keys must be str: bytes and None are InvalidArgument."""
    _refused(store, b"bytes-key")
    _refused(store, None)
    _refused(store, 42)


@case()
def test_surrogate_key_refused(store: Store) -> None:
    """A key that is not valid UTF-8 (lone surrogate) is InvalidArgument."""
    _refused(store, "bad\udcff")


@case()
def test_refused_key_writes_nothing(store: Store) -> None:
    """A refused key leaves the store unchanged."""
    store.put("good", b"1")
    for bad in ("", "x\x00", "bad\udcff"):
        with contextlib.suppress(InvalidArgument):
            store.put(bad, b"2")
    assert list(store.list()) == ["good"]


@case()
def test_declared_forbidden_chars_refused(store: Store) -> None:
    """Characters a backend declares it cannot store are refused with InvalidArgument."""
    if not store.capabilities.key_chars:
        skip("backend declares no forbidden characters")
    for char in store.capabilities.key_chars:
        _refused(store, f"a{char}b")


@case()
def test_encoding_lookalikes_distinct(store: Store) -> None:
    """'a/b', 'a%2Fb', 'a%252Fb' and 'a_b' are four different objects (no escaping collisions)."""
    keys = ["a/b", "a%2Fb", "a%252Fb", "a_b", "a%2fb"]
    keys = [k for k in keys if not any(c in k for c in store.capabilities.key_chars)]
    for i, key in enumerate(keys):
        store.put(key, str(i).encode())
    for i, key in enumerate(keys):
        assert store.get(key) == str(i).encode(), f"{key!r} collides with another key"
    assert sorted(store.list()) == sorted(keys)


@case()
def test_whitespace_and_dashes(store: Store) -> None:
    """Keys of spaces, leading dashes and trailing dots round-trip unchanged."""
    _roundtrip(store, [" ", "  lead", "trail ", "-rf", "--", "dot.", "...", "~user"])


@case()
def test_control_characters(store: Store) -> None:
    """Newline, carriage return and other controls round-trip unless the backend declares them."""
    _roundtrip(store, ["line\nbreak", "cr\rkey", "bell\x07", "esc\x1b[0m", "del\x7f"])


@case()
def test_key_is_not_a_directory(store: Store) -> None:
    """'a' can be written after 'a/b' and deleted without touching 'a/b' (no directories)."""
    if "/" in store.capabilities.key_chars:
        skip("backend cannot store '/' in keys")
    store.put("a/b", b"child")
    store.put("a", b"parent")
    store.delete("a")
    assert store.get("a/b") == b"child"
    store.delete("a/b")
    store.put("a", b"again")
    assert sorted(store.list()) == ["a"]
