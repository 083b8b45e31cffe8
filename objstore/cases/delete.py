"""delete: removal, NotFound, missing_ok, re-creation."""

from __future__ import annotations

from objstore.cases import case
from objstore.cases._data import payload
from objstore.errors import NotFound
from objstore.spec import WriteMode
from objstore.store import Store


@case()
def test_then_get_not_found(store: Store) -> None:
    """A deleted object reads as NotFound."""
    store.put("obj", b"data")
    store.delete("obj")
    try:
        store.get("obj")
    except NotFound:
        return
    raise AssertionError("deleted object still readable")


@case()
def test_then_stat_not_found(store: Store) -> None:
    """A deleted object has no stat."""
    store.put("obj", b"data")
    store.delete("obj")
    assert not store.exists("obj")


@case()
def test_missing_raises_not_found(store: Store) -> None:
    """Deleting a missing object raises NotFound with the key."""
    try:
        store.delete("missing")
    except NotFound as exc:
        assert exc.key == "missing" and exc.op == "delete", f"context: {exc.op} {exc.key}"
        return
    raise AssertionError("no NotFound")


@case()
def test_missing_ok(store: Store) -> None:
    """missing_ok=True makes deleting a missing object a no-op."""
    store.delete("missing", missing_ok=True)
    store.put("obj", b"x")
    store.delete("obj", missing_ok=True)
    assert not store.exists("obj")


@case()
def test_twice(store: Store) -> None:
    """The second delete of the same object raises NotFound."""
    store.put("obj", b"x")
    store.delete("obj")
    try:
        store.delete("obj")
    except NotFound:
        return
    raise AssertionError("second delete succeeded")


@case()
def test_empty_object(store: Store) -> None:
    """A zero-length object can be deleted."""
    store.put("obj", b"")
    store.delete("obj")
    assert not store.exists("obj")


@case()
def test_recreate_after_delete(store: Store) -> None:
    """An object can be written again after deletion, with no trace of the old data."""
    store.put("obj", b"old-old-old")
    store.delete("obj")
    store.put("obj", b"new")
    assert store.get("obj") == b"new"


@case(requires=("create_exclusive",))
def test_create_after_delete(store: Store) -> None:
    """Exclusive create succeeds again once the object is deleted."""
    store.put("obj", b"1", WriteMode.CREATE)
    store.delete("obj")
    store.put("obj", b"2", WriteMode.CREATE)
    assert store.get("obj") == b"2"


@case(requires=("append",))
def test_append_after_delete_starts_empty(store: Store) -> None:
    """Appending to a deleted object starts from empty."""
    store.put("obj", b"old")
    store.delete("obj")
    store.put("obj", b"new", WriteMode.APPEND)
    assert store.get("obj") == b"new"


@case()
def test_only_that_key(store: Store) -> None:
    """Deleting one key leaves keys that share its prefix."""
    separator = "-" if "/" in store.capabilities.key_chars else "/"
    for key in ("a", "ab", f"a{separator}b", "b"):
        store.put(key, key.encode())
    store.delete("a")
    assert sorted(store.list()) == sorted([f"a{separator}b", "ab", "b"])
    assert store.get("ab") == b"ab"


@case()
def test_then_list_empty(store: Store) -> None:
    """After deleting every key, the listing is empty."""
    for i in range(20):
        store.put(f"k{i}", b"x" * i)
    for i in range(20):
        store.delete(f"k{i}")
    assert list(store.list()) == []


@case()
def test_large_then_recreate_small(store: Store) -> None:
    """A deleted 4 MiB object leaves nothing behind: a new small one has only its own bytes."""
    store.put("obj", payload(4 * 1024 * 1024, seed=30))
    store.delete("obj")
    store.put("obj", b"tiny")
    assert store.stat("obj").size == 4
    assert store.get("obj") == b"tiny"


@case(requires=("metadata",))
def test_with_attributes(store: Store) -> None:
    """An object with attributes deletes like any other and is gone from list and stat."""
    store.put("obj", b"1")
    store.set_xattr("obj", "a", b"1")
    store.delete("obj")
    assert list(store.list()) == []
    assert not store.exists("obj")


@case()
def test_not_found_exact_type(store: Store) -> None:
    """Deleting a missing object raises exactly NotFound, not a subclass or BackendError."""
    try:
        store.delete("missing")
    except NotFound as exc:
        assert type(exc) is NotFound, f"raised {type(exc).__name__}"
        return
    raise AssertionError("no NotFound")


@case()
def test_unicode_and_path_keys(store: Store) -> None:
    """Deleting Unicode and path-like keys removes exactly those objects."""
    keys = ["ключ", "a/b", "a", "ü/ö"]
    if "/" in store.capabilities.key_chars:
        keys = [k for k in keys if "/" not in k]
    for key in keys:
        store.put(key, key.encode())
    for key in keys:
        store.delete(key)
        assert not store.exists(key), f"{key!r} still exists"
    assert list(store.list()) == []
