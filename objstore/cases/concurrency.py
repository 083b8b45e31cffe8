"""concurrency: many threads on one store; races the spec says have one winner."""

from __future__ import annotations

import threading

from objstore.cases import case
from objstore.cases._data import payload
from objstore.errors import AlreadyExists
from objstore.spec import WriteMode
from objstore.store import Store
from objstore.testing.threads import run_threads


@case(requires=("thread_safe",))
def test_16_threads_distinct_keys(store: Store) -> None:
    """16 threads writing and reading their own keys lose nothing."""

    def work(i: int) -> None:
        for j in range(20):
            store.put(f"t{i}-{j}", payload(1000 + i, seed=i * 100 + j))
        for j in range(20):
            assert store.get(f"t{i}-{j}") == payload(1000 + i, seed=i * 100 + j)

    errors = run_threads(16, work)
    assert not errors, f"{len(errors)} threads failed: {errors[0]!r}"
    assert len(list(store.list())) == 16 * 20


@case(requires=("thread_safe", "create_exclusive"))
def test_create_race_8_threads_one_winner(store: Store) -> None:
    """8 threads create the same key at once: exactly one wins, the others get AlreadyExists."""
    for round_ in range(5):
        winners: list[int] = []
        lock = threading.Lock()

        def work(
            i: int,
            key: str = f"race-{round_}",
            winners: list[int] = winners,
            lock: threading.Lock = lock,
        ) -> None:
            try:
                store.put(key, f"winner-{i}".encode(), WriteMode.CREATE)
            except AlreadyExists:
                return
            with lock:
                winners.append(i)

        errors = run_threads(8, work)
        assert not errors, f"unexpected errors: {errors[:2]!r}"
        assert len(winners) == 1, f"round {round_}: {len(winners)} winners {winners}"
        assert store.get(f"race-{round_}") == f"winner-{winners[0]}".encode()


@case(requires=("thread_safe", "atomic_append"))
def test_appends_16run_threads(store: Store) -> None:
    """16 threads x 50 appends of distinct 512-byte records: all present, none torn."""
    record = 512

    def rec(i: int, j: int) -> bytes:
        head = f"{i:02d}:{j:03d}|".encode()
        return head + bytes([65 + i]) * (record - len(head))

    def work(i: int) -> None:
        for j in range(50):
            store.put("log", rec(i, j), WriteMode.APPEND)

    errors = run_threads(16, work)
    assert not errors, f"{len(errors)} threads failed: {errors[0]!r}"
    data = store.get("log")
    assert len(data) == 16 * 50 * record, f"size {len(data)}, expected {16 * 50 * record}"
    seen = {data[k : k + record] for k in range(0, len(data), record)}
    expected = {rec(i, j) for i in range(16) for j in range(50)}
    assert seen == expected, f"{len(expected - seen)} records missing or torn"


@case(requires=("thread_safe", "atomic_write_full"))
def test_readers_see_old_or_new_during_wf(store: Store) -> None:
    """While one thread replaces an object with wf, readers only ever see a whole version."""
    versions = [bytes([v]) * 65536 for v in range(1, 6)]
    store.put("obj", versions[0])
    stop = threading.Event()
    bad: list[int] = []

    def reader() -> None:
        while not stop.is_set():
            data = store.get("obj")
            if data not in versions:
                bad.append(len(data))

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for _ in range(20):
            for v in versions:
                store.put("obj", v)
    finally:
        stop.set()
        for t in readers:
            t.join(timeout=60)
    assert not bad, f"readers saw {len(bad)} torn versions (sizes {bad[:5]})"


@case(requires=("thread_safe", "offset_write", "ranged_read"))
def test_disjoint_offset_writes(store: Store) -> None:
    """8 threads writing disjoint ranges of one object produce the union of their writes."""
    block = 4096
    store.put("obj", bytes(8 * block))

    def work(i: int) -> None:
        store.put("obj", bytes([i + 1]) * block, WriteMode.WRITE, i * block)

    errors = run_threads(8, work)
    assert not errors, f"threads failed: {errors[:2]!r}"
    data = store.get("obj")
    for i in range(8):
        assert data[i * block : (i + 1) * block] == bytes([i + 1]) * block, f"block {i} wrong"


@case(requires=("thread_safe",))
def test_delete_race_8run_threads(store: Store) -> None:
    """8 threads delete one object: at least one succeeds, the rest get NotFound, it is gone."""
    from objstore.errors import NotFound

    for round_ in range(5):
        key = f"victim-{round_}"
        store.put(key, b"x" * 100)
        deleted: list[int] = []
        lock = threading.Lock()

        def work(
            i: int, key: str = key, deleted: list[int] = deleted, lock: threading.Lock = lock
        ) -> None:
            try:
                store.delete(key)
            except NotFound:
                return
            with lock:
                deleted.append(i)

        errors = run_threads(8, work)
        assert not errors, f"unexpected errors: {errors[:2]!r}"
        assert deleted, f"round {round_}: no thread deleted the object"
        assert not store.exists(key), f"round {round_}: object survived"
    assert list(store.list()) == []


@case(requires=("thread_safe", "metadata"))
def test_xattrs_from_8run_threads(store: Store) -> None:
    """8 threads setting different attributes on one object: all attributes are kept."""
    store.put("obj", b"data")

    def work(i: int) -> None:
        for j in range(5):
            store.set_xattr("obj", f"t{i}-{j}", f"{i}:{j}".encode())

    errors = run_threads(8, work)
    assert not errors, f"threads failed: {errors[:2]!r}"
    names = store.list_xattrs("obj")
    assert len(names) == 40, f"{len(names)} attributes kept of 40"
    assert store.get("obj") == b"data"
