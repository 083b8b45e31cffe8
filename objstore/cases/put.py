"""put: every write mode x object state x offset x size, checked against the reference model."""

from __future__ import annotations

import random
from collections.abc import Callable

from objstore.cases import Case, add_case, case
from objstore.cases._data import SIZES, MiB, payload
from objstore.errors import AlreadyExists, InvalidArgument, Unsupported
from objstore.model import apply_write
from objstore.spec import CAPABILITY_FOR_MODE, WriteMode
from objstore.store import Store

BASE_SIZE = 1000
"""Size of the object that exists before the write in the 'existing' states (not 4 KiB aligned)."""


def _check(store: Store, key: str, expected: bytes) -> None:
    got = store.get(key)
    assert len(got) == len(expected), f"size {len(got)} != expected {len(expected)}"
    assert got == expected, (
        f"content differs from the model (first diff at {_first_diff(got, expected)})"
    )
    assert store.stat(key).size == len(expected), "stat size differs from the data read"


def _first_diff(a: bytes, b: bytes) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _matrix_case(
    mode: WriteMode, state: str, base: int | None, offset_of: Callable[[int], int], size: int
) -> Callable[[Store], None]:
    def run(store: Store) -> None:
        old = None
        if base is not None:
            old = payload(base, seed=1)
            store.put("obj", old, WriteMode.WRITE_FULL)
        data = payload(size, seed=2)
        offset = offset_of(base or 0)
        store.put("obj", data, mode, offset)
        _check(store, "obj", apply_write(old, data, mode, offset))

    return run


_OFFSETS: dict[str, Callable[[int], int]] = {
    "offset_0": lambda n: 0,
    "offset_inside": lambda n: n // 2,
    "offset_at_end": lambda n: n,
    "offset_beyond_end": lambda n: n + 3000,
}

# States of the object before the write: name -> size (None: missing).
_STATES: dict[WriteMode, dict[str, int | None]] = {
    WriteMode.WRITE: {"existing": BASE_SIZE, "missing": None},
    WriteMode.WRITE_FULL: {"missing": None, "existing_smaller": 10, "existing_larger": 8192},
    WriteMode.APPEND: {"missing": None, "empty": 0, "existing": BASE_SIZE},
    WriteMode.CREATE: {"missing": None},
}


def _register_matrix() -> None:
    for mode, states in _STATES.items():
        cap = CAPABILITY_FOR_MODE[mode]
        requires = (cap,)
        for state, base in states.items():
            offsets = _OFFSETS if mode is WriteMode.WRITE else {"offset_0": _OFFSETS["offset_0"]}
            if mode is WriteMode.WRITE and base is None:
                offsets = {
                    k: v for k, v in _OFFSETS.items() if k in ("offset_0", "offset_beyond_end")
                }
            for offset_name, offset_of in offsets.items():
                for size_name, size in SIZES.items():
                    parts = [mode.value, state]
                    if mode is WriteMode.WRITE:
                        parts.append(offset_name)
                    elif mode is WriteMode.APPEND:
                        # An append always writes at the end: named so the offset axis reads alike.
                        parts.append("offset_at_end")
                    parts.append(f"size_{size_name}")
                    add_case(
                        Case(
                            name="put." + ".".join(parts),
                            feature="put",
                            func=_matrix_case(mode, state, base, offset_of, size),
                            requires=requires,
                            doc=f"put mode {mode.value} on a {state} object "
                            f"({offset_name}, {size} bytes) matches the spec model",
                        )
                    )


_register_matrix()


@case(requires=("create_exclusive",))
def test_create_existing_raises_already_exists(store: Store) -> None:
    """create on an existing object raises AlreadyExists and leaves the data unchanged."""
    store.put("obj", b"first", WriteMode.CREATE)
    try:
        store.put("obj", b"second", WriteMode.CREATE)
    except AlreadyExists as exc:
        assert type(exc) is AlreadyExists, f"raised a subclass {type(exc).__name__}"
        assert exc.backend, "error must name the backend"
    else:
        raise AssertionError("second create did not raise AlreadyExists")
    assert store.get("obj") == b"first"


@case(requires=("create_exclusive",))
def test_create_existing_empty_raises(store: Store) -> None:
    """create fails on an existing zero-length object too."""
    store.put("obj", b"", WriteMode.CREATE)
    try:
        store.put("obj", b"x", WriteMode.CREATE)
    except AlreadyExists:
        pass
    else:
        raise AssertionError("create over an empty object did not raise AlreadyExists")
    assert store.get("obj") == b""


@case(requires=("write_full",))
def test_wf_zero_length_truncates(store: Store) -> None:
    """wf with no data leaves an existing, empty object."""
    store.put("obj", b"something")
    store.put("obj", b"")
    assert store.get("obj") == b""
    assert store.stat("obj").size == 0


@case(requires=("offset_write", "write_full"))
def test_w_empty_data_creates_but_never_extends(store: Store) -> None:
    """w with no data creates a missing object and does not move the end of an existing one."""
    store.put("obj", b"", WriteMode.WRITE, 100)
    assert store.stat("obj").size == 0
    store.put("obj", b"abc", WriteMode.WRITE_FULL)
    store.put("obj", b"", WriteMode.WRITE, 50)
    assert store.get("obj") == b"abc"


@case(requires=("offset_write",))
def test_w_overlapping_writes(store: Store) -> None:
    """Overlapping offset writes: the last write wins in the overlap."""
    store.put("obj", b"a" * 10, WriteMode.WRITE, 0)
    store.put("obj", b"b" * 10, WriteMode.WRITE, 5)
    store.put("obj", b"c" * 3, WriteMode.WRITE, 8)
    assert store.get("obj") == b"a" * 5 + b"b" * 3 + b"c" * 3 + b"b" * 4


@case(requires=("append",))
def test_wa_many_appends(store: Store) -> None:
    """100 appends of odd sizes concatenate in order."""
    expected = b""
    for i in range(100):
        part = payload(i % 17 + 1, seed=i)
        store.put("obj", part, WriteMode.APPEND)
        expected += part
    assert store.get("obj") == expected


@case(requires=("write_full",))
def test_wf_replaces_repeatedly(store: Store) -> None:
    """The last of several wf writes is what reads back."""
    for i in range(5):
        store.put("obj", payload(100 * (5 - i), seed=i))
    assert store.get("obj") == payload(100, seed=4)


@case(requires=("write_full",))
def test_accepts_bytearray_and_memoryview(store: Store) -> None:
    """put takes bytes, bytearray and memoryview alike."""
    store.put("a", bytearray(b"\x00ba"))
    store.put("b", memoryview(b"xx\x00yy")[1:4])
    assert store.get("a") == b"\x00ba"
    assert store.get("b") == b"x\x00y"


@case(requires=("write_full",))
def test_mode_accepts_enum_and_names(store: Store) -> None:
    """Modes are accepted as the enum, the seed spelling and the enum name."""
    store.put("obj", b"1", WriteMode.WRITE_FULL)
    store.put("obj", b"2", "wf")
    store.put("obj", b"3", "WRITE_FULL")
    assert store.get("obj") == b"3"


@case()
def test_unknown_mode_is_invalid(store: Store) -> None:
    """An unknown mode raises InvalidArgument and writes nothing."""
    try:
        store.put("obj", b"x", "rw")
    except InvalidArgument as exc:
        assert "rw" in str(exc)
    else:
        raise AssertionError("mode 'rw' accepted")
    assert list(store.list()) == []


@case(requires=("write_full",))
def test_offset_with_wf_is_invalid(store: Store) -> None:
    """An offset is only valid with mode w."""
    try:
        store.put("obj", b"x", WriteMode.WRITE_FULL, 5)
    except InvalidArgument:
        pass
    else:
        raise AssertionError("offset accepted with wf")
    assert not store.exists("obj")


@case(requires=("offset_write",))
def test_negative_offset_is_invalid(store: Store) -> None:
    """A negative offset raises InvalidArgument."""
    try:
        store.put("obj", b"x", WriteMode.WRITE, -1)
    except InvalidArgument:
        pass
    else:
        raise AssertionError("negative offset accepted")
    assert not store.exists("obj"), "a refused write created the object"


@case(requires=("write_full",))
def test_str_data_is_invalid(store: Store) -> None:
    """Text must be encoded by the caller: str data raises InvalidArgument."""
    try:
        store.put("obj", "text")  # type: ignore[arg-type]
    except InvalidArgument:
        pass
    else:
        raise AssertionError("str data accepted")


@case(requires=("write_full",))
def test_nul_only_data(store: Store) -> None:
    """An object of nothing but NUL bytes keeps its length (no C-string or sparse truncation)."""
    store.put("obj", bytes(4096))
    assert store.stat("obj").size == 4096
    assert store.get("obj") == bytes(4096)
    store.put("one", b"\x00")
    assert store.get("one") == b"\x00"


@case(requires=("offset_write", "write_full"))
def test_w_across_4mib_boundary(store: Store) -> None:
    """A write straddling the 4 MiB mark (a common chunk or stripe size) lands on both sides."""
    base = payload(4 * MiB, seed=20)
    store.put("obj", base)
    patch = payload(10, seed=21)
    store.put("obj", patch, WriteMode.WRITE, 4 * MiB - 5)
    _check(store, "obj", apply_write(base, patch, WriteMode.WRITE, 4 * MiB - 5))


@case(requires=("offset_write",))
def test_w_sparse_holes_read_as_zeros(store: Store) -> None:
    """Several writes far past the end leave holes that read back as zeros."""
    expected: bytes | None = None
    for offset in (5000, 1, 70_000, 2 * MiB, 69_999):
        data = payload(3, seed=offset)
        store.put("obj", data, WriteMode.WRITE, offset)
        expected = apply_write(expected, data, WriteMode.WRITE, offset)
    assert expected is not None
    _check(store, "obj", expected)


@case(requires=("offset_write", "append"))
def test_wa_after_w_beyond_end(store: Store) -> None:
    """An append after a write past the end goes after the hole, not into it."""
    store.put("obj", b"abc", WriteMode.WRITE, 100)
    store.put("obj", b"xyz", WriteMode.APPEND)
    _check(store, "obj", bytes(100) + b"abcxyz")


@case(requires=("offset_write", "write_full"))
def test_wf_after_w_beyond_end_shrinks(store: Store) -> None:
    """wf after a sparse write replaces the whole object, hole included."""
    store.put("obj", b"abc", WriteMode.WRITE, 1 * MiB)
    store.put("obj", b"small")
    _check(store, "obj", b"small")


@case(requires=("create_exclusive",))
def test_create_failure_changes_nothing(store: Store) -> None:
    """A create that loses keeps the existing object's bytes and size."""
    store.put("obj", b"0123456789", WriteMode.CREATE)
    for data in (b"", b"x", payload(5000, seed=22)):
        try:
            store.put("obj", data, WriteMode.CREATE)
        except AlreadyExists:
            pass
        else:
            raise AssertionError(f"create of {len(data)} bytes over an existing object succeeded")
    _check(store, "obj", b"0123456789")


@case(requires=("write_full", "offset_write", "append", "create_exclusive"))
def test_mixed_modes_match_model(store: Store) -> None:
    """300 writes in random modes, offsets and sizes (fixed seed) match the model at each step."""
    rng = random.Random(23)
    model: dict[str, bytes] = {}
    for step in range(300):
        key = f"k{rng.randrange(3)}"
        mode = rng.choice(list(WriteMode))
        data = payload(rng.choice((0, 1, 7, 100, 4095, 4096, 9000)), seed=step)
        current = model.get(key)
        offset = 0
        if mode is WriteMode.WRITE:
            offset = rng.randrange(0, len(current or b"") + 5000)
        try:
            store.put(key, data, mode, offset)
        except AlreadyExists:
            assert mode is WriteMode.CREATE and current is not None, f"step {step}: AlreadyExists"
            continue
        assert not (mode is WriteMode.CREATE and current is not None), (
            f"step {step}: create over an existing object succeeded"
        )
        model[key] = apply_write(current, data, mode, offset)
        got = store.get(key)
        assert got == model[key], (
            f"step {step}: {mode.value} {len(data)} bytes at {offset} on {key}: "
            f"read {len(got)} bytes, model has {len(model[key])} (first diff at "
            f"{_first_diff(got, model[key])})"
        )
    assert sorted(store.list()) == sorted(model)


def _unsupported_case(mode: WriteMode) -> Callable[[Store], None]:
    def run(store: Store) -> None:
        try:
            store.put("obj", b"x", mode)
        except Unsupported as exc:
            assert exc.backend, "Unsupported must name the backend"
        else:
            raise AssertionError(f"mode {mode.value} worked though its capability is off")

    return run


for _mode in WriteMode:
    add_case(
        Case(
            name=f"put.{_mode.value}_unsupported_raises",
            feature="put",
            func=_unsupported_case(_mode),
            requires_absent=(CAPABILITY_FOR_MODE[_mode],),
            doc=f"mode {_mode.value} raises Unsupported where the backend does not declare it",
        )
    )
