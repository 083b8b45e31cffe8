"""Interceptor layers that wrap any backend without changing it.

In the spirit of GlusterFS translators (seed 004): each layer receives every operation,
may act on it, and winds it on to the next layer down. A layer is itself a
:class:`~objstore.spec.Backend`, so layers stack::

    store = objstore.open("rados", ...).with_layers(RetryLayer(attempts=3), MetricsLayer())

:class:`Layer` passes everything through with one extra method call, so a layer that
does nothing costs close to nothing (``bench/layer_overhead.py`` measures it).
"""

from __future__ import annotations

import builtins
import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, TypeVar

from objstore.errors import InvalidArgument, NotFound, ObjstoreError, Timeout, Unavailable
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

T = TypeVar("T")


class Layer(Backend):
    """A pass-through layer. Subclass it and override only the operations you intercept.

    Use :meth:`wrap` (or :meth:`Store.with_layers`) to put it on a backend.
    """

    inner: Backend

    def wrap(self, inner: Backend) -> Layer:
        """Bind this layer to ``inner`` and return it. A layer instance wraps one backend."""
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.capabilities = inner.capabilities
        return self

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self.inner.write(key, data, mode, offset)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self.inner.read(key, offset, length)

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        return self.inner.read_into(key, offset, buffer)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def list(self, prefix: str) -> Iterator[str]:
        return self.inner.list(prefix)

    def stat(self, key: str) -> ObjectStat:
        return self.inner.stat(key)

    def get_xattr(self, key: str, name: str) -> bytes:
        return self.inner.get_xattr(key, name)

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        self.inner.set_xattr(key, name, value)

    def list_xattrs(self, key: str) -> builtins.list[str]:
        return self.inner.list_xattrs(key)

    def remove_xattr(self, key: str, name: str) -> None:
        self.inner.remove_xattr(key, name)

    def write_stream(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
    ) -> int:
        return self.inner.write_stream(key, chunks, mode, offset)

    # The native asynchronous path passes through too: a layer copies the inner
    # capabilities (``aio`` included), so it must not fall back to Backend's Unsupported.

    def aio_write(
        self,
        key: str,
        data: Buffer,
        mode: WriteMode,
        offset: int,
        on_done: Callable[[ObjstoreError | None], None],
    ) -> None:
        self.inner.aio_write(key, data, mode, offset, on_done)

    def aio_read(
        self,
        key: str,
        offset: int,
        length: int,
        on_done: Callable[[bytes | None, ObjstoreError | None], None],
    ) -> None:
        self.inner.aio_read(key, offset, length, on_done)

    def aio_flush(self) -> None:
        self.inner.aio_flush()

    def describe(self) -> dict[str, str]:
        return self.inner.describe()

    def close(self) -> None:
        self.inner.close()


class RetryLayer(Layer):
    """Retries operations that fail with a retryable error (:class:`Unavailable`).

    Only idempotent operations are retried: ``wa`` (append) and ``create`` are not, since
    a lost acknowledgement would apply them twice.
    """

    def __init__(self, attempts: int = 3, backoff: float = 0.05, max_backoff: float = 2.0) -> None:
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise InvalidArgument(f"attempts must be an int >= 1, not {attempts!r}")
        self.attempts = attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.retries = 0

    def _call(self, fn: Callable[[], T]) -> T:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except ObjstoreError as exc:
                if not exc.retryable or attempt == self.attempts:
                    raise
                self.retries += 1
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, self.max_backoff)
        raise AssertionError("unreachable")

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        if mode in (WriteMode.APPEND, WriteMode.CREATE):
            self.inner.write(key, data, mode, offset)
        else:
            self._call(lambda: self.inner.write(key, data, mode, offset))

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self._call(lambda: self.inner.read(key, offset, length))

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        return self._call(lambda: self.inner.read_into(key, offset, buffer))

    def stat(self, key: str) -> ObjectStat:
        return self._call(lambda: self.inner.stat(key))

    def get_xattr(self, key: str, name: str) -> bytes:
        return self._call(lambda: self.inner.get_xattr(key, name))


class TimeoutLayer(Layer):
    """Gives each operation a deadline; a late one raises :class:`Timeout`.

    The native call keeps running on a helper thread after the deadline (Python cannot
    cancel a call blocked in C), so prefer the backend's own timeouts where it has them
    (Ceph's ``rados_osd_op_timeout``); this layer bounds what the caller waits.
    """

    def __init__(self, seconds: float, workers: int = 8) -> None:
        self.seconds = seconds
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="objstore-timeout")

    def _call(self, op: str, key: str | None, fn: Callable[[], T]) -> T:
        future = self._pool.submit(fn)
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout:
            raise Timeout(
                f"no answer within {self.seconds:g} s", backend=self.name, op=op, key=key
            ) from None

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self._call("put", key, lambda: self.inner.write(key, data, mode, offset))

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self._call("get", key, lambda: self.inner.read(key, offset, length))

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        return self._call("get_into", key, lambda: self.inner.read_into(key, offset, buffer))

    def delete(self, key: str) -> None:
        self._call("delete", key, lambda: self.inner.delete(key))

    def list(self, prefix: str) -> Iterator[str]:
        return iter(self._call("list", None, lambda: list(self.inner.list(prefix))))

    def stat(self, key: str) -> ObjectStat:
        return self._call("stat", key, lambda: self.inner.stat(key))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.inner.close()


@dataclass
class OpStats:
    count: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    bytes: int = 0


class MetricsLayer(Layer):
    """Counts operations, errors by class, bytes and time per operation."""

    def __init__(self) -> None:
        self.stats: dict[str, OpStats] = {}
        self._lock = threading.Lock()

    def _record(self, op: str, fn: Callable[[], T], nbytes: Callable[[T], int] | None = None) -> T:
        start = time.perf_counter()
        error: str | None = None
        result: Any = None
        try:
            result = fn()
            return result  # type: ignore[no-any-return]
        except BaseException as exc:
            # Any exception counts as an error; without this a non-taxonomy one (a backend
            # bug) would reach nbytes(None) below and be replaced by a TypeError.
            error = type(exc).__name__
            raise
        finally:
            elapsed = time.perf_counter() - start
            with self._lock:
                entry = self.stats.setdefault(op, OpStats())
                entry.count += 1
                entry.seconds += elapsed
                if error:
                    entry.errors[error] += 1
                elif nbytes is not None:
                    entry.bytes += nbytes(result)

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self._record("put", lambda: self.inner.write(key, data, mode, offset))
        with self._lock:
            self.stats["put"].bytes += len(data)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self._record("get", lambda: self.inner.read(key, offset, length), len)

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        return self._record("get", lambda: self.inner.read_into(key, offset, buffer), int)

    def delete(self, key: str) -> None:
        self._record("delete", lambda: self.inner.delete(key))

    def stat(self, key: str) -> ObjectStat:
        return self._record("stat", lambda: self.inner.stat(key))


class FaultInjectionLayer(Layer):
    """Makes a fraction of operations fail, to test how callers cope (like OpenDAL's chaos layer).

    :param rate: probability in [0, 1] that an intercepted operation fails.
    :param error: the taxonomy class raised.
    :param ops: which operations may fail (``put``, ``get``, ``delete``, ``list``, ``stat``).
    """

    def __init__(
        self,
        rate: float,
        error: type[ObjstoreError] = Unavailable,
        ops: tuple[str, ...] = ("put", "get", "delete", "list", "stat"),
        seed: int | None = None,
    ) -> None:
        self.rate = rate
        self.error = error
        self.ops = frozenset(ops)
        self.injected = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def _maybe_fail(self, op: str, key: str | None) -> None:
        if op in self.ops:
            with self._lock:
                fail = self._random.random() < self.rate
                if fail:
                    self.injected += 1
            if fail:
                raise self.error("injected fault", backend=self.name, op=op, key=key)

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self._maybe_fail("put", key)
        self.inner.write(key, data, mode, offset)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        self._maybe_fail("get", key)
        return self.inner.read(key, offset, length)

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        self._maybe_fail("get", key)
        return self.inner.read_into(key, offset, buffer)

    def delete(self, key: str) -> None:
        self._maybe_fail("delete", key)
        self.inner.delete(key)

    def list(self, prefix: str) -> Iterator[str]:
        self._maybe_fail("list", None)
        return self.inner.list(prefix)

    def stat(self, key: str) -> ObjectStat:
        self._maybe_fail("stat", key)
        return self.inner.stat(key)


class NegativeCacheLayer(Layer):
    """Remembers keys recently found missing and answers NotFound without a round trip.

    The GlusterFS "negative lookup" translator from seed 004, for object stores. Writes
    through this layer clear the entry. Other writers are not seen, so keep ``ttl`` short.
    """

    def __init__(self, ttl: float = 1.0, max_entries: int = 10_000) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.hits = 0
        self._missing: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def _known_missing(self, key: str, op: str) -> None:
        with self._lock:
            seen = self._missing.get(key)
            if seen is None:
                return
            if time.monotonic() - seen > self.ttl:
                del self._missing[key]
                return
            self.hits += 1
        raise NotFound("object not found (negative cache)", backend=self.name, op=op, key=key)

    def _remember(self, key: str) -> None:
        with self._lock:
            self._missing[key] = time.monotonic()
            self._missing.move_to_end(key)
            while len(self._missing) > self.max_entries:
                self._missing.popitem(last=False)

    def _forget(self, key: str) -> None:
        with self._lock:
            self._missing.pop(key, None)

    def _lookup(self, key: str, op: str, fn: Callable[[], T]) -> T:
        self._known_missing(key, op)
        try:
            return fn()
        except NotFound:
            self._remember(key)
            raise

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self._lookup(key, "get", lambda: self.inner.read(key, offset, length))

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        return self._lookup(key, "get_into", lambda: self.inner.read_into(key, offset, buffer))

    def stat(self, key: str) -> ObjectStat:
        return self._lookup(key, "stat", lambda: self.inner.stat(key))

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self._forget(key)
        self.inner.write(key, data, mode, offset)

    def write_stream(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
    ) -> int:
        self._forget(key)
        return self.inner.write_stream(key, chunks, mode, offset)

    def aio_write(
        self,
        key: str,
        data: Buffer,
        mode: WriteMode,
        offset: int,
        on_done: Callable[[ObjstoreError | None], None],
    ) -> None:
        self._forget(key)
        self.inner.aio_write(key, data, mode, offset, on_done)


class PrefixLayer(Layer):
    """Confines a store to keys under ``prefix``: the conformance runner's per-run namespace.

    Keys are stored as ``prefix + key`` and listed with the prefix stripped, so cases see
    an empty store even in a shared pool. ``max_key_bytes`` shrinks by the prefix length.
    """

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def wrap(self, inner: Backend) -> Layer:
        super().wrap(inner)
        limit = inner.capabilities.max_key_bytes
        if limit:
            self.capabilities = inner.capabilities.with_(
                max_key_bytes=limit - len(self.prefix.encode("utf-8"))
            )
        return self

    def _strip(self, err: ObjstoreError) -> ObjstoreError:
        if err.key is not None and err.key.startswith(self.prefix):
            err.key = err.key[len(self.prefix) :]
        return err

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except ObjstoreError as exc:
            raise self._strip(exc) from exc.__cause__

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self._call(lambda: self.inner.write(self.prefix + key, data, mode, offset))

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self._call(lambda: self.inner.read(self.prefix + key, offset, length))

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        return self._call(lambda: self.inner.read_into(self.prefix + key, offset, buffer))

    def delete(self, key: str) -> None:
        self._call(lambda: self.inner.delete(self.prefix + key))

    def list(self, prefix: str) -> Iterator[str]:
        cut = len(self.prefix)
        for key in self._call(lambda: self.inner.list(self.prefix + prefix)):
            yield key[cut:]

    def stat(self, key: str) -> ObjectStat:
        st = self._call(lambda: self.inner.stat(self.prefix + key))
        return ObjectStat(key=key, size=st.size, mtime=st.mtime)

    def get_xattr(self, key: str, name: str) -> bytes:
        return self._call(lambda: self.inner.get_xattr(self.prefix + key, name))

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        self._call(lambda: self.inner.set_xattr(self.prefix + key, name, value))

    def list_xattrs(self, key: str) -> builtins.list[str]:
        return self._call(lambda: self.inner.list_xattrs(self.prefix + key))

    def remove_xattr(self, key: str, name: str) -> None:
        self._call(lambda: self.inner.remove_xattr(self.prefix + key, name))

    def write_stream(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
    ) -> int:
        return self._call(lambda: self.inner.write_stream(self.prefix + key, chunks, mode, offset))

    def aio_write(
        self,
        key: str,
        data: Buffer,
        mode: WriteMode,
        offset: int,
        on_done: Callable[[ObjstoreError | None], None],
    ) -> None:
        def done(err: ObjstoreError | None) -> None:
            on_done(self._strip(err) if err is not None else None)

        self._call(lambda: self.inner.aio_write(self.prefix + key, data, mode, offset, done))

    def aio_read(
        self,
        key: str,
        offset: int,
        length: int,
        on_done: Callable[[bytes | None, ObjstoreError | None], None],
    ) -> None:
        def done(data: bytes | None, err: ObjstoreError | None) -> None:
            on_done(data, self._strip(err) if err is not None else None)

        self._call(lambda: self.inner.aio_read(self.prefix + key, offset, length, done))


__all__ = [
    "Capabilities",
    "FaultInjectionLayer",
    "Layer",
    "MetricsLayer",
    "NegativeCacheLayer",
    "PrefixLayer",
    "RetryLayer",
    "TimeoutLayer",
]
