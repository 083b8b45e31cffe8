"""delete: removal, NotFound, missing_ok, re-creation."""

from __future__ import annotations

from objstore.cases import case
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
    for key in ("a", "ab", "a/b", "b"):
        store.put(key, key.encode())
    store.delete("a")
    assert sorted(store.list()) == ["a/b", "ab", "b"]
    assert store.get("ab") == b"ab"
