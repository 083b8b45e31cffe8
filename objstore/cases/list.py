"""list: prefixes, exactly-once, after delete; a real iterator."""

from __future__ import annotations

from collections import Counter

from objstore.cases import case, skip
from objstore.store import Store


def _keys(store: Store, prefix: str = "") -> list[str]:
    keys = list(store.list(prefix))
    dupes = [k for k, n in Counter(keys).items() if n > 1]
    assert not dupes, f"list returned duplicates: {dupes[:5]}"
    return sorted(keys)


def _path_keys_ok(store: Store) -> None:
    if "/" in store.capabilities.key_chars:
        skip("backend cannot store '/' in keys")


@case()
def test_empty_store(store: Store) -> None:
    """An empty store lists nothing."""
    assert _keys(store) == []


@case()
def test_empty_prefix_lists_all(store: Store) -> None:
    """The empty prefix lists every key once."""
    keys = [f"k{i:03d}" for i in range(50)]
    for k in keys:
        store.put(k, b"")
    assert _keys(store) == keys
    assert _keys(store, "") == keys


@case()
def test_prefix_filters(store: Store) -> None:
    """Only keys starting with the prefix are listed."""
    for k in ("alpha", "alpine", "beta", "al", "a"):
        store.put(k, b"x")
    assert _keys(store, "al") == ["al", "alpha", "alpine"]
    assert _keys(store, "alp") == ["alpha", "alpine"]
    assert _keys(store, "b") == ["beta"]


@case()
def test_shared_prefixes(store: Store) -> None:
    """Keys that are prefixes of each other are all listed."""
    for k in ("a", "aa", "aaa", "aaaa"):
        store.put(k, b"x")
    assert _keys(store, "aa") == ["aa", "aaa", "aaaa"]
    assert _keys(store, "aaaa") == ["aaaa"]


@case()
def test_prefix_equal_to_key(store: Store) -> None:
    """A prefix equal to a whole key includes that key."""
    store.put("exact", b"")
    assert _keys(store, "exact") == ["exact"]


@case()
def test_prefix_matching_nothing(store: Store) -> None:
    """A prefix no key has lists nothing."""
    store.put("abc", b"")
    assert _keys(store, "abd") == []
    assert _keys(store, "abcd") == []


@case()
def test_after_delete(store: Store) -> None:
    """Deleted keys disappear from the listing."""
    for i in range(10):
        store.put(f"k{i}", b"x")
    for i in range(0, 10, 2):
        store.delete(f"k{i}")
    assert _keys(store) == [f"k{i}" for i in range(1, 10, 2)]


@case()
def test_after_overwrite_once(store: Store) -> None:
    """Overwriting a key many times still lists it once."""
    for i in range(10):
        store.put("same", bytes([i]) * i)
    assert _keys(store) == ["same"]


@case()
def test_is_iterator(store: Store) -> None:
    """list returns an iterator, not a list printed somewhere."""
    store.put("x", b"")
    it = store.list()
    assert iter(it) is it, "list() must return an iterator"
    assert next(it) == "x"


@case()
def test_many_keys(store: Store) -> None:
    """500 keys are each listed exactly once."""
    keys = {f"many-{i}" for i in range(500)}
    for k in keys:
        store.put(k, b"")
    assert set(_keys(store, "many-")) == keys


@case()
def test_path_like_prefix(store: Store) -> None:
    """'dir/' lists keys under it, not 'dirx' nor 'dir' itself."""
    _path_keys_ok(store)
    for k in ("dir/a", "dir/b/c", "dirx", "dir"):
        store.put(k, b"")
    assert _keys(store, "dir/") == ["dir/a", "dir/b/c"]
    assert _keys(store, "dir") == ["dir", "dir/a", "dir/b/c", "dirx"]


@case()
def test_unicode_prefix(store: Store) -> None:
    """Prefixes work on Unicode keys."""
    for k in ("日本語", "日本", "日", "ü-1", "ü-2"):
        store.put(k, b"")
    assert _keys(store, "日本") == ["日本", "日本語"]
    assert _keys(store, "ü-") == ["ü-1", "ü-2"]


@case()
def test_zero_length_objects_listed(store: Store) -> None:
    """Zero-length objects are real objects and are listed."""
    store.put("empty", b"")
    assert _keys(store) == ["empty"]


@case()
def test_prefix_after_delete(store: Store) -> None:
    """A prefix listing drops deleted keys and keeps the rest of the prefix."""
    for k in ("p-1", "p-2", "p-3", "q-1"):
        store.put(k, b"")
    store.delete("p-2")
    assert _keys(store, "p-") == ["p-1", "p-3"]
    store.delete("p-1")
    store.delete("p-3")
    assert _keys(store, "p-") == []
    assert _keys(store) == ["q-1"]


@case()
def test_after_delete_and_recreate(store: Store) -> None:
    """A key deleted and written again is listed once."""
    store.put("k", b"1")
    store.delete("k")
    store.put("k", b"2")
    assert _keys(store) == ["k"]


@case()
def test_prefix_with_pattern_characters(store: Store) -> None:
    """Prefixes are literal: '.', '*', '[', '?' and '%' match only themselves."""
    keys = ["a.b", "axb", "a*", "ab", "[x]1", "x", "a?", "a%2F", "a%"]
    keys = [k for k in keys if not any(c in k for c in store.capabilities.key_chars)]
    for k in keys:
        store.put(k, b"")
    expected = {
        "a.": ["a.b"],
        "a*": ["a*"],
        "[x]": ["[x]1"],
        "a?": ["a?"],
        "a%": ["a%", "a%2F"],
        "a%2": ["a%2F"],
    }
    for prefix, want in expected.items():
        want = [k for k in want if k in keys]
        assert _keys(store, prefix) == want, f"prefix {prefix!r}"


@case()
def test_only_user_keys(store: Store) -> None:
    """After writes in every declared mode, streams and attributes, list shows only user keys."""
    caps = store.capabilities
    store.put("plain", b"1")
    store.put_stream("streamed", [b"a" * 1000, b"b" * 1000], chunk_size=512)
    expected = {"plain", "streamed"}
    if caps.append:
        store.put("appended", b"x", "wa")
        expected.add("appended")
    if caps.offset_write:
        store.put("sparse", b"x", "w", 10_000)
        expected.add("sparse")
    if caps.create_exclusive:
        store.put("created", b"x", "create")
        expected.add("created")
    if caps.metadata:
        store.set_xattr("plain", "attr", b"v")
    assert set(_keys(store)) == expected, f"extra keys: {set(_keys(store)) - expected}"


@case()
def test_trailing_separator_keys(store: Store) -> None:
    """'d/' and 'd' are distinct keys and both list under prefix 'd'."""
    _path_keys_ok(store)
    store.put("d", b"1")
    store.put("d/", b"2")
    store.put("d/x", b"3")
    assert _keys(store, "d") == ["d", "d/", "d/x"]
    assert _keys(store, "d/") == ["d/", "d/x"]
    assert store.get("d/") == b"2"


@case()
def test_prefix_longer_than_keys(store: Store) -> None:
    """A prefix longer than every key that starts it lists nothing."""
    store.put("ab", b"")
    assert _keys(store, "abc" * 20) == []


@case()
def test_snapshot_during_writes(store: Store) -> None:
    """Keys written after list() started may or may not appear, but existing keys appear once."""
    for i in range(20):
        store.put(f"old-{i:02d}", b"")
    seen = []
    for n, key in enumerate(store.list()):
        seen.append(key)
        if n == 0:
            store.put("new-key", b"")
    old = sorted(k for k in seen if k.startswith("old-"))
    assert old == [f"old-{i:02d}" for i in range(20)], f"old keys listed: {len(old)}"
    assert seen.count("new-key") <= 1
