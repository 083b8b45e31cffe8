"""stat: size after every mode, mtime, missing objects."""

from __future__ import annotations

import time

from objstore.cases import case
from objstore.errors import NotFound
from objstore.spec import WriteMode
from objstore.store import Store

CLOCK_SLACK = 300.0
"""Seconds of clock difference tolerated between client and server."""


@case()
def test_size_after_wf(store: Store) -> None:
    """stat reports the size written with wf."""
    store.put("obj", b"x" * 1234)
    assert store.stat("obj").size == 1234


@case(requires=("offset_write",))
def test_size_after_w_beyond_end(store: Store) -> None:
    """stat counts the zero-filled gap of an offset write."""
    store.put("obj", b"abc", WriteMode.WRITE, 5000)
    assert store.stat("obj").size == 5003


@case(requires=("offset_write",))
def test_size_after_w_inside(store: Store) -> None:
    """An offset write inside the object keeps its size."""
    store.put("obj", b"x" * 100)
    store.put("obj", b"yy", WriteMode.WRITE, 10)
    assert store.stat("obj").size == 100


@case(requires=("append",))
def test_size_after_wa(store: Store) -> None:
    """Appends add up in stat."""
    store.put("obj", b"12345", WriteMode.APPEND)
    store.put("obj", b"678", WriteMode.APPEND)
    assert store.stat("obj").size == 8


@case(requires=("create_exclusive",))
def test_size_after_create(store: Store) -> None:
    """stat reports the size written by create."""
    store.put("obj", b"\x00" * 77, WriteMode.CREATE)
    assert store.stat("obj").size == 77


@case()
def test_zero_length(store: Store) -> None:
    """A zero-length object exists with size 0."""
    store.put("obj", b"")
    st = store.stat("obj")
    assert st.size == 0
    assert store.exists("obj")


@case()
def test_key_in_result(store: Store) -> None:
    """stat names the key it describes."""
    store.put("named", b"1")
    assert store.stat("named").key == "named"


@case()
def test_mtime_is_recent(store: Store) -> None:
    """mtime is a float of seconds since the epoch, close to now."""
    store.put("obj", b"1")
    mtime = store.stat("obj").mtime
    assert isinstance(mtime, float), f"mtime is {type(mtime).__name__}"
    assert abs(mtime - time.time()) < CLOCK_SLACK, f"mtime {mtime} is far from now {time.time()}"


@case()
def test_mtime_not_before_previous_write(store: Store) -> None:
    """Rewriting an object does not move its mtime backwards."""
    store.put("obj", b"1")
    first = store.stat("obj").mtime
    time.sleep(0.02)
    store.put("obj", b"22")
    assert store.stat("obj").mtime >= first


@case()
def test_missing_not_found(store: Store) -> None:
    """stat of a missing object raises NotFound; exists() says False."""
    assert store.exists("missing") is False
    try:
        store.stat("missing")
    except NotFound:
        return
    raise AssertionError("stat of a missing object returned")


@case(requires=("write_full",))
def test_size_shrinks_after_wf(store: Store) -> None:
    """wf with less data shrinks the object."""
    store.put("obj", b"x" * 5000)
    store.put("obj", b"y" * 10)
    assert store.stat("obj").size == 10


@case(requires=("write_full", "offset_write", "append", "create_exclusive"))
def test_size_after_each_mode_in_turn(store: Store) -> None:
    """stat follows the model through create, w inside, w past end, wa and wf."""
    from objstore.model import apply_write

    steps: list[tuple[bytes, WriteMode, int]] = [
        (b"12345", WriteMode.CREATE, 0),
        (b"ab", WriteMode.WRITE, 1),
        (b"zz", WriteMode.WRITE, 4096),
        (b"tail", WriteMode.APPEND, 0),
        (b"", WriteMode.APPEND, 0),
        (b"xy", WriteMode.WRITE_FULL, 0),
        (b"", WriteMode.WRITE, 1 << 20),
    ]
    current: bytes | None = None
    for data, mode, offset in steps:
        store.put("obj", data, mode, offset)
        current = apply_write(current, data, mode, offset)
        size = store.stat("obj").size
        assert size == len(current), (
            f"after {mode.value} at {offset}: stat {size}, want {len(current)}"
        )


@case(requires=("append",))
def test_size_after_wa_on_missing(store: Store) -> None:
    """An append to a missing object creates it with the appended size."""
    store.put("obj", b"abc", WriteMode.APPEND)
    assert store.stat("obj").size == 3


@case(requires=("offset_write",))
def test_size_after_w_zero_bytes_past_end(store: Store) -> None:
    """A zero-byte write past the end creates the object but leaves its size alone."""
    store.put("obj", b"", WriteMode.WRITE, 9000)
    assert store.stat("obj").size == 0
    store.put("obj", b"abc", WriteMode.WRITE, 0)
    store.put("obj", b"", WriteMode.WRITE, 9000)
    assert store.stat("obj").size == 3


@case()
def test_large_object(store: Store) -> None:
    """stat of a 4 MiB + 1 byte object reports its exact size."""
    store.put("obj", bytes(4 * 1024 * 1024 + 1))
    assert store.stat("obj").size == 4 * 1024 * 1024 + 1


@case(requires=("metadata",))
def test_size_ignores_attributes(store: Store) -> None:
    """Attributes do not count in the object's size."""
    store.put("obj", b"abc")
    store.set_xattr("obj", "a", b"x" * 100)
    assert store.stat("obj").size == 3


@case()
def test_unicode_key(store: Store) -> None:
    """stat of a Unicode key names that key and its size."""
    store.put("ключ-日本", b"12")
    st = store.stat("ключ-日本")
    assert (st.key, st.size) == ("ключ-日本", 2)


@case()
def test_not_found_exact_type(store: Store) -> None:
    """stat of a missing object raises exactly NotFound naming op and key."""
    try:
        store.stat("missing")
    except NotFound as exc:
        assert type(exc) is NotFound, f"raised {type(exc).__name__}"
        assert exc.key == "missing", f"key {exc.key!r}"
        return
    raise AssertionError("no NotFound")
