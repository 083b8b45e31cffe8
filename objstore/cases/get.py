"""get and get_into: ranges, clipping at the end, caller-owned buffers."""

from __future__ import annotations

from objstore.cases import case
from objstore.cases._data import payload
from objstore.errors import InvalidArgument, NotFound
from objstore.model import read_range
from objstore.store import Store

DATA = payload(10_000, seed=3)


def _ranges(store: Store, ranges: list[tuple[int, int | None]]) -> None:
    store.put("obj", DATA)
    for offset, length in ranges:
        got = store.get("obj", offset, length)
        want = read_range(DATA, offset, length)
        assert got == want, (
            f"get(offset={offset}, length={length}) returned {len(got)} bytes, want {len(want)}"
        )


@case()
def test_whole_object(store: Store) -> None:
    """get with no range returns the whole object, NULs included."""
    store.put("obj", DATA)
    assert store.get("obj") == DATA


@case(requires=("ranged_read",))
def test_ranges_inside(store: Store) -> None:
    """Ranges inside the object return exactly those bytes."""
    _ranges(store, [(0, 1), (1, 10), (4095, 2), (5000, 5000), (9999, 1), (0, 10_000)])


@case(requires=("ranged_read",))
def test_ranges_overlapping(store: Store) -> None:
    """Overlapping ranges read the same bytes each time."""
    _ranges(store, [(100, 500), (300, 500), (100, 500), (550, 50), (0, 600)])


@case(requires=("ranged_read",))
def test_length_zero(store: Store) -> None:
    """length 0 returns b'' anywhere, even past the end."""
    _ranges(store, [(0, 0), (5000, 0), (10_000, 0), (20_000, 0)])


@case(requires=("ranged_read",))
def test_range_clipped_at_end(store: Store) -> None:
    """A range crossing the end returns the bytes that exist."""
    _ranges(store, [(9990, 100), (0, 1_000_000), (5000, None)])


@case(requires=("ranged_read",))
def test_offset_at_end_returns_empty(store: Store) -> None:
    """Reading at exactly the end returns b''."""
    _ranges(store, [(10_000, None), (10_000, 10)])


@case(requires=("ranged_read",))
def test_offset_past_end_returns_empty(store: Store) -> None:
    """Reading far past the end returns b'' rather than an error."""
    _ranges(store, [(10_001, None), (1 << 30, 4096), (1 << 40, None)])


@case(requires=("ranged_read",))
def test_empty_object_ranges(store: Store) -> None:
    """Any range of a zero-length object is b''."""
    store.put("obj", b"")
    for offset, length in [(0, None), (0, 0), (0, 10), (5, None)]:
        assert store.get("obj", offset, length) == b""


@case()
def test_missing_raises_not_found(store: Store) -> None:
    """get of a missing object raises NotFound naming the key."""
    try:
        store.get("missing")
    except NotFound as exc:
        assert exc.key == "missing", f"error key is {exc.key!r}"
    else:
        raise AssertionError("no NotFound")


@case()
def test_negative_offset_invalid(store: Store) -> None:
    """A negative offset raises InvalidArgument."""
    store.put("obj", b"abc")
    try:
        store.get("obj", -1)
    except InvalidArgument:
        return
    raise AssertionError("negative offset accepted")


@case()
def test_negative_length_invalid(store: Store) -> None:
    """A negative length raises InvalidArgument (no Python-slice semantics)."""
    store.put("obj", b"abc")
    try:
        store.get("obj", 0, -1)
    except InvalidArgument:
        return
    raise AssertionError("negative length accepted")


@case()
def test_into_exact_buffer(store: Store) -> None:
    """get_into fills a buffer the size of the object."""
    store.put("obj", DATA)
    buf = bytearray(len(DATA))
    assert store.get_into("obj", buf) == len(DATA)
    assert bytes(buf) == DATA


@case()
def test_into_larger_buffer(store: Store) -> None:
    """get_into a larger buffer returns the object size and leaves the rest untouched."""
    store.put("obj", b"abc\x00")
    buf = bytearray(b"\xff" * 10)
    assert store.get_into("obj", buf) == 4
    assert bytes(buf) == b"abc\x00" + b"\xff" * 6


@case(requires=("ranged_read",))
def test_into_at_offset(store: Store) -> None:
    """get_into from an offset reads the right bytes; past the end it places 0 bytes."""
    store.put("obj", DATA)
    buf = bytearray(100)
    assert store.get_into("obj", buf, 9950) == 50
    assert bytes(buf[:50]) == DATA[9950:]
    assert store.get_into("obj", buf, 20_000) == 0


@case()
def test_into_memoryview_slice(store: Store) -> None:
    """get_into accepts a writable memoryview slice of a larger buffer."""
    store.put("obj", b"0123456789")
    backing = bytearray(20)
    assert store.get_into("obj", memoryview(backing)[5:15]) == 10
    assert bytes(backing) == bytes(5) + b"0123456789" + bytes(5)


@case()
def test_into_readonly_buffer_invalid(store: Store) -> None:
    """get_into a read-only buffer raises InvalidArgument."""
    store.put("obj", b"abc")
    try:
        store.get_into("obj", b"\x00\x00\x00")
    except InvalidArgument:
        return
    raise AssertionError("read-only buffer accepted")


@case()
def test_into_missing_not_found(store: Store) -> None:
    """get_into of a missing object raises NotFound."""
    try:
        store.get_into("missing", bytearray(4))
    except NotFound:
        return
    raise AssertionError("no NotFound")


@case()
def test_returns_bytes(store: Store) -> None:
    """get returns immutable bytes the caller may keep."""
    store.put("obj", b"abc")
    got = store.get("obj")
    assert type(got) is bytes, f"got {type(got).__name__}"
    store.put("obj", b"xyz")
    assert got == b"abc"


@case()
def test_all_byte_values(store: Store) -> None:
    """Every byte value 0..255, NULs first and last, round-trips."""
    data = bytes(range(256)) * 16 + b"\x00"
    store.put("obj", data)
    assert store.get("obj") == data


@case()
def test_nul_only_object(store: Store) -> None:
    """An object of NUL bytes reads back at full length, not as b''."""
    store.put("obj", bytes(1000))
    got = store.get("obj")
    assert got == bytes(1000), f"read {len(got)} bytes of a 1000-byte NUL object"


@case(requires=("ranged_read",))
def test_ranges_across_4mib_object(store: Store) -> None:
    """Ranges of a 4 MiB + 1 object across 1 MiB and 4 MiB marks (chunk and stripe sizes)."""
    big = payload(4 * 1024 * 1024 + 1, seed=12)
    store.put("obj", big)
    mib = 1024 * 1024
    for offset, length in [
        (mib - 1, 2),
        (mib - 100, 2 * mib + 200),
        (4 * mib - 1, 10),
        (4 * mib, None),
        (3 * mib, mib + 1),
        (0, None),
    ]:
        got = store.get("obj", offset, length)
        want = read_range(big, offset, length)
        assert got == want, f"get({offset}, {length}): {len(got)} bytes, want {len(want)}"


@case()
def test_into_zero_length_buffer(store: Store) -> None:
    """get_into an empty buffer places 0 bytes and does not fail."""
    store.put("obj", b"abc")
    assert store.get_into("obj", bytearray()) == 0


@case()
def test_into_empty_object(store: Store) -> None:
    """get_into from a zero-length object places 0 bytes and leaves the buffer alone."""
    store.put("obj", b"")
    buf = bytearray(b"\xee" * 8)
    assert store.get_into("obj", buf) == 0
    assert bytes(buf) == b"\xee" * 8


@case(requires=("ranged_read",))
def test_into_matches_get(store: Store) -> None:
    """get_into and get return the same bytes for the same ranges of a 1 MiB object."""
    data = payload(1024 * 1024 + 3, seed=13)
    store.put("obj", data)
    for offset, size in [(0, 4096), (4095, 4097), (1024 * 1024 - 2, 100), (7, 1024 * 1024)]:
        buf = bytearray(size)
        placed = store.get_into("obj", buf, offset)
        want = store.get("obj", offset, size)
        assert placed == len(want), (
            f"get_into({offset}, {size}) placed {placed}, get has {len(want)}"
        )
        assert bytes(buf[:placed]) == want == read_range(data, offset, size)


@case(requires=("ranged_read",))
def test_length_none_from_offset(store: Store) -> None:
    """length=None reads from the offset to the end."""
    _ranges(store, [(0, None), (1, None), (9999, None), (4096, None)])


@case()
def test_reads_are_repeatable(store: Store) -> None:
    """Reading an object twice gives the same bytes (no consumed streams or cursors)."""
    store.put("obj", DATA)
    assert store.get("obj") == store.get("obj") == DATA
