"""Interceptor layers: each wraps any backend without changing it."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import objstore
from objstore.errors import (
    AlreadyExists,
    BackendError,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    PermissionDenied,
    Timeout,
    Unavailable,
)
from objstore.layers import (
    FaultInjectionLayer,
    Layer,
    MetricsLayer,
    NegativeCacheLayer,
    PrefixLayer,
    RetryLayer,
    TimeoutLayer,
)
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode
from objstore.store import Store


def memory_store(**options: Any) -> Store:
    return objstore.open("memory", **options)


def workload(store: Store, seed: int = 7) -> list[object]:
    """A mixed, deterministic workload; returns every observable result (or error class)."""
    rng = random.Random(seed)
    results: list[object] = []
    keys = [f"k{i}" for i in range(6)] + ["dir/a", "dir/b"]

    def attempt(fn: Callable[..., object], *args: object) -> None:
        try:
            value = fn(*args)
        except ObjstoreError as exc:
            results.append(type(exc).__name__)
        else:
            results.append(sorted(value) if isinstance(value, Iterator) else value)

    def size(key: str) -> int:
        return store.stat(key).size

    for _ in range(300):
        key = rng.choice(keys)
        data = rng.randbytes(rng.randrange(0, 40))
        op = rng.randrange(9)
        if op == 0:
            attempt(store.put, key, data)
        elif op == 1:
            attempt(store.put, key, data, "w", rng.randrange(0, 50))
        elif op == 2:
            attempt(store.put, key, data, "wa")
        elif op == 3:
            attempt(store.put, key, data, "create")
        elif op == 4:
            attempt(store.get, key, rng.randrange(0, 30), rng.choice([None, 5, 100]))
        elif op == 5:
            attempt(store.delete, key)
        elif op == 6:
            attempt(store.list, rng.choice(["", "k", "dir/", "zz"]))
        elif op == 7:
            attempt(size, key)
        else:
            attempt(store.set_xattr, key, "a", data)
            attempt(store.get_xattrs, key)
    return results


# -- Layer ------------------------------------------------------------------------------------


def test_pass_through_layer_equals_bare_backend() -> None:
    bare = workload(memory_store())
    layered = workload(memory_store().with_layers(Layer(), Layer(), Layer()))
    assert layered == bare
    assert "AlreadyExists" in bare and "NotFound" in bare  # the workload hits errors too


def test_pass_through_layer_on_posix(tmp_path: Any) -> None:
    bare = workload(objstore.open("posix", root=str(tmp_path / "a")))
    layered = workload(objstore.open("posix", root=str(tmp_path / "b")).with_layers(Layer()))
    assert layered == bare


def test_layer_copies_name_and_capabilities_and_forwards_everything() -> None:
    store = memory_store()
    layer = Layer().wrap(store.backend)
    assert layer.name == "memory"
    assert layer.capabilities == store.capabilities
    layer.write("k", b"abc", WriteMode.WRITE_FULL, 0)
    buf = memoryview(bytearray(2))
    assert layer.read_into("k", 1, buf) == 2 and bytes(buf) == b"bc"
    n = layer.write_stream("s", [b"a", b"b"], WriteMode.WRITE_FULL)
    assert n == 2 and layer.read("s", 0, None) == b"ab"
    layer.set_xattr("k", "n", b"v")
    assert layer.list_xattrs("k") == ["n"] and layer.get_xattr("k", "n") == b"v"
    layer.remove_xattr("k", "n")
    assert layer.describe() == store.backend.describe()
    layer.delete("k")
    assert sorted(layer.list("")) == ["s"]


class AioBackend(Backend):
    """Records the native asynchronous calls it receives."""

    name = "aio"
    capabilities = Capabilities(write_full=True, ranged_read=True, aio=True)

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}
        self.flushed = 0

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self.data[key] = bytes(data)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        if key not in self.data:
            raise NotFound("missing", backend="aio", key=key)
        return self.data[key][offset : None if length is None else offset + length]

    def delete(self, key: str) -> None:
        del self.data[key]

    def list(self, prefix: str) -> Iterator[str]:
        return iter([k for k in self.data if k.startswith(prefix)])

    def stat(self, key: str) -> ObjectStat:
        return ObjectStat(key, len(self.data[key]), 0.0)

    def aio_write(
        self,
        key: str,
        data: Buffer,
        mode: WriteMode,
        offset: int,
        on_done: Callable[[ObjstoreError | None], None],
    ) -> None:
        self.write(key, data, mode, offset)
        on_done(None)

    def aio_read(
        self,
        key: str,
        offset: int,
        length: int,
        on_done: Callable[[bytes | None, ObjstoreError | None], None],
    ) -> None:
        try:
            on_done(self.read(key, offset, length), None)
        except NotFound as exc:
            on_done(None, exc)

    def aio_flush(self) -> None:
        self.flushed += 1


def test_layers_forward_the_native_async_path() -> None:
    # A layer copies ``aio=True`` from its inner backend, so it must forward aio_* too.
    inner = AioBackend()
    outer = PrefixLayer("run1/").wrap(Layer().wrap(NegativeCacheLayer().wrap(inner)))
    assert outer.capabilities.aio
    errors: list[ObjstoreError | None] = []
    outer.aio_write("k", b"data", WriteMode.WRITE_FULL, 0, errors.append)
    assert errors == [None] and inner.data == {"run1/k": b"data"}
    got: list[tuple[bytes | None, ObjstoreError | None]] = []
    outer.aio_read("k", 1, 2, lambda d, e: got.append((d, e)))
    outer.aio_read("gone", 0, 2, lambda d, e: got.append((d, e)))
    assert got[0] == (b"at", None)
    assert got[1][0] is None and isinstance(got[1][1], NotFound)
    assert got[1][1].key == "gone"  # the prefix is stripped from error keys
    outer.aio_flush()
    assert inner.flushed == 1


# -- a scriptable backend for failure tests ------------------------------------------------------


class Flaky(Backend):
    """Fails the first ``failures`` calls of each operation with ``error``."""

    name = "flaky"
    capabilities = Capabilities(
        write_full=True,
        offset_write=True,
        append=True,
        create_exclusive=True,
        ranged_read=True,
        metadata=True,
    )

    def __init__(self, failures: int, error: type[ObjstoreError] = Unavailable) -> None:
        self.failures = failures
        self.error = error
        self.calls: dict[str, int] = {}
        self.data: dict[str, bytes] = {}

    def _op(self, op: str) -> None:
        self.calls[op] = self.calls.get(op, 0) + 1
        if self.calls[op] <= self.failures:
            raise self.error("flaky", backend=self.name, op=op)

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self._op(f"write-{mode.value}")
        self.data[key] = bytes(data)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        self._op("read")
        return self.data.get(key, b"")

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        self._op("read_into")
        return 0

    def delete(self, key: str) -> None:
        self._op("delete")

    def list(self, prefix: str) -> Iterator[str]:
        self._op("list")
        return iter(sorted(self.data))

    def stat(self, key: str) -> ObjectStat:
        self._op("stat")
        return ObjectStat(key, 0, 0.0)

    def get_xattr(self, key: str, name: str) -> bytes:
        self._op("get_xattr")
        return b"v"


# -- RetryLayer ----------------------------------------------------------------------------------


def test_retry_recovers_from_transient_errors() -> None:
    flaky = Flaky(failures=2)
    retry = RetryLayer(attempts=3, backoff=0.0)
    store = Store(flaky).with_layers(retry)
    store.put("k", b"v")
    store.put("k", b"v", "w")
    assert store.get("k") == b"v"
    assert store.get_into("k", bytearray(1)) == 0
    assert store.stat("k").size == 0
    assert store.get_xattr("k", "a") == b"v"
    for op in ("write-wf", "write-w", "read", "read_into", "stat", "get_xattr"):
        assert flaky.calls[op] == 3, op
    assert retry.retries == 12


def test_retry_gives_up_after_attempts() -> None:
    flaky = Flaky(failures=10)
    store = Store(flaky).with_layers(RetryLayer(attempts=4, backoff=0.0))
    with pytest.raises(Unavailable):
        store.get("k")
    assert flaky.calls["read"] == 4


def test_retry_covers_timeouts() -> None:
    flaky = Flaky(failures=1, error=Timeout)
    store = Store(flaky).with_layers(RetryLayer(attempts=2, backoff=0.0))
    store.get("k")
    assert flaky.calls["read"] == 2


@pytest.mark.parametrize("error", [NotFound, PermissionDenied, BackendError, InvalidArgument])
def test_retry_never_retries_permanent_errors(error: type[ObjstoreError]) -> None:
    flaky = Flaky(failures=1, error=error)
    store = Store(flaky).with_layers(RetryLayer(attempts=5, backoff=0.0))
    with pytest.raises(error):
        store.get("k")
    assert flaky.calls["read"] == 1


@pytest.mark.parametrize("mode", ["wa", "create"])
def test_retry_never_repeats_append_or_create(mode: str) -> None:
    # A lost acknowledgement would otherwise apply them twice.
    flaky = Flaky(failures=1)
    store = Store(flaky).with_layers(RetryLayer(attempts=5, backoff=0.0))
    with pytest.raises(Unavailable):
        store.put("k", b"v", mode)
    assert flaky.calls[f"write-{mode}"] == 1


def test_retry_backoff_grows_and_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("objstore.layers.time.sleep", sleeps.append)
    monkeypatch.setattr("objstore.layers.random.random", lambda: 0.5)  # no jitter
    store = Store(Flaky(failures=10)).with_layers(
        RetryLayer(attempts=5, backoff=0.1, max_backoff=0.3)
    )
    with pytest.raises(Unavailable):
        store.get("k")
    assert sleeps == pytest.approx([0.1, 0.2, 0.3, 0.3])


@pytest.mark.parametrize("attempts", [0, -1, True])
def test_retry_attempts_must_be_positive(attempts: Any) -> None:
    with pytest.raises(InvalidArgument):
        RetryLayer(attempts=attempts)


# -- TimeoutLayer --------------------------------------------------------------------------------


class Stalled(Flaky):
    """Every read blocks until released."""

    def __init__(self) -> None:
        super().__init__(failures=0)
        self.release = threading.Event()

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        self.release.wait(10)
        return b"late"

    def list(self, prefix: str) -> Iterator[str]:
        self.release.wait(10)
        return iter(())


def test_timeout_raises_on_a_stalled_backend_within_bound() -> None:
    stalled = Stalled()
    layer = TimeoutLayer(seconds=0.2)
    store = Store(stalled).with_layers(layer)
    try:
        start = time.monotonic()
        with pytest.raises(Timeout) as info:
            store.get("k")
        elapsed = time.monotonic() - start
        assert 0.15 <= elapsed < 2.0
        assert info.value.retryable and isinstance(info.value, Unavailable)
        assert (info.value.backend, info.value.op, info.value.key) == ("flaky", "get", "k")
        with pytest.raises(Timeout):
            list(store.list())
        # Fast operations are unaffected and their errors come through as they are.
        store.put("k", b"v")
        assert store.stat("k").size == 0
    finally:
        stalled.release.set()
        store.close()


def test_timeout_passes_errors_through() -> None:
    store = Store(Flaky(failures=1, error=NotFound)).with_layers(TimeoutLayer(seconds=5))
    with pytest.raises(NotFound):
        store.stat("k")
    store.close()


# -- MetricsLayer --------------------------------------------------------------------------------


def test_metrics_counts_ops_errors_and_bytes() -> None:
    metrics = MetricsLayer()
    store = memory_store().with_layers(metrics)
    store.put("a", b"12345")
    store.put("b", b"12", "wa")
    assert store.get("a") == b"12345"
    assert store.get("a", 1, 2) == b"23"
    assert store.get_into("a", bytearray(10)) == 5
    with pytest.raises(NotFound):
        store.get("missing")
    with pytest.raises(AlreadyExists):
        store.put("a", b"x", "create")
    store.stat("a")
    store.delete("a")
    stats = metrics.stats
    assert stats["put"].count == 3
    assert stats["put"].bytes == 7  # the failed create is not counted as bytes
    assert stats["put"].errors == {"AlreadyExists": 1}
    assert stats["get"].count == 4
    assert stats["get"].bytes == 5 + 2 + 5
    assert stats["get"].errors == {"NotFound": 1}
    assert stats["stat"].count == 1 and stats["delete"].count == 1
    assert all(entry.seconds >= 0 for entry in stats.values())


def test_metrics_keeps_non_taxonomy_exceptions() -> None:
    # A backend bug (a plain exception) must reach the caller as it is.
    class Broken(Flaky):
        def read(self, key: str, offset: int, length: int | None) -> bytes:
            raise RuntimeError("backend bug")

    metrics = MetricsLayer()
    store = Store(Broken(failures=0)).with_layers(metrics)
    with pytest.raises(RuntimeError, match="backend bug"):
        store.get("k")
    assert metrics.stats["get"].errors == {"RuntimeError": 1}


def test_metrics_thread_safe_counts() -> None:
    metrics = MetricsLayer()
    store = memory_store().with_layers(metrics)

    def work(i: int) -> None:
        for j in range(200):
            store.put(f"{i}-{j}", b"x")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert metrics.stats["put"].count == 1600
    assert metrics.stats["put"].bytes == 1600


# -- FaultInjectionLayer -------------------------------------------------------------------------


def _injected(rate: float, seed: int, n: int = 2000) -> tuple[int, int]:
    fault = FaultInjectionLayer(rate, seed=seed)
    store = memory_store().with_layers(fault)
    store.backend.inner.write("k", b"v", WriteMode.WRITE_FULL, 0)  # type: ignore[attr-defined]
    failures = 0
    for _ in range(n):
        try:
            store.get("k")
        except Unavailable as exc:
            assert exc.op == "get" and exc.key == "k" and exc.backend == "memory"
            failures += 1
    assert failures == fault.injected
    return failures, n


def test_fault_rate_with_a_seed_is_reproducible_and_close() -> None:
    first, n = _injected(0.25, seed=42)
    second, _ = _injected(0.25, seed=42)
    assert first == second
    assert 0.20 * n < first < 0.30 * n


def test_fault_rate_extremes() -> None:
    assert _injected(0.0, seed=1, n=300)[0] == 0
    assert _injected(1.0, seed=1, n=300)[0] == 300


def test_fault_injection_only_on_chosen_ops_and_class() -> None:
    fault = FaultInjectionLayer(1.0, error=PermissionDenied, ops=("put",), seed=0)
    store = memory_store().with_layers(fault)
    with pytest.raises(PermissionDenied):
        store.put("k", b"v")
    with pytest.raises(NotFound):  # get passes through to the real backend
        store.get("k")
    assert list(store.list()) == []
    assert fault.injected == 1


def test_fault_injection_with_retry_recovers() -> None:
    fault = FaultInjectionLayer(0.3, seed=3)
    store = memory_store().with_layers(fault, RetryLayer(attempts=20, backoff=0.0))
    for i in range(100):
        store.put(f"k{i}", b"v")
    for i in range(100):
        assert store.get(f"k{i}") == b"v"
    assert fault.injected > 10


# -- NegativeCacheLayer --------------------------------------------------------------------------


class Counting(Layer):
    """Counts what reaches the backend below the cache."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        self.reads += 1
        return self.inner.read(key, offset, length)

    def stat(self, key: str) -> ObjectStat:
        self.reads += 1
        return self.inner.stat(key)


def test_negative_cache_hit_ttl_and_write_invalidation(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr("objstore.layers.time.monotonic", lambda: now[0])
    counting = Counting()
    cache = NegativeCacheLayer(ttl=5.0)
    store = memory_store().with_layers(counting, cache)

    with pytest.raises(NotFound):
        store.get("k")
    assert counting.reads == 1
    for _ in range(3):  # answered from the cache
        with pytest.raises(NotFound) as info:
            store.stat("k")
        assert info.value.key == "k" and info.value.op == "stat"
    assert counting.reads == 1 and cache.hits == 3
    assert not store.exists("k") and counting.reads == 1

    now[0] += 6.0  # past the ttl: asks the backend again
    with pytest.raises(NotFound):
        store.get("k")
    assert counting.reads == 2

    store.put("k", b"v")  # a write through the layer clears the entry
    assert store.get("k") == b"v"
    assert counting.reads == 3

    store.delete("k")
    assert not store.exists("k")
    store.put_stream("k", [b"a", b"b"])  # so does a streamed write
    assert store.get("k") == b"ab"


def test_negative_cache_is_bounded() -> None:
    cache = NegativeCacheLayer(ttl=60, max_entries=10)
    store = memory_store().with_layers(cache)
    for i in range(50):
        assert not store.exists(f"k{i}")
    assert len(cache._missing) == 10
    assert not store.exists("k49") and cache.hits == 1


def test_negative_cache_read_into() -> None:
    cache = NegativeCacheLayer(ttl=60)
    store = memory_store().with_layers(cache)
    for _ in range(2):
        with pytest.raises(NotFound):
            store.get_into("k", bytearray(4))
    assert cache.hits == 1


# -- PrefixLayer ---------------------------------------------------------------------------------


def test_prefix_isolation_and_list_stripping() -> None:
    base = memory_store()
    base.put("outside", b"o")
    a = base.with_layers(PrefixLayer("run-a/"))
    b = base.with_layers(PrefixLayer("run-b/"))
    a.put("x", b"1")
    a.put("dir/y", b"2")
    b.put("x", b"3")
    assert sorted(a.list()) == ["dir/y", "x"]
    assert sorted(a.list("d")) == ["dir/y"]
    assert sorted(b.list()) == ["x"]
    assert (a.get("x"), b.get("x")) == (b"1", b"3")
    assert sorted(base.list()) == ["outside", "run-a/dir/y", "run-a/x", "run-b/x"]
    st = a.stat("dir/y")
    assert (st.key, st.size) == ("dir/y", 1)
    a.set_xattr("x", "n", b"v")
    assert a.get_xattrs("x") == {"n": b"v"}
    assert base.get_xattr("run-a/x", "n") == b"v"
    a.remove_xattr("x", "n")
    assert a.put_stream("s", [b"ab"]) == 2 and base.get("run-a/s") == b"ab"
    buf = bytearray(1)
    assert a.get_into("s", buf, 1) == 1 and buf == b"b"
    a.delete("x")
    with pytest.raises(NotFound):
        b.delete("dir/y")
    assert base.exists("run-b/x") and not base.exists("run-a/x")


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.get("missing"),
        lambda s: s.stat("missing"),
        lambda s: s.delete("missing"),
        lambda s: s.get_xattr("missing", "n"),
        lambda s: s.set_xattr("missing", "n", b""),
        lambda s: s.list_xattrs("missing"),
        lambda s: s.remove_xattr("missing", "n"),
        lambda s: s.get_into("missing", bytearray(1)),
    ],
)
def test_prefix_strips_error_keys(call: Callable[[Store], object]) -> None:
    store = memory_store().with_layers(PrefixLayer("p/"))
    with pytest.raises(NotFound) as info:
        call(store)
    assert info.value.key == "missing"
    assert "p/" not in str(info.value)


def test_prefix_strips_error_keys_from_posix(tmp_path: Any) -> None:
    store = objstore.open("posix", root=str(tmp_path)).with_layers(PrefixLayer("run/"))
    store.put("k", b"")
    with pytest.raises(AlreadyExists) as info:
        store.put("k", b"", "create")
    assert info.value.key == "k"
    assert isinstance(info.value.__cause__, FileExistsError)  # the native cause survives


def test_prefix_shrinks_the_key_limit(tmp_path: Any) -> None:
    store = objstore.open("posix", root=str(tmp_path))
    layered = store.with_layers(PrefixLayer("12345-"))
    assert store.capabilities.max_key_bytes == 255
    assert layered.capabilities.max_key_bytes == 249
    layered.put("k" * 249, b"ok")
    with pytest.raises(InvalidArgument) as info:
        layered.put("k" * 250, b"")
    assert info.value.key == "k" * 250
    # Multibyte prefixes shrink the limit by their UTF-8 size.
    assert store.with_layers(PrefixLayer("é-")).capabilities.max_key_bytes == 252
    # Without a declared limit there is nothing to shrink.
    assert memory_store().with_layers(PrefixLayer("p/")).capabilities.max_key_bytes == 0


def test_layers_compose() -> None:
    metrics = MetricsLayer()
    store = memory_store().with_layers(
        PrefixLayer("ns/"), NegativeCacheLayer(), RetryLayer(backoff=0.0), metrics
    )
    store.put("k", b"v")
    assert store.get("k") == b"v"
    assert list(store.list()) == ["k"]
    assert metrics.stats["put"].count == 1
