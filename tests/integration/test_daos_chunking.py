"""The daos backend's chunk layout, over the pydaos test double and, when available, DAOS.

Each test gets its own namespace (so its own pair of DDicts) and inspects the chunks
through the pydaos API itself, so the same assertions hold on a real pool. The real run
needs ``pydaos`` importable and ``DAOS_POOL``/``DAOS_CONT`` naming a PYTHON container.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import objstore
from objstore import AlreadyExists, NotFound, PermissionDenied, Store

DOUBLE = "tests.pydaos_double"
REAL = bool(
    importlib.util.find_spec("pydaos")
    and os.environ.get("DAOS_POOL")
    and os.environ.get("DAOS_CONT")
)
MODULES = [
    pytest.param(DOUBLE, id="double"),
    pytest.param(
        "pydaos",
        id="pydaos",
        marks=pytest.mark.skipif(
            not REAL, reason="real pydaos not importable or DAOS_POOL/DAOS_CONT not set"
        ),
    ),
]
CS = 16  # a small chunk size makes every boundary easy to hit


@dataclass
class Daos:
    """An open store plus a view of its two dictionaries through pydaos itself."""

    store: Store
    module: Any
    cont: Any
    namespace: str
    options: dict[str, Any]

    def keys(self, which: str) -> set[str]:
        return set(self.cont.get(f"{self.namespace}.{which}"))

    def reopen(self, **changes: Any) -> Store:
        return objstore.open("daos", **{**self.options, **changes})


@pytest.fixture(params=MODULES)
def daos(request: pytest.FixtureRequest) -> Iterator[Daos]:
    module_name: str = request.param
    if module_name == DOUBLE:
        pool, cont = "objstore-test", "objstore-test"
    else:
        pool, cont = os.environ["DAOS_POOL"], os.environ["DAOS_CONT"]
    module = importlib.import_module(module_name)
    namespace = f"t{uuid.uuid4().hex[:10]}"
    options: dict[str, Any] = {
        "pool": pool,
        "container": cont,
        "pydaos_module": module_name,
        "chunk_size": CS,
        "namespace": namespace,
    }
    store = objstore.open("daos", **options)
    handle = module.DCont(pool, cont)
    yield Daos(store, module, handle, namespace, options)
    store.close()
    for name in (f"{namespace}.meta", f"{namespace}.data"):
        handle.destroy(name)


def test_write_crossing_chunk_boundaries(daos: Daos) -> None:
    store = daos.store
    store.put("k", bytes(range(50)))  # chunks 0..3, the last one 2 bytes long
    assert len(daos.keys("data")) == 4
    store.put("k", b"ABCDEFGHIJ", "w", offset=12)  # spans chunks 0 and 1, partially each
    expected = bytearray(range(50))
    expected[12:22] = b"ABCDEFGHIJ"
    assert store.get("k") == bytes(expected)
    assert store.get("k", 14, 20) == bytes(expected[14:34])
    assert len(daos.keys("data")) == 4, "a partial rewrite must not add chunks"


def test_offset_write_far_beyond_end_is_sparse(daos: Daos) -> None:
    store = daos.store
    far = 10**9  # 62.5 million chunks of 16 bytes if the gap were materialised
    store.put("sparse", b"head")
    store.put("sparse", b"tail!", "w", offset=far)
    assert store.stat("sparse").size == far + 5
    assert len(daos.keys("data")) == 2, "only the written chunks may exist"
    assert store.get("sparse", far - 3, 10) == b"\0\0\0tail!"
    assert store.get("sparse", 0, 6) == b"head\0\0"
    assert store.get("sparse", 5 * 10**8, 40) == bytes(40)  # inside the gap: zeros
    buffer = bytearray(b"\xff" * 12)
    assert store.get_into("sparse", buffer, offset=far - 4) == 9
    assert bytes(buffer) == b"\0\0\0\0tail!\xff\xff\xff"


def test_appends_of_odd_sizes(daos: Daos) -> None:
    store = daos.store
    expected = b""
    for size in (1, 3, 7, 15, 16, 17, 31, 33, 5, 0, 2):
        piece = bytes((size * 7 + i) % 251 for i in range(size))
        store.put("log", piece, "wa")
        expected += piece
        assert store.get("log") == expected
    assert store.stat("log").size == len(expected)
    assert len(daos.keys("data")) == -(-len(expected) // CS)


def test_empty_objects(daos: Daos) -> None:
    store = daos.store
    store.put("empty", b"")
    store.put("zero-w", b"", "w", offset=100)  # creates, size 0: zero-length w never extends
    store.put("made", b"", "create")
    for key in ("empty", "zero-w", "made"):
        assert store.get(key) == b""
        assert store.stat(key).size == 0
    assert daos.keys("data") == set(), "an empty object has no chunk"
    assert {"empty", "zero-w", "made"} <= daos.keys("meta")
    store.put("full", b"x" * 40)
    store.put("full", b"")  # wf to empty removes every old chunk
    assert store.get("full") == b""
    assert daos.keys("data") == set()


def test_delete_large_object_removes_every_chunk(daos: Daos) -> None:
    store = daos.store
    store.put("keep", b"k" * 20)
    keep = daos.keys("data")
    store.put("big", bytes(1000))  # 63 chunks
    store.put("big", b"z", "w", offset=5000)  # plus one sparse chunk
    store.set_xattr("big", "owner", b"me")
    assert len(daos.keys("data")) == len(keep) + 64
    store.delete("big")
    assert daos.keys("data") == keep
    assert "big" not in daos.keys("meta")
    with pytest.raises(NotFound):
        store.get("big")
    store.put("big", b"new", "create")  # no attribute survives the re-creation
    assert store.list_xattrs("big") == []


def test_write_full_replaces_generation(daos: Daos) -> None:
    store = daos.store
    store.put("obj", b"a" * 100)
    first = daos.keys("data")
    store.set_xattr("obj", "n", b"v")
    store.put("obj", b"b" * 40)
    second = daos.keys("data")
    assert len(second) == 3 and not first & second, "wf writes a new generation"
    assert store.get("obj") == b"b" * 40
    assert store.get_xattr("obj", "n") == b"v", "wf keeps attributes"


def test_list_never_shows_internal_keys(daos: Daos) -> None:
    store = daos.store
    store.put("a/1", b"x" * 70)
    store.put("a/2", b"")
    store.put("b", b"y", "create")
    store.put("c", b"q", "w", offset=999)
    assert sorted(store.list()) == ["a/1", "a/2", "b", "c"]
    assert sorted(store.list("a/")) == ["a/1", "a/2"]
    assert list(store.list("zzz")) == []
    store.delete("b")
    assert sorted(store.list()) == ["a/1", "a/2", "c"]


def test_existing_objects_keep_their_chunk_size(daos: Daos) -> None:
    daos.store.put("k", bytes(range(40)))
    other = daos.reopen(chunk_size=7)
    other.put("k", b"XY", "w", offset=15)
    expected = bytearray(range(40))
    expected[15:17] = b"XY"
    assert other.get("k") == bytes(expected)
    assert len(daos.keys("data")) == 3, "the object still has 16-byte chunks"
    other.close()


def test_racing_creates_exactly_one_wins(daos: Daos) -> None:
    stores = [daos.reopen() for _ in range(6)]  # separate handles, like separate clients
    wins: list[int] = []
    losses: list[int] = []
    barrier = threading.Barrier(len(stores))

    def create(i: int) -> None:
        barrier.wait()
        try:
            stores[i].put("one", bytes([i]) * 20, "create")
            wins.append(i)
        except AlreadyExists:
            losses.append(i)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(len(stores))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and len(losses) == len(stores) - 1
    assert daos.store.get("one") == bytes([wins[0]]) * 20
    for s in stores:
        s.close()
    daos.store.delete("one")
    daos.store.put("one", b"again", "create")  # the claim went with the object


def test_readers_see_old_or_new_during_write_full(daos: Daos) -> None:
    store = daos.store
    old, new = b"o" * 200, b"n" * 330
    store.put("obj", old)
    stop = threading.Event()
    seen: set[bytes] = set()

    def reader() -> None:
        reader_store = daos.reopen()
        while not stop.is_set():
            seen.add(reader_store.get("obj"))
        reader_store.close()

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(60):
        store.put("obj", new if i % 2 else old)
    stop.set()
    thread.join()
    assert seen <= {old, new}, f"a reader saw a mix: {sorted(len(s) for s in seen)}"


def test_read_only_store_refuses_writes(daos: Daos) -> None:
    daos.store.put("k", b"data")
    reader = daos.reopen(open_mode="RO")
    assert reader.get("k") == b"data"
    with pytest.raises(PermissionDenied) as info:
        reader.put("k", b"other")
    assert isinstance(info.value.__cause__, daos.module.PyDError)
    reader.close()
    assert daos.store.get("k") == b"data"


def test_describe_names_the_test_double(daos: Daos) -> None:
    info = daos.store.describe()
    if daos.module.__name__ == DOUBLE:
        assert "TEST DOUBLE" in info["test_double"]
        assert daos.store.capabilities.persistent is False
    else:
        assert "test_double" not in info
