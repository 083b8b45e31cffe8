"""memory backend specifics: options, registration and thread safety."""

from __future__ import annotations

import contextlib
import random
import threading
from typing import Any

import pytest

import objstore
from backends.memory import NAME, objstore_register_backends
from backends.memory.backend import CAPABILITIES, MemoryBackend
from backends.memory.config import MemoryConfig
from objstore.errors import AlreadyExists, ConfigError, InvalidArgument, NotFound
from objstore.registry import BackendRegistry
from objstore.store import Store
from objstore.testing.threads import run_threads_or_raise

# -- config and registration ---------------------------------------------------------------------


def test_config() -> None:
    assert MemoryConfig.from_mapping({}) == MemoryConfig(max_object_size=0)
    assert MemoryConfig.from_mapping({"max_object_size": 10}).max_object_size == 10
    assert MemoryConfig.from_mapping({"max_object_size": "10"}).max_object_size == 10  # URL
    assert MemoryConfig.option_names() == ("max_object_size",)


@pytest.mark.parametrize(
    "options",
    [
        {"max_object_size": -1},
        {"max_object_size": True},
        {"max_object_size": "ten"},
        {"max_object_size": 1.5},
        {"other": 1},
    ],
)
def test_config_rejects(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        MemoryConfig.from_mapping(options)


def test_registration() -> None:
    registry = BackendRegistry()
    objstore_register_backends(registry)
    info = registry.get(NAME)
    assert info.factory == "backends.memory.backend:MemoryBackend"
    assert info.load_factory() is MemoryBackend
    assert info.capabilities == CAPABILITIES
    assert info.option_names == ("max_object_size",)
    assert info.unavailable_reason() is None


def test_capabilities_declared() -> None:
    caps = MemoryBackend().capabilities
    assert caps.thread_safe and caps.atomic_write_full and caps.atomic_append
    assert caps.create_exclusive and caps.metadata and caps.read_into
    assert not caps.persistent  # data lives as long as the store


def test_stores_do_not_share_data() -> None:
    # No global state: two stores are two namespaces.
    with objstore.open("memory") as a, objstore.open("memory") as b:
        a.put("k", b"v")
        assert not b.exists("k")


def test_describe_counts_objects() -> None:
    store = objstore.open("memory")
    store.put("a", b"")
    store.put("b", b"")
    assert store.describe() == {"backend": "memory", "objects": "2"}


# -- max_object_size -----------------------------------------------------------------------------


def test_max_object_size() -> None:
    store = objstore.open("memory", max_object_size=100)
    assert store.capabilities.max_object_size == 100
    store.put("k", bytes(100))
    with pytest.raises(InvalidArgument, match="at most 100"):
        store.put("k", bytes(101))
    with pytest.raises(InvalidArgument):
        store.put("k", b"x", "w", 100)
    store.put("a", bytes(60))
    with pytest.raises(InvalidArgument):
        store.put("a", bytes(41), "wa")  # only the backend knows where an append ends
    store.put("a", bytes(40), "wa")
    with pytest.raises(InvalidArgument):
        store.put("new", bytes(101), "wa")
    assert not store.exists("new")
    assert store.get("k") == bytes(100)  # nothing was changed by the refused writes
    with pytest.raises(InvalidArgument):
        store.put_stream("s", [bytes(60), bytes(60)])
    assert not store.exists("s")  # the staged stream never became an object


def test_max_object_size_default_is_unlimited() -> None:
    store = objstore.open("memory")
    store.put("k", bytes(5 << 20))
    assert store.stat("k").size == 5 << 20


# -- behaviour -----------------------------------------------------------------------------------


def test_read_into_releases_the_object_buffer() -> None:
    # An exported view of the bytearray would make later appends fail with BufferError.
    store = objstore.open("memory")
    store.put("k", b"abc")
    buf = bytearray(2)
    assert store.get_into("k", buf, 1) == 2 and buf == b"bc"
    store.put("k", b"def", "wa")
    assert store.get("k") == b"abcdef"


def test_written_buffers_are_copied() -> None:
    store = objstore.open("memory")
    data = bytearray(b"abc")
    store.put("k", data)
    data[0] = ord("X")
    assert store.get("k") == b"abc"
    got = store.get("k")
    assert isinstance(got, bytes)


def test_empty_w_creates_but_never_extends() -> None:
    store = objstore.open("memory")
    store.put("k", b"", "w", 10)
    assert store.get("k") == b""
    store.put("k", b"ab")
    store.put("k", b"", "w", 10)
    assert store.get("k") == b"ab"


def test_mtime_moves_on_write() -> None:
    store = objstore.open("memory")
    store.put("k", b"a")
    first = store.stat("k").mtime
    store.put("k", b"b", "wa")
    assert store.stat("k").mtime >= first


def test_metadata_errors() -> None:
    store = objstore.open("memory")
    with pytest.raises(NotFound):
        store.set_xattr("k", "a", b"v")  # set_xattr never creates the object
    store.put("k", b"")
    with pytest.raises(NotFound, match="'a' not set"):
        store.get_xattr("k", "a")
    with pytest.raises(NotFound):
        store.remove_xattr("k", "a")
    store.set_xattr("k", "a", b"")  # an empty value is a value
    assert store.get_xattr("k", "a") == b""
    store.put("k", b"replaced")
    assert store.list_xattrs("k") == ["a"]  # wf keeps metadata
    store.delete("k")
    store.put("k", b"")
    assert store.list_xattrs("k") == []  # a new object starts bare


# -- thread safety ---------------------------------------------------------------------------------


def test_sixteen_threads_mixing_operations() -> None:
    store = Store(MemoryBackend())
    rounds = 150
    record = 16

    def work(i: int) -> None:
        rng = random.Random(i)
        own = f"own/{i}"
        expected = b""
        for n in range(rounds):
            entry = f"{i:04d}:{n:010d}\n".encode()
            assert len(entry) == record
            store.put("shared/log", entry, "wa")
            op = rng.randrange(6)
            if op == 0:
                expected = bytes([i]) * rng.randrange(1, 64)
                store.put(own, expected)
            elif op == 1:
                expected += b"+"
                store.put(own, b"+", "wa")
            elif op == 2 and expected:
                store.put(own, b"w", "w", len(expected) - 1)
                expected = expected[:-1] + b"w"
            elif op == 3:
                assert store.get(own) == expected if expected else not store.exists(own)
            elif op == 4:
                keys = set(store.list("own/"))
                assert own in keys or not expected
            else:
                with contextlib.suppress(AlreadyExists):
                    store.put(f"race/{n}", bytes([i]), "create")
                store.set_xattr(f"race/{n}", f"t{i}", b"1")
            whole = store.get("shared/log")
            assert len(whole) % record == 0  # appends never tear
        assert store.get(own) == expected if expected else True

    run_threads_or_raise(16, work)
    log = store.get("shared/log")
    assert len(log) == 16 * rounds * record
    entries = log.splitlines()
    assert len(set(entries)) == len(entries)  # none lost, none doubled
    for i in range(16):
        mine = [int(e.split(b":")[1]) for e in entries if e.startswith(f"{i:04d}:".encode())]
        assert mine == list(range(rounds))  # each thread's appends in its own order
    for key in store.list("race/"):
        value = store.get(key)
        assert len(value) == 1  # exactly one creator won


def test_concurrent_create_has_one_winner() -> None:
    store = objstore.open("memory")
    lock = threading.Lock()
    for round_ in range(20):
        winners: list[int] = []

        def create(i: int, key: str = f"k{round_}", winners: list[int] = winners) -> None:
            try:
                store.put(key, bytes([i]) * 100, "create")
            except AlreadyExists:
                return
            with lock:
                winners.append(i)

        run_threads_or_raise(16, create)
        assert len(winners) == 1
        assert store.get(f"k{round_}") == bytes([winners[0]]) * 100


def test_readers_see_old_or_new_during_write_full() -> None:
    store = objstore.open("memory")
    store.put("k", b"a" * 4096)
    stop = threading.Event()
    torn: list[bytes] = []

    def reader() -> None:
        while not stop.is_set():
            data = store.get("k")
            if len(set(data)) != 1 or len(data) not in (4096, 8192):
                torn.append(data[:16])

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for n in range(2000):
        store.put("k", (b"b" * 8192) if n % 2 else (b"a" * 4096))
    stop.set()
    for t in threads:
        t.join()
    assert torn == []
