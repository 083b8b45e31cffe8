"""stream: objects far larger than the chunk size, in bounded memory."""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Iterator

from objstore.cases import case
from objstore.cases._data import MiB, chunks, digest, payload
from objstore.errors import AlreadyExists, NotFound
from objstore.model import apply_write
from objstore.spec import WriteMode
from objstore.store import Store


def _stream_roundtrip(store: Store, total: int, chunk: int) -> None:
    written = store.put_stream("big", chunks(total, chunk, seed=5), chunk_size=chunk)
    assert written == total, f"put_stream wrote {written}, expected {total}"
    assert store.stat("big").size == total
    expected = digest(chunks(total, chunk, seed=5))
    pieces = store.get_stream("big", chunk_size=chunk)
    sizes = []

    def tracked() -> object:
        for piece in pieces:
            sizes.append(len(piece))
            yield piece

    assert digest(tracked()) == expected, "streamed content differs"  # type: ignore[arg-type]
    assert max(sizes) <= chunk, f"get_stream yielded a {max(sizes)}-byte chunk, over {chunk}"


@case()
def test_4mib_in_1mib_chunks(store: Store) -> None:
    """A 4 MiB object streams in and out in 1 MiB chunks."""
    _stream_roundtrip(store, 4 * MiB, 1 * MiB)


@case(slow=True)
def test_64mib(store: Store) -> None:
    """A 64 MiB object streams in and out in 4 MiB chunks with the same SHA-256."""
    _stream_roundtrip(store, 64 * MiB, 4 * MiB)


@case()
def test_uneven_chunks(store: Store) -> None:
    """A size that is not a multiple of the chunk size streams exactly."""
    _stream_roundtrip(store, 3 * MiB + 12345, 1 * MiB)


@case()
def test_empty_stream(store: Store) -> None:
    """An empty stream creates an empty object; reading it yields nothing."""
    assert store.put_stream("empty", iter(())) == 0
    assert store.stat("empty").size == 0
    assert list(store.get_stream("empty")) == []


@case()
def test_from_file_object(store: Store) -> None:
    """put_stream reads a binary file object; get_to_file writes one."""
    data = payload(2 * MiB + 7, seed=9)
    with tempfile.TemporaryFile() as src:
        src.write(data)
        src.seek(0)
        assert store.put_stream("file", src, chunk_size=256 * 1024) == len(data)
    out = io.BytesIO()
    assert store.get_to_file("file", out, chunk_size=300_000) == len(data)
    assert out.getvalue() == data


@case()
def test_from_pipe_short_reads(store: Store) -> None:
    """A pipe that returns short reads still streams every byte."""
    data = payload(300_000, seed=10)
    read_fd, write_fd = os.pipe()

    def feed() -> None:
        with os.fdopen(write_fd, "wb") as w:
            for i in range(0, len(data), 4096):
                w.write(data[i : i + 4096])
                w.flush()

    feeder = threading.Thread(target=feed)
    feeder.start()
    with os.fdopen(read_fd, "rb", buffering=0) as r:
        assert store.put_stream("pipe", r, chunk_size=64 * 1024) == len(data)
    feeder.join()
    assert store.get("pipe") == data


@case(requires=("ranged_read",))
def test_range(store: Store) -> None:
    """get_stream of a range yields exactly those bytes."""
    data = payload(1 * MiB, seed=11)
    store.put("obj", data)
    got = b"".join(store.get_stream("obj", offset=1000, length=500_000, chunk_size=65536))
    assert got == data[1000:501_000]


@case(requires=("append",))
def test_append_stream(store: Store) -> None:
    """put_stream in mode wa appends the whole stream."""
    store.put("obj", b"head-")
    store.put_stream("obj", [b"a" * 1000, b"b" * 1000], WriteMode.APPEND, chunk_size=512)
    assert store.get("obj") == b"head-" + b"a" * 1000 + b"b" * 1000


@case(requires=("write_full",))
def test_wf_stream_replaces_larger(store: Store) -> None:
    """Streaming wf over a larger object leaves only the new bytes."""
    store.put("obj", b"x" * (2 * MiB))
    store.put_stream("obj", [b"new"])
    assert store.get("obj") == b"new"


@case()
def test_missing_raises_at_once(store: Store) -> None:
    """get_stream of a missing object raises NotFound when called, not later."""
    try:
        store.get_stream("missing")
    except NotFound:
        return
    raise AssertionError("get_stream did not raise NotFound")


@case(slow=True, requires=("append",))
def test_64mib_append(store: Store) -> None:
    """A 64 MiB stream appended to an existing object follows it byte for byte."""
    store.put("big", b"head")
    written = store.put_stream(
        "big", chunks(64 * MiB, 4 * MiB, seed=6), WriteMode.APPEND, chunk_size=4 * MiB
    )
    assert written == 64 * MiB
    assert store.stat("big").size == 64 * MiB + 4
    got = digest(store.get_stream("big", chunk_size=4 * MiB))
    want = digest(iter([b"head", *chunks(64 * MiB, 4 * MiB, seed=6)]))
    assert got == want, "appended stream content differs"


@case(slow=True, requires=("offset_write",))
def test_64mib_offset_write(store: Store) -> None:
    """A 64 MiB stream written at an offset past the end leaves a zero gap before it."""
    gap = 1 * MiB + 3
    written = store.put_stream(
        "big", chunks(64 * MiB, 4 * MiB, seed=7), WriteMode.WRITE, offset=gap, chunk_size=4 * MiB
    )
    assert written == 64 * MiB
    assert store.stat("big").size == gap + 64 * MiB
    got = digest(store.get_stream("big", chunk_size=4 * MiB))
    want = digest(iter([bytes(gap), *chunks(64 * MiB, 4 * MiB, seed=7)]))
    assert got == want, "offset stream content differs"


@case(requires=("create_exclusive",))
def test_create_stream(store: Store) -> None:
    """put_stream in mode create writes a new object and refuses an existing one."""
    data = payload(3 * MiB + 1, seed=14)
    assert store.put_stream("obj", io.BytesIO(data), WriteMode.CREATE, chunk_size=MiB) == len(data)
    assert store.get("obj") == data
    try:
        store.put_stream("obj", [b"x"], WriteMode.CREATE)
    except AlreadyExists:
        pass
    else:
        raise AssertionError("stream create over an existing object succeeded")
    assert store.get("obj") == data


@case(requires=("offset_write",))
def test_offset_stream_inside(store: Store) -> None:
    """put_stream in mode w at an offset inside the object overwrites only that range."""
    base = payload(2 * MiB, seed=15)
    store.put("obj", base)
    patch = payload(MiB + 17, seed=16)
    store.put_stream(
        "obj", io.BytesIO(patch), WriteMode.WRITE, offset=500_000, chunk_size=256 * 1024
    )
    assert store.get("obj") == apply_write(base, patch, WriteMode.WRITE, 500_000)


@case(requires=("write_full",))
def test_wf_stream_keeps_old_on_error(store: Store) -> None:
    """A stream whose source fails mid-way raises the source's error (itself or as the cause)."""
    store.put("obj", b"old")

    def broken() -> Iterator[bytes]:
        yield b"a" * 1000
        raise OSError("source broke")

    try:
        store.put_stream("obj", broken(), chunk_size=512)
    except Exception as exc:
        chain: list[BaseException] = []
        link: BaseException | None = exc
        while link is not None and len(chain) < 10:
            chain.append(link)
            link = link.__cause__ or link.__context__
        assert any("source broke" in str(e) for e in chain), f"source error lost: {exc!r}"
    else:
        raise AssertionError("the source's error was swallowed")
    if store.capabilities.stream_write_atomic:
        assert store.get("obj") == b"old", "atomic stream replaced the object with a partial one"
