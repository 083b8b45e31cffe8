"""Store: argument validation, capability gating and streaming, in front of any backend."""

from __future__ import annotations

import array
import builtins
import io
import os
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import pytest

import objstore
from objstore.errors import AlreadyExists, InvalidArgument, NotFound, Unsupported
from objstore.layers import Layer, MetricsLayer
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode
from objstore.store import Store, _chunks_of

FULL = Capabilities(
    write_full=True,
    offset_write=True,
    append=True,
    create_exclusive=True,
    ranged_read=True,
    read_into=True,
    metadata=True,
    list_prefix=True,
)
BARE = Capabilities(write_full=True)
"""A backend that can only replace whole objects and read them whole."""


class DictBackend(Backend):
    """A minimal backend over a dict that records every call it receives."""

    name = "dict"

    def __init__(self, caps: Capabilities = FULL) -> None:
        self.capabilities = caps
        self.objects: dict[str, bytearray] = {}
        self.attrs: dict[str, dict[str, bytes]] = {}
        self.calls: list[tuple[str, Any]] = []
        self.closed = 0

    def _obj(self, key: str) -> bytearray:
        if key not in self.objects:
            raise NotFound("missing", backend=self.name, key=key)
        return self.objects[key]

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self.calls.append(("write", (key, bytes(data), mode, offset)))
        if mode is WriteMode.CREATE and key in self.objects:
            raise AlreadyExists("exists", key=key)
        if mode in (WriteMode.CREATE, WriteMode.WRITE_FULL):
            self.objects[key] = bytearray(data)
            return
        obj = self.objects.setdefault(key, bytearray())
        if mode is WriteMode.APPEND:
            obj += data
        elif data:
            if offset > len(obj):
                obj.extend(bytes(offset - len(obj)))
            obj[offset : offset + len(data)] = data

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        self.calls.append(("read", (key, offset, length)))
        data = self._obj(key)
        return bytes(data[offset : None if length is None else offset + length])

    def delete(self, key: str) -> None:
        self.calls.append(("delete", key))
        self._obj(key)
        del self.objects[key]

    def list(self, prefix: str) -> Iterator[str]:
        self.calls.append(("list", prefix))
        return iter([k for k in self.objects if k.startswith(prefix)])

    def stat(self, key: str) -> ObjectStat:
        self.calls.append(("stat", key))
        return ObjectStat(key, len(self._obj(key)), 0.0)

    def get_xattr(self, key: str, name: str) -> bytes:
        self._obj(key)
        try:
            return self.attrs.get(key, {})[name]
        except KeyError:
            raise NotFound("no attr", key=key) from None

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        self.calls.append(("set_xattr", (key, name, value)))
        self._obj(key)
        self.attrs.setdefault(key, {})[name] = value

    def list_xattrs(self, key: str) -> builtins.list[str]:
        self._obj(key)
        return list(self.attrs.get(key, {}))

    def remove_xattr(self, key: str, name: str) -> None:
        self._obj(key)
        self.attrs.get(key, {}).pop(name)

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def backend() -> DictBackend:
    return DictBackend()


@pytest.fixture
def store(backend: DictBackend) -> Store:
    return Store(backend)


# -- keys ---------------------------------------------------------------------------------


BAD_KEYS: list[Any] = [None, 1, 1.5, b"bytes", ["k"], "", "a\x00b", "\x00", "\ud800"]


@pytest.mark.parametrize("key", BAD_KEYS, ids=repr)
@pytest.mark.parametrize(
    "call",
    [
        lambda s, k: s.put(k, b"x"),
        lambda s, k: s.get(k),
        lambda s, k: s.get_into(k, bytearray(1)),
        lambda s, k: s.delete(k),
        lambda s, k: s.stat(k),
        lambda s, k: s.exists(k),
        lambda s, k: s.get_xattr(k, "a"),
        lambda s, k: s.set_xattr(k, "a", b"v"),
        lambda s, k: s.list_xattrs(k),
        lambda s, k: s.remove_xattr(k, "a"),
        lambda s, k: s.put_stream(k, [b"x"]),
        lambda s, k: s.get_stream(k),
    ],
    ids=[
        "put",
        "get",
        "get_into",
        "delete",
        "stat",
        "exists",
        "get_xattr",
        "set_xattr",
        "list_xattrs",
        "remove_xattr",
        "put_stream",
        "get_stream",
    ],
)
def test_bad_keys_rejected_before_the_backend(
    backend: DictBackend, store: Store, key: Any, call: Any
) -> None:
    with pytest.raises(InvalidArgument) as info:
        call(store, key)
    assert backend.calls == []
    assert info.value.backend == "dict"
    assert info.value.op is not None


def test_bad_key_with_declared_limits_checks_surrogates() -> None:
    store = Store(DictBackend(FULL.with_(max_key_bytes=10)))
    with pytest.raises(InvalidArgument, match="UTF-8"):
        store.put("\udcff", b"")


def test_key_limit_counts_utf8_bytes() -> None:
    backend = DictBackend(FULL.with_(max_key_bytes=4))
    store = Store(backend)
    store.put("abcd", b"")
    store.put("é" * 2, b"")  # 4 bytes
    with pytest.raises(InvalidArgument, match="5 bytes"):
        store.put("abcde", b"")
    with pytest.raises(InvalidArgument):
        store.put("ééé", b"")  # 3 characters, 6 bytes
    assert set(backend.objects) == {"abcd", "éé"}


def test_key_chars_refused() -> None:
    store = Store(DictBackend(FULL.with_(key_chars="\n")))
    with pytest.raises(InvalidArgument, match="cannot store"):
        store.put("a\nb", b"x")
    store.put("a b", b"x")


def test_odd_but_valid_keys_reach_the_backend(backend: DictBackend, store: Store) -> None:
    keys = ["../x", "/abs", ".", "..", " ", "a/", "ключ", "\U0001f600", "%2F", "\n", "k" * 1000]
    for key in keys:
        store.put(key, key.encode())
    assert sorted(store.list()) == sorted(keys)
    for key in keys:
        assert store.get(key) == key.encode()


# -- offsets, lengths, modes, data ---------------------------------------------------------


@pytest.mark.parametrize("value", [-1, -(2**40), True, False, 1.0, "1", None])
def test_bad_offsets(backend: DictBackend, store: Store, value: Any) -> None:
    if value is None:
        with pytest.raises(InvalidArgument):
            store.get("k", offset=value)  # type: ignore[arg-type]
        return
    for call in (
        lambda: store.put("k", b"x", "w", value),
        lambda: store.get("k", offset=value),
        lambda: store.get("k", length=value),
        lambda: store.get_into("k", bytearray(2), offset=value),
        lambda: store.put_stream("k", [b"x"], "w", offset=value),
        lambda: store.get_stream("k", offset=value),
        lambda: store.get_stream("k", length=value),
    ):
        with pytest.raises(InvalidArgument) as info:
            call()
        assert info.value.key == "k"
    assert backend.calls == []


def test_negative_offset_message(store: Store) -> None:
    with pytest.raises(InvalidArgument, match=r"offset must not be negative \(got -1\)"):
        store.get("k", offset=-1)


@pytest.mark.parametrize("mode", ["x", "", "W", "appendx", "r", 1, None, b"w"])
def test_unknown_mode(backend: DictBackend, store: Store, mode: Any) -> None:
    with pytest.raises(InvalidArgument, match="unknown write mode") as info:
        store.put("k", b"x", mode)
    assert (info.value.backend, info.value.op, info.value.key) == ("dict", "put", "k")
    with pytest.raises(InvalidArgument):
        store.put_stream("k", [b"x"], mode)
    assert backend.calls == []


@pytest.mark.parametrize(
    ("spelling", "mode"),
    [
        ("w", WriteMode.WRITE),
        ("wf", WriteMode.WRITE_FULL),
        ("wa", WriteMode.APPEND),
        ("create", WriteMode.CREATE),
        (" wf ", WriteMode.WRITE_FULL),
        ("append", WriteMode.APPEND),
        ("wfx", None),
        ("APPEND", WriteMode.APPEND),
        ("write_full", WriteMode.WRITE_FULL),
        (WriteMode.CREATE, WriteMode.CREATE),
    ],
)
def test_mode_spellings(
    backend: DictBackend, store: Store, spelling: Any, mode: WriteMode | None
) -> None:
    if mode is None:
        with pytest.raises(InvalidArgument):
            WriteMode.parse(spelling)
        return
    assert WriteMode.parse(spelling) is mode
    store.put("k", b"x", spelling)
    assert backend.calls[-1] == ("write", ("k", b"x", mode, 0))


@pytest.mark.parametrize("mode", ["wf", "wa", "create"])
def test_offset_only_with_mode_w(backend: DictBackend, store: Store, mode: str) -> None:
    with pytest.raises(InvalidArgument, match="only valid with mode 'w'"):
        store.put("k", b"x", mode, 3)
    with pytest.raises(InvalidArgument, match="only valid with mode 'w'"):
        store.put_stream("k", [b"x"], mode, offset=3)
    store.put("k", b"x", mode, 0)  # offset 0 is fine in every mode
    assert backend.calls == [("write", ("k", b"x", WriteMode.parse(mode), 0))]


def test_w_beyond_end_zero_fills(store: Store) -> None:
    store.put("k", b"ab", "w", 4)
    assert store.get("k") == b"\0\0\0\0ab"


@pytest.mark.parametrize("data", ["text", 5, None, [1, 2], object()], ids=repr)
def test_data_must_be_bytes_like(backend: DictBackend, store: Store, data: Any) -> None:
    with pytest.raises(InvalidArgument, match="bytes-like"):
        store.put("k", data)
    assert backend.calls == []


def test_bytes_like_data_accepted(store: Store) -> None:
    store.put("a", bytearray(b"ba"))
    store.put("b", memoryview(b"xmv")[1:])
    store.put("c", memoryview(array.array("B", [1, 2])))
    assert (store.get("a"), store.get("b"), store.get("c")) == (b"ba", b"mv", b"\x01\x02")


def test_multibyte_item_buffers_are_measured_in_bytes() -> None:
    # An array('i') has 2 items but 8 bytes: limits and backends must see 8.
    backend = DictBackend(FULL.with_(max_object_size=6))
    store = Store(backend)
    with pytest.raises(InvalidArgument, match="8 bytes"):
        store.put("k", memoryview(array.array("i", [1, 2])))
    store.put("k", memoryview(array.array("h", [1, 2, 3])))
    assert store.get("k") == array.array("h", [1, 2, 3]).tobytes()


def test_get_past_end_returns_what_exists(store: Store) -> None:
    store.put("k", b"hello")
    assert store.get("k", 3) == b"lo"
    assert store.get("k", 5) == b""
    assert store.get("k", 100, 10) == b""
    assert store.get("k", 1, 0) == b""
    assert store.get("k", 1, 3) == b"ell"


def test_get_into(store: Store) -> None:
    store.put("k", b"0123456789")
    buf = bytearray(4)
    assert store.get_into("k", buf, 8) == 2
    assert buf[:2] == b"89"
    assert store.get_into("k", memoryview(buf)) == 4
    assert buf == b"0123"
    assert store.get_into("k", bytearray(4), 10) == 0
    ints = array.array("i", [0, 0])  # 8 bytes through a non-byte format
    assert store.get_into("k", memoryview(ints)) == 8
    assert ints.tobytes() == b"01234567"


@pytest.mark.parametrize("buffer", [b"xxxx", memoryview(b"xxxx"), "str", 5, None], ids=repr)
def test_get_into_needs_a_writable_buffer(backend: DictBackend, buffer: Any) -> None:
    backend.objects["k"] = bytearray(b"data")
    store = Store(backend)
    with pytest.raises(InvalidArgument, match=r"writable|buffer"):
        store.get_into("k", buffer)
    assert backend.calls == []


def test_closed_store(backend: DictBackend) -> None:
    store = Store(backend)
    with store:
        store.put("k", b"x")
    assert backend.closed == 1
    store.close()  # safe to call twice, closes the backend once
    assert backend.closed == 1
    assert "closed" in repr(store)
    for call in (
        lambda: store.put("k", b"x"),
        lambda: store.get("k"),
        lambda: store.stat("k"),
        lambda: store.delete("k"),
        lambda: store.list(),
        lambda: store.put(1, b"x"),  # type: ignore[arg-type]
    ):
        with pytest.raises(InvalidArgument, match="closed"):
            call()


def test_delete_missing_ok(store: Store) -> None:
    with pytest.raises(NotFound):
        store.delete("nope")
    store.delete("nope", missing_ok=True)
    store.put("k", b"")
    store.delete("k", missing_ok=True)
    assert not store.exists("k")


def test_list_prefix_validation(store: Store) -> None:
    with pytest.raises(InvalidArgument):
        store.list(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        store.list("a\x00")


def test_list_without_prefix_capability_filters_in_the_store() -> None:
    backend = DictBackend(FULL.with_(list_prefix=False))
    store = Store(backend)
    for key in ("a1", "a2", "b1"):
        store.put(key, b"")
    assert sorted(store.list("a")) == ["a1", "a2"]
    assert ("list", "") in backend.calls and ("list", "a") not in backend.calls


def test_exists_and_stat(store: Store) -> None:
    assert not store.exists("k")
    store.put("k", b"abc")
    assert store.exists("k")
    assert store.stat("k").size == 3


def test_xattr_validation(backend: DictBackend, store: Store) -> None:
    store.put("k", b"")
    for name in ("", "a\x00", None, 3):
        with pytest.raises(InvalidArgument, match="attribute name"):
            store.get_xattr("k", name)  # type: ignore[arg-type]
    store.set_xattr("k", "s", "välue")
    assert store.get_xattr("k", "s") == "välue".encode()
    store.set_xattr("k", "b", b"\x00\xff")
    assert store.get_xattrs("k") == {"b": b"\x00\xff", "s": "välue".encode()}
    assert store.list_xattrs("k") == ["b", "s"]  # sorted
    with pytest.raises(InvalidArgument):
        store.set_xattr("k", "x", 5)  # type: ignore[arg-type]


def test_xattr_limits() -> None:
    backend = DictBackend(FULL.with_(max_xattr_name_bytes=3, max_xattr_value_bytes=2))
    store = Store(backend)
    store.put("k", b"")
    with pytest.raises(InvalidArgument, match="longer than 3"):
        store.set_xattr("k", "abcd", b"")
    with pytest.raises(InvalidArgument, match="3 bytes"):
        store.set_xattr("k", "abc", b"123")
    store.set_xattr("k", "abc", b"12")
    assert not [c for c in backend.calls if c[0] == "set_xattr" and c[1][2] == b"123"]


def test_max_object_size() -> None:
    backend = DictBackend(FULL.with_(max_object_size=10))
    store = Store(backend)
    store.put("k", bytes(10))
    with pytest.raises(InvalidArgument, match="at most 10"):
        store.put("k", bytes(11))
    with pytest.raises(InvalidArgument):
        store.put("k", b"ab", "w", 9)  # would end at 11
    store.put("k", b"a", "w", 9)
    with pytest.raises(InvalidArgument):
        store.put_stream("big", io.BytesIO(bytes(11)), chunk_size=4)
    assert store.put_stream("ok", io.BytesIO(bytes(10)), chunk_size=4) == 10


def test_describe(store: Store) -> None:
    assert store.describe() == {"backend": "dict"}
    assert Store(DictBackend(), name="mine").describe()["backend"] == "mine"


# -- capability gating -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "capability"),
    [
        (lambda s: s.put("k", b"x", "w"), "offset_write"),
        (lambda s: s.put("k", b"x", "wa"), "append"),
        (lambda s: s.put("k", b"x", "create"), "create_exclusive"),
        (lambda s: s.get("k", 1), "ranged_read"),
        (lambda s: s.get("k", 0, 1), "ranged_read"),
        (lambda s: s.get_into("k", bytearray(1), 1), "ranged_read"),
        (lambda s: s.get_xattr("k", "a"), "metadata"),
        (lambda s: s.set_xattr("k", "a", b""), "metadata"),
        (lambda s: s.list_xattrs("k"), "metadata"),
        (lambda s: s.remove_xattr("k", "a"), "metadata"),
        (lambda s: s.put_stream("k", [b"x"]), "append"),
    ],
)
def test_unsupported_capabilities_raise(call: Any, capability: str) -> None:
    backend = DictBackend(BARE)
    store = Store(backend)
    with pytest.raises(Unsupported, match=capability) as info:
        call(store)
    assert info.value.backend == "dict" and info.value.key == "k"
    assert backend.calls == []


def test_write_full_itself_can_be_unsupported() -> None:
    store = Store(DictBackend(Capabilities(offset_write=True)))
    with pytest.raises(Unsupported, match="write_full"):
        store.put("k", b"x")  # the default mode is wf
    store.put("k", b"x", "w")


def test_bare_backend_still_reads_whole_and_streams_without_ranges() -> None:
    backend = DictBackend(BARE)
    store = Store(backend)
    store.put("k", b"abcdefg")
    assert store.get("k") == b"abcdefg"
    assert store.get_into("k", bytearray(3)) == 3
    # No ranged reads: get_stream reads the object once and slices it.
    backend.calls.clear()
    assert list(store.get_stream("k", offset=1, length=4, chunk_size=3)) == [b"bcd", b"e"]
    assert [c for c in backend.calls if c[0] == "read"] == [("read", ("k", 0, None))]


# -- streaming ------------------------------------------------------------------------------


def test_chunks_of_bytes_are_views() -> None:
    data = bytes(range(10))
    chunks = list(_chunks_of(data, 4))
    assert [bytes(c) for c in chunks] == [data[0:4], data[4:8], data[8:]]
    assert all(isinstance(c, memoryview) for c in chunks)
    assert list(_chunks_of(b"", 4)) == []


def test_chunks_of_file_object() -> None:
    data = os.urandom(10_000)
    chunks = list(_chunks_of(io.BytesIO(data), 4096))
    assert [len(c) for c in chunks] == [4096, 4096, 1808]
    assert b"".join(chunks) == data
    assert list(_chunks_of(io.BytesIO(b""), 16)) == []


class ShortReads(io.RawIOBase):
    """A raw stream that returns at most 3 bytes per readinto, like a pipe."""

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self.calls = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.calls += 1
        n = min(3, len(self._data), len(buffer))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def test_chunks_of_short_reads_fill_whole_chunks() -> None:
    source = ShortReads(b"abcdefghijk")
    chunks = list(_chunks_of(source, 5))
    assert chunks == [b"abcde", b"fghij", b"k"]
    assert source.calls >= 4


def test_chunks_of_real_pipe() -> None:
    data = os.urandom(300_000)
    read_fd, write_fd = os.pipe()

    def feed() -> None:
        with os.fdopen(write_fd, "wb", buffering=0) as w:
            for i in range(0, len(data), 7_000):  # many small writes: short reads
                w.write(data[i : i + 7_000])

    thread = threading.Thread(target=feed)
    thread.start()
    with os.fdopen(read_fd, "rb", buffering=0) as r:
        chunks = list(_chunks_of(r, 65536))
    thread.join()
    assert b"".join(chunks) == data
    assert all(len(c) == 65536 for c in chunks[:-1])


def test_chunks_of_object_with_read_only() -> None:
    class Reader:
        def __init__(self) -> None:
            self.parts = [b"ab", b"cd", b""]

        def read(self, n: int) -> bytes:
            return self.parts.pop(0)

    assert list(_chunks_of(Reader(), 2)) == [b"ab", b"cd"]  # type: ignore[arg-type]


def test_chunks_of_iterable() -> None:
    def gen() -> Iterator[Buffer]:
        yield b"a"
        yield bytearray(b"bc")
        yield memoryview(b"d")

    assert [bytes(c) for c in _chunks_of(gen(), 100)] == [b"a", b"bc", b"d"]


@pytest.mark.parametrize("source", [["text"], [1, 2], io.StringIO("text")], ids=repr)
def test_chunks_of_rejects_non_bytes(source: Any) -> None:
    with pytest.raises(InvalidArgument):
        list(_chunks_of(source, 4))


def test_put_stream_and_get_stream_round_trip(backend: DictBackend, store: Store) -> None:
    data = os.urandom(50_000)
    assert store.put_stream("k", io.BytesIO(data), chunk_size=8192) == len(data)
    assert bytes(backend.objects["k"]) == data
    chunks = list(store.get_stream("k", chunk_size=8192))
    assert b"".join(chunks) == data
    assert max(len(c) for c in chunks) <= 8192
    assert len(chunks) == 7
    # Ranged streams honour offset and length and the chunk bound.
    part = list(store.get_stream("k", offset=100, length=20_000, chunk_size=3000))
    assert b"".join(part) == data[100:20_100]
    assert all(len(c) <= 3000 for c in part)
    assert list(store.get_stream("k", offset=len(data) + 5)) == []
    out = io.BytesIO()
    assert store.get_to_file("k", out, chunk_size=1000) == len(data)
    assert out.getvalue() == data


def test_put_stream_modes(store: Store) -> None:
    store.put_stream("k", [b"abc", b"def"])
    store.put_stream("k", [b"XY", b"Z"], "w", offset=1)
    assert store.get("k") == b"aXYZef"
    store.put_stream("k", [b"1", b"2"], "wa")
    assert store.get("k") == b"aXYZef12"
    store.put_stream("empty", [])
    assert store.get("empty") == b""
    with pytest.raises(AlreadyExists):
        store.put_stream("k", [b"x"], "create")


def test_get_stream_missing_raises_at_once(store: Store) -> None:
    with pytest.raises(NotFound):
        store.get_stream("missing")  # no iteration needed


@pytest.mark.parametrize("size", [0, -1, True, 1.5])
def test_bad_chunk_size(backend: DictBackend, store: Store, size: Any) -> None:
    with pytest.raises(InvalidArgument):
        store.put_stream("k", [b"x"], chunk_size=size)
    with pytest.raises(InvalidArgument):
        store.get_stream("k", chunk_size=size)
    assert backend.calls == []


def test_put_stream_memory_stays_bounded() -> None:
    # A 64 MiB source streamed in 64 KiB chunks: no chunk the backend sees is larger.
    seen: list[int] = []

    class Counting(DictBackend):
        def write_stream(
            self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
        ) -> int:
            total = 0
            for chunk in chunks:
                seen.append(len(chunk))
                total += len(chunk)
            return total

    class Zeros(io.RawIOBase):
        def __init__(self, size: int) -> None:
            self.left = size

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            n = min(self.left, len(buffer))
            buffer[:n] = bytes(n)
            self.left -= n
            return n

    store = Store(Counting())
    assert store.put_stream("k", Zeros(64 << 20), chunk_size=64 << 10) == 64 << 20
    assert max(seen) == 64 << 10 and len(seen) == 1024


# -- layers ----------------------------------------------------------------------------------


def test_with_layers_wraps_innermost_first(backend: DictBackend, store: Store) -> None:
    order: list[str] = []

    class Tag(Layer):
        def __init__(self, tag: str) -> None:
            self.tag = tag

        def read(self, key: str, offset: int, length: int | None) -> bytes:
            order.append(self.tag)
            return self.inner.read(key, offset, length)

    metrics = MetricsLayer()
    layered = store.with_layers(Tag("inner"), Tag("outer"), metrics)
    layered.put("k", b"v")
    assert layered.get("k") == b"v"
    assert order == ["outer", "inner"]
    assert metrics.stats["get"].count == 1
    assert layered.name == store.name
    assert isinstance(layered.backend, MetricsLayer)
    layered.close()
    assert backend.closed == 1


def test_open_with_layers_keyword() -> None:
    metrics = MetricsLayer()
    with objstore.open("memory", layers=[metrics]) as store:
        store.put("k", b"v")
    assert metrics.stats["put"].count == 1
