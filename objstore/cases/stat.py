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
