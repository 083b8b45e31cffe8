"""The daos backend: objects as fixed-size chunks in pydaos dictionaries (DDict).

pydaos offers key-value dictionaries only (its DArray is not implemented), and a DDict
value cannot be empty (putting ``b""`` removes the key). So, in one container of the
PYTHON layout, with ``NS`` the ``namespace`` option:

* DDict ``NS.meta`` maps each user key to a small JSON record: size, mtime, chunk size,
  generation, the chunk-index ranges that may hold data, xattrs. The record is never
  empty, so a zero-length object is simply a record with size 0.
* DDict ``NS.data`` maps ``<generation>:<chunk index, hex>:<user key>`` to the bytes of
  that chunk (at most ``chunk_size``; a short or missing chunk reads as zeros). Offset
  writes and appends rewrite only the chunks they touch; a write far past the end
  creates only the chunks it writes, and the gap reads as zeros.
* ``list`` walks ``NS.meta`` only, so it never shows chunk keys.
* A write-full (``wf``, ``create``, ``put_stream``) writes a new generation of chunks,
  then replaces the record in one put (DAOS updates a single key atomically), then
  removes the old generation. A reader that finds a chunk missing re-reads the record
  and starts again if the generation changed, so it sees the old or the new object.
* ``create`` takes a claim first: ``DCont.dict("NS.claim:<key>")`` inserts into the
  container's root KV with DAOS's conditional insert, which fails with DER_EXIST for
  every process but one. That is the only compare-and-set pydaos exposes.

What is not atomic (see docs/backends/daos.md): offset writes, appends and xattr changes
read-modify-write the record, so writers in *different processes* on one object can
lose each other's updates; one store serialises its own threads with a lock.
"""

from __future__ import annotations

import base64
import builtins
import importlib
import json
import os
import threading
import time
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from backends.daos.config import DaosConfig
from backends.daos.errors import BACKEND, error_table, is_der
from objstore.errors import AlreadyExists, BackendError, NotFound, Unavailable
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

CAPABILITIES = Capabilities(
    write_full=True,
    atomic_write_full=True,  # new generation + one-key record flip; readers re-check
    offset_write=True,
    append=True,
    atomic_append=False,  # record read-modify-write: appends from two processes can be lost
    create_exclusive=True,  # root-KV conditional insert (DAOS_COND_KEY_INSERT)
    ranged_read=True,
    read_into=False,  # pydaos always returns new bytes objects: one copy is unavoidable
    metadata=True,
    list_prefix=True,
    stream_write_atomic=True,
    thread_safe=True,
    process_safe=False,  # pydaos disabled its fork handler (DAOS-16637): no use after fork
    persistent=True,
    max_xattr_name_bytes=255,
    max_xattr_value_bytes=64 * 1024,  # xattrs live in the record read by every get
)

RECORD_VERSION = 1
META_VALUE_SIZE = 4096
"""First fetch buffer for records; pydaos refetches with the right size if one is larger."""
BATCH = 16
"""Keys per bget/bput: the pydaos shim keeps at most 16 operations in flight."""
DROP_BATCH = 256
READ_RETRIES = 16


@dataclass
class _Record:
    """The metadata record of one object (stored as compact JSON in ``NS.meta``)."""

    size: int
    mtime: float
    gen: str
    chunk_size: int
    extents: list[list[int]] = field(default_factory=list)
    """Sorted, disjoint ``[first, end)`` chunk-index ranges that may hold chunks."""
    xattrs: dict[str, str] = field(default_factory=dict)
    """Attribute name -> base64 value."""
    claimed: bool = False
    """True when a ``create`` claim exists in the root KV and must go with the object."""

    def encode(self) -> bytes:
        return json.dumps(
            {
                "v": RECORD_VERSION,
                "size": self.size,
                "mtime": self.mtime,
                "gen": self.gen,
                "cs": self.chunk_size,
                "ext": self.extents,
                "x": self.xattrs,
                "c": self.claimed,
            },
            separators=(",", ":"),
        ).encode()

    @classmethod
    def decode(cls, raw: bytes) -> _Record:
        data = json.loads(raw)
        if not isinstance(data, dict) or data.get("v") != RECORD_VERSION:
            raise BackendError(f"unknown object record format: {raw[:80]!r}", backend=BACKEND)
        return cls(
            size=int(data["size"]),
            mtime=float(data["mtime"]),
            gen=str(data["gen"]),
            chunk_size=int(data["cs"]),
            extents=[[int(a), int(b)] for a, b in data["ext"]],
            xattrs=dict(data["x"]),
            claimed=bool(data.get("c", False)),
        )

    def chunk_indices(self, first: int, last: int) -> Iterator[int]:
        """Indices in ``[first, last]`` that may hold a chunk (skips sparse gaps cheaply)."""
        for start, end in self.extents:
            yield from range(max(start, first), min(end, last + 1))

    def add_extent(self, first: int, end: int) -> None:
        merged: list[list[int]] = []
        for start, stop in sorted([*self.extents, [first, end]]):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], stop)
            else:
                merged.append([start, stop])
        self.extents = merged


def _new_generation() -> str:
    # Random, not a counter: two processes replacing one object never share a generation.
    return os.urandom(8).hex()


def _bytes_view(data: Buffer) -> memoryview:
    view = memoryview(data)
    return view if view.format == "B" and view.ndim == 1 else view.cast("B")


def _pieces(chunks: Iterable[Buffer], size: int) -> Iterator[bytes]:
    """Regroup a stream of buffers into ``size``-byte pieces (the last may be shorter)."""
    carry = bytearray()
    for chunk in chunks:
        view = _bytes_view(chunk)
        pos = 0
        if carry:
            pos = min(size - len(carry), len(view))
            carry += view[:pos]
            if len(carry) < size:
                continue
            yield bytes(carry)
            carry.clear()
        while len(view) - pos >= size:
            yield bytes(view[pos : pos + size])
            pos += size
        carry += view[pos:]
    if carry:
        yield bytes(carry)


_ZEROS = bytes(1024 * 1024)


def _zero(view: memoryview) -> None:
    for start in range(0, len(view), len(_ZEROS)):
        end = min(len(view), start + len(_ZEROS))
        view[start:end] = _ZEROS[: end - start]


def load_pydaos(module_name: str) -> types.ModuleType:
    """Import the pydaos API (or the module named instead); Unavailable when it cannot."""
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise Unavailable(
            f"{module_name} not importable: {exc} (pydaos comes with a DAOS client install)",
            backend=BACKEND,
            op="open",
        ) from exc


class DaosBackend(Backend):
    """Objects in two pydaos DDicts of one DAOS container; see the module docstring."""

    name = BACKEND

    def __init__(self, **options: Any) -> None:
        self.config = DaosConfig.from_mapping(options)
        self._pydaos = load_pydaos(self.config.pydaos_module)
        self._errors = error_table(self._pydaos)
        self.test_double = bool(getattr(self._pydaos, "__objstore_test_double__", False))
        # The double keeps everything in this process's memory.
        self.capabilities = CAPABILITIES.with_(persistent=not self.test_double)
        self._lock = threading.Lock()
        ns = self.config.namespace
        self._claim_prefix = f"{ns}.claim:"
        with self._errors.mapped("open"):
            if self.config.path:
                self._cont = self._pydaos.DCont(
                    path=self.config.path, open_mode=self.config.open_mode
                )
            else:
                self._cont = self._pydaos.DCont(
                    self.config.pool, self.config.container, open_mode=self.config.open_mode
                )
            self._meta = self._open_dict(f"{ns}.meta")
            self._data = self._open_dict(f"{ns}.data")

    def _open_dict(self, name: str) -> Any:
        """Open the DDict ``name``, creating it on first use (RW only)."""
        pydaos = self._pydaos
        try:
            return self._cont.get(name)
        except pydaos.DObjNotFound:
            if self.config.open_mode == "RO":
                raise NotFound(
                    f"container has no {name!r}: open it read-write once to initialise it",
                    backend=BACKEND,
                    op="open",
                ) from None
        try:
            return self._cont.dict(name, cid=self.config.oclass)
        except pydaos.PyDError as exc:
            if not is_der(exc, "DER_EXIST"):
                raise
        return self._cont.get(name)  # another process created it between our two calls

    # -- records and chunks -------------------------------------------------------------

    def _data_key(self, gen: str, index: int, key: str) -> str:
        # The generation is 16 hex digits and the index hex, so the key is unambiguous.
        return f"{gen}:{index:x}:{key}"

    def _record(self, key: str) -> _Record | None:
        raw = self._meta.bget({key: None}, value_size=META_VALUE_SIZE)[key]
        return None if raw is None else _Record.decode(raw)

    def _existing(self, key: str, op: str) -> _Record:
        record = self._record(key)
        if record is None:
            raise NotFound("object not found", backend=BACKEND, op=op, key=key)
        return record

    def _put_record(self, key: str, record: _Record) -> None:
        self._meta.put(key, record.encode())

    def _fetch(
        self, record: _Record, key: str, indices: Iterable[int]
    ) -> Iterator[tuple[int, bytes | None]]:
        batch: dict[str, bytes | None] = {}
        index_of: dict[str, int] = {}
        for index in indices:
            data_key = self._data_key(record.gen, index, key)
            batch[data_key] = None
            index_of[data_key] = index
            if len(batch) >= BATCH:
                self._data.bget(batch, value_size=record.chunk_size)
                for name, value in batch.items():
                    yield index_of[name], value
                batch, index_of = {}, {}
        if batch:
            self._data.bget(batch, value_size=record.chunk_size)
            for name, value in batch.items():
                yield index_of[name], value

    def _store_chunks(self, pending: dict[str, bytes | None], limit: int = BATCH) -> None:
        if len(pending) >= limit:
            self._data.bput(pending)
            pending.clear()

    def _drop_chunks(self, key: str, record: _Record) -> None:
        """Remove every chunk of one generation (putting None removes a pydaos key)."""
        pending: dict[str, bytes | None] = {}
        for start, end in record.extents:
            for index in range(start, end):
                pending[self._data_key(record.gen, index, key)] = None
                self._store_chunks(pending, DROP_BATCH)
        self._store_chunks(pending, 1)

    def _write_at(self, key: str, record: _Record, start: int, view: memoryview) -> None:
        """Write ``view`` at ``start`` in the record's generation, touching only its chunks."""
        if not len(view):
            return
        cs = record.chunk_size
        end = start + len(view)
        first, last = start // cs, (end - 1) // cs
        # Only the first and last chunk can be partly covered; read those before merging.
        partial = {i for i in (first, last) if i * cs < start or (i + 1) * cs > end}
        stored = [i for i in sorted(partial) if any(a <= i < b for a, b in record.extents)]
        current = dict(self._fetch(record, key, stored))
        pending: dict[str, bytes | None] = {}
        for index in range(first, last + 1):
            low = index * cs
            a, b = max(start, low), min(end, low + cs)
            piece = view[a - start : b - start]
            if index in partial:
                merged = bytearray(current.get(index) or b"")
                if len(merged) < b - low:
                    merged.extend(bytes(b - low - len(merged)))
                merged[a - low : b - low] = piece
                pending[self._data_key(record.gen, index, key)] = bytes(merged)
            else:
                pending[self._data_key(record.gen, index, key)] = bytes(piece)
            self._store_chunks(pending)
        self._store_chunks(pending, 1)
        record.add_extent(first, last + 1)

    def _fill(self, record: _Record, key: str, offset: int, target: memoryview) -> bool:
        """Copy ``[offset, offset+len(target))`` into ``target`` (already zeroed).

        Returns False when a chunk the record lists was missing: a concurrent write-full
        may have removed this generation, and the caller must re-check the record.
        """
        if not len(target):
            return True
        cs = record.chunk_size
        end = offset + len(target)
        complete = True
        indices = record.chunk_indices(offset // cs, (end - 1) // cs)
        for index, value in self._fetch(record, key, indices):
            if value is None:
                complete = False
                continue
            low = index * cs
            a = max(offset, low)
            b = min(end, low + len(value))
            if b > a:
                target[a - offset : b - offset] = memoryview(value)[a - low : b - low]
        return complete

    def _claim_name(self, key: str) -> str:
        return self._claim_prefix + key

    def _release_claim(self, key: str) -> None:
        try:
            self._cont.destroy(self._claim_name(key))
        except self._pydaos.PyDError as exc:
            if not is_der(exc, "DER_NONEXIST"):  # no claim: nothing to release
                raise

    # -- writes -------------------------------------------------------------------------

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        view = _bytes_view(data)
        if mode is WriteMode.WRITE_FULL or mode is WriteMode.CREATE:
            self._replace(key, [view], exclusive=mode is WriteMode.CREATE, op="put")
            return
        with self._lock, self._errors.mapped("put", key):
            record = self._record(key)
            if record is None:
                record = _Record(0, 0.0, _new_generation(), self.config.chunk_size)
            start = record.size if mode is WriteMode.APPEND else offset
            self._write_at(key, record, start, view)
            if len(view):  # a zero-length w creates a missing object, never moves the end
                record.size = max(record.size, start + len(view))
            record.mtime = time.time()
            self._put_record(key, record)

    def _replace(self, key: str, chunks: Iterable[Buffer], *, exclusive: bool, op: str) -> int:
        """Write-full: new generation of chunks, then one record put, then drop the old.

        The caller's stream is consumed outside the error mapping, so an exception from
        the source reaches the caller as itself; only pydaos calls are mapped.
        """
        mapped = self._errors.mapped
        if exclusive:
            with mapped(op, key):
                self._cont.dict(self._claim_name(key))  # DER_EXIST -> AlreadyExists
                if self._record(key) is not None:  # made by wf/w/wa, which take no claim
                    self._release_claim(key)
                    raise AlreadyExists("object exists", backend=BACKEND, op=op, key=key)
        gen = _new_generation()
        chunk_size = self.config.chunk_size
        record = _Record(0, 0.0, gen, chunk_size, claimed=exclusive)
        try:
            pending: dict[str, bytes | None] = {}
            for index, piece in enumerate(_pieces(chunks, chunk_size)):
                pending[self._data_key(gen, index, key)] = piece
                record.size += len(piece)
                # Extents grow as chunks land, so a failure can remove what was written.
                record.extents = [[0, index + 1]]
                with mapped(op, key):
                    self._store_chunks(pending)
            with mapped(op, key):
                self._store_chunks(pending, 1)
                with self._lock:
                    old = self._record(key)
                    if exclusive and old is not None:
                        raise AlreadyExists("object exists", backend=BACKEND, op=op, key=key)
                    if old is not None:
                        record.xattrs = old.xattrs
                        record.claimed = old.claimed
                    record.mtime = time.time()
                    self._put_record(key, record)
        except BaseException:
            with mapped(op, key):
                self._drop_chunks(key, record)
                if exclusive:
                    self._release_claim(key)
            raise
        if old is not None:
            with mapped(op, key):
                self._drop_chunks(key, old)
        return record.size

    def write_stream(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
    ) -> int:
        if mode is WriteMode.WRITE_FULL or mode is WriteMode.CREATE:
            return self._replace(key, chunks, exclusive=mode is WriteMode.CREATE, op="put_stream")
        return super().write_stream(key, chunks, mode, offset)

    def delete(self, key: str) -> None:
        with self._lock, self._errors.mapped("delete", key):
            record = self._record(key)
            if record is None:
                # A create that died between its claim and its record left a claim that
                # would make every later create fail; deleting the key clears it.
                self._release_claim(key)
                raise NotFound("object not found", backend=BACKEND, op="delete", key=key)
            self._meta.put(key, None)  # the object is gone for readers from here on
            if record.claimed:
                self._release_claim(key)
            self._drop_chunks(key, record)

    # -- reads --------------------------------------------------------------------------

    def _read_range(
        self, key: str, offset: int, length: int | None, op: str, target: memoryview | None
    ) -> bytes | int:
        with self._errors.mapped(op, key):
            for _ in range(READ_RETRIES):
                record = self._existing(key, op)
                end = record.size if length is None else min(record.size, offset + length)
                count = max(0, end - offset)
                if target is None:
                    out = bytearray(count)
                    view = memoryview(out)
                else:
                    view = target[:count]
                    _zero(view)
                if self._fill(record, key, offset, view):
                    return bytes(out) if target is None else count
                latest = self._record(key)
                if latest is None:
                    raise NotFound("object deleted during read", backend=BACKEND, op=op, key=key)
                if latest.gen == record.gen:
                    # Same generation: a missing chunk is a hole (reads as zeros).
                    return bytes(out) if target is None else count
            raise Unavailable(
                f"object replaced {READ_RETRIES} times while reading it",
                backend=BACKEND,
                op=op,
                key=key,
            )

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        result = self._read_range(key, offset, length, "get", None)
        assert isinstance(result, bytes)
        return result

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        result = self._read_range(key, offset, len(buffer), "get_into", buffer)
        assert isinstance(result, int)
        return result

    def list(self, prefix: str) -> Iterator[str]:
        with self._errors.mapped("list"):
            for key in self._meta:
                if key.startswith(prefix):
                    yield key

    def stat(self, key: str) -> ObjectStat:
        with self._errors.mapped("stat", key):
            record = self._existing(key, "stat")
        return ObjectStat(key=key, size=record.size, mtime=record.mtime)

    # -- metadata -----------------------------------------------------------------------

    def get_xattr(self, key: str, name: str) -> bytes:
        with self._errors.mapped("get_xattr", key):
            value = self._existing(key, "get_xattr").xattrs.get(name)
        if value is None:
            raise NotFound(f"attribute {name!r} not set", backend=BACKEND, op="get_xattr", key=key)
        return base64.b64decode(value)

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        with self._lock, self._errors.mapped("set_xattr", key):
            record = self._existing(key, "set_xattr")
            record.xattrs[name] = base64.b64encode(value).decode("ascii")
            self._put_record(key, record)

    def list_xattrs(self, key: str) -> builtins.list[str]:
        with self._errors.mapped("list_xattrs", key):
            return list(self._existing(key, "list_xattrs").xattrs)

    def remove_xattr(self, key: str, name: str) -> None:
        with self._lock, self._errors.mapped("remove_xattr", key):
            record = self._existing(key, "remove_xattr")
            if record.xattrs.pop(name, None) is None:
                raise NotFound(
                    f"attribute {name!r} not set", backend=BACKEND, op="remove_xattr", key=key
                )
            self._put_record(key, record)

    # -- identity -----------------------------------------------------------------------

    def describe(self) -> dict[str, str]:
        cfg = self.config
        info = {
            "pydaos_module": cfg.pydaos_module,
            "container": cfg.path or f"{cfg.pool}/{cfg.container}",
            "namespace": cfg.namespace,
            "chunk_size": str(cfg.chunk_size),
            "oclass": cfg.oclass,
            "open_mode": cfg.open_mode,
        }
        if self.test_double:
            info["test_double"] = (
                f"TEST DOUBLE of pydaos ({cfg.pydaos_module}): no DAOS was used, data is in memory"
            )
        else:
            info["pydaos"] = str(getattr(self._pydaos, "__file__", "?"))
        return info

    def close(self) -> None:
        # pydaos closes handles when the DDict/DCont objects are collected.
        self._meta = self._data = self._cont = None
