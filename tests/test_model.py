"""The reference model of the spec that conformance cases and the oracle compare against."""

from __future__ import annotations

import pytest

import objstore
from objstore.errors import AlreadyExists, InvalidArgument, NotFound
from objstore.model import ReferenceStore, apply_write, read_range
from objstore.spec import WriteMode

W, WF, WA, CREATE = WriteMode.WRITE, WriteMode.WRITE_FULL, WriteMode.APPEND, WriteMode.CREATE


@pytest.mark.parametrize(
    ("old", "data", "mode", "offset", "new"),
    [
        (None, b"abc", WF, 0, b"abc"),
        (b"xyz", b"a", WF, 0, b"a"),
        (None, b"abc", CREATE, 0, b"abc"),
        (None, b"ab", W, 0, b"ab"),
        (None, b"ab", W, 3, b"\0\0\0ab"),
        (b"12345", b"ab", W, 1, b"1ab45"),
        (b"12345", b"ab", W, 4, b"1234ab"),
        (b"12345", b"ab", W, 7, b"12345\0\0ab"),
        (b"12345", b"", W, 9, b"12345"),  # an empty write never extends
        (None, b"", W, 9, b""),
        (b"12", b"34", WA, 0, b"1234"),
        (None, b"34", WA, 0, b"34"),
        (b"", b"", WF, 0, b""),
    ],
)
def test_apply_write(
    old: bytes | None, data: bytes, mode: WriteMode, offset: int, new: bytes
) -> None:
    assert apply_write(old, data, mode, offset) == new


def test_apply_write_errors() -> None:
    with pytest.raises(AlreadyExists):
        apply_write(b"", b"x", CREATE)
    with pytest.raises(InvalidArgument):
        apply_write(None, b"x", W, -1)


@pytest.mark.parametrize(
    ("offset", "length", "out"),
    [(0, None, b"hello"), (1, 3, b"ell"), (4, 10, b"o"), (5, None, b""), (9, 2, b""), (2, 0, b"")],
)
def test_read_range(offset: int, length: int | None, out: bytes) -> None:
    assert read_range(b"hello", offset, length) == out


def test_read_range_negative() -> None:
    with pytest.raises(InvalidArgument):
        read_range(b"x", -1)
    with pytest.raises(InvalidArgument):
        read_range(b"x", 0, -1)


def test_reference_store_lifecycle() -> None:
    ref = ReferenceStore()
    ref.put("a", b"12", WF)
    ref.put("a", b"3", WA)
    ref.put("b/c", b"x", CREATE)
    with pytest.raises(AlreadyExists):
        ref.put("b/c", b"y", CREATE)
    with pytest.raises(InvalidArgument):
        ref.put("a", b"y", WF, 2)
    assert ref.get("a") == b"123" and ref.get("a", 1, 1) == b"2"
    assert ref.list() == {"a", "b/c"} and ref.list("b") == {"b/c"}
    assert ref.size("a") == 3
    ref.set_xattr("a", "n", b"v")
    assert ref.list_xattrs("a") == ["n"] and ref.get_xattr("a", "n") == b"v"
    ref.remove_xattr("a", "n")
    for call in (
        lambda: ref.get_xattr("a", "n"),
        lambda: ref.remove_xattr("a", "n"),
        lambda: ref.get("zz"),
        lambda: ref.delete("zz"),
        lambda: ref.set_xattr("zz", "n", b""),
    ):
        with pytest.raises(NotFound):
            call()
    ref.delete("a")
    assert ref.list() == {"b/c"}


@pytest.mark.parametrize("backend", ["memory", "posix"])
def test_backends_agree_with_the_model(backend: str, tmp_path: object) -> None:
    ref = ReferenceStore()
    options = {"root": str(tmp_path)} if backend == "posix" else {}
    steps = [
        ("k", b"hello", W, 3),
        ("k", b"XY", W, 1),
        ("k", b"!", WA, 0),
        ("k", b"", W, 100),
        ("j", b"", WA, 0),
        ("k", b"new", WF, 0),
        ("k", b"zz", W, 6),
    ]
    with objstore.open(backend, **options) as store:
        for key, data, mode, offset in steps:
            ref.put(key, data, mode, offset)
            store.put(key, data, mode, offset)
            assert store.get(key) == ref.get(key), (key, mode, offset)
            assert store.stat(key).size == ref.size(key)
        assert set(store.list()) == ref.list()
