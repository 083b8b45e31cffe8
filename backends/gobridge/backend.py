"""The gobridge backend: RADOS objects through go-ceph, compiled into a c-shared library.

One connection (a ``gb_open`` handle) per store, shared by every thread: each ctypes call
releases the GIL, and librados is thread-safe. Reads go straight into caller memory (the
returned ``bytes`` or a ``get_into`` buffer); writes pass the caller's buffer to Go
without a copy. The native asynchronous path runs each operation in a goroutine and one
Python thread collects completions (``gb_aio_wait``), so Go never calls back into Python.
"""

from __future__ import annotations

import builtins
import ctypes
import itertools
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backends.gobridge import _native
from backends.gobridge.config import GoBridgeConfig
from backends.gobridge.errors import ERRORS, NAME, GoBridgeError
from objstore.errors import ConfigError, InvalidArgument, ObjstoreError
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

log = logging.getLogger(__name__)

MAX_OP_BYTES = 64 * 1024 * 1024
"""Largest single write sent to an osd (it refuses more than ``osd_max_write_size``, 90 MB);
larger buffers go in pieces."""
MAX_OBJECT_BYTES = 128 * 1024 * 1024
"""``osd_max_object_size`` default: the osd refuses to grow an object past it."""
FIRST_READ = 4 * 1024 * 1024
"""A whole-object ``get`` reads this much together with the object's size, in one round
trip: objects up to 4 MiB (RADOS's usual object size) need nothing more. Untouched pages of
the buffer are never faulted in, so small objects pay only for what they hold."""
AIO_BATCH = 64
"""Completions collected per ``gb_aio_wait``."""

CAPABILITIES = Capabilities(
    write_full=True,
    atomic_write_full=True,  # one osd op (rados_write_full), up to MAX_OP_BYTES
    offset_write=True,
    append=True,
    atomic_append=True,  # the osd serialises ops per object: appends never interleave
    create_exclusive=True,  # one write op: LIBRADOS_CREATE_EXCLUSIVE + write_full
    ranged_read=True,
    read_into=True,  # gb_get fills the caller's buffer
    metadata=True,
    list_prefix=True,  # filtered in Go: RADOS lists whole namespaces
    stream_write_atomic=False,
    thread_safe=True,
    process_safe=False,  # a Go runtime hangs in a forked child: use spawn
    aio=True,
    persistent=True,
    max_key_bytes=2048,  # osd_max_object_name_len
    max_object_size=MAX_OBJECT_BYTES,
    max_xattr_name_bytes=100,  # osd_max_attr_name_len
)


@dataclass
class _Pending:
    """An aio operation in flight: what to call, and the buffer Go writes or reads."""

    op: str
    key: str
    buffer: Any  # kept referenced until the completion arrives
    on_write: Callable[[ObjstoreError | None], None] | None = None
    on_read: Callable[[bytes | None, ObjstoreError | None], None] | None = None
    length: int = 0


class GoBridgeBackend(Backend):
    """Objects in a RADOS pool (optionally a namespace of it), through the Go bridge."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(self, **options: Any) -> None:
        self.config = GoBridgeConfig.from_mapping(options)
        for option in ("conffile", "keyring"):
            path = getattr(self.config, option)
            if path and not Path(path).is_file():
                raise ConfigError(
                    f"{NAME}: {option} {path} does not exist or is not a file",
                    backend=NAME,
                    op="open",
                )
        self._lib = _native.load()
        self._handle = 0
        self._closed = False
        cfg = self.config
        handle = ctypes.c_uint64(0)
        with ERRORS.mapped("open"):
            self._check(
                "gb_open",
                cfg.conffile.encode(),
                cfg.cluster.encode(),
                cfg.entity.encode(),
                cfg.keyring.encode(),
                cfg.pool.encode(),
                cfg.namespace.encode(),
                cfg.mount_timeout,
                cfg.osd_op_timeout,
                cfg.mon_op_timeout,
                ctypes.byref(handle),
                with_handle=False,
            )
        self._handle = handle.value
        self._aio_cv = threading.Condition()
        self._aio_pending: dict[int, _Pending] = {}
        self._aio_thread: threading.Thread | None = None
        self._aio_tags = itertools.count(1)

    # -- plumbing -----------------------------------------------------------------------

    def _check(self, function: str, *args: Any, with_handle: bool = True) -> int:
        """Call ``function`` (handle first, error out-parameter last); raise on < 0.

        Callers wrap this in ``ERRORS.mapped``, which turns GoBridgeError into the taxonomy.
        """
        fn = self._lib.fn(function)  # raises Unsupported in a forked child
        err = ctypes.c_char_p()
        rc: int = fn(self._handle, *args, err) if with_handle else fn(*args, err)
        return _native.check(self._lib, rc, err, function)

    def _taken(self, ptr: ctypes.c_void_p, size: ctypes.c_size_t) -> bytes:
        return _native.take(self._lib, ptr, size.value)

    # -- writes -------------------------------------------------------------------------

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        if len(data) > MAX_OP_BYTES:
            self._write_large(key, data, mode, offset)
            return
        buf, n = _native.c_buffer(data)
        with ERRORS.mapped("put", key):
            self._check("gb_put", key.encode(), buf, n, _native.MODES[mode.value], offset)

    def _write_large(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        # The first piece carries the mode (replace, create, append position); the rest
        # follow at increasing offsets. Not atomic: a documented limit, as for rados.
        view = memoryview(data).cast("B")
        start = self.stat(key).size if mode is WriteMode.APPEND else offset
        first = WriteMode.WRITE if mode is WriteMode.APPEND else mode
        self.write(key, view[:MAX_OP_BYTES], first, start)
        for pos in range(MAX_OP_BYTES, len(view), MAX_OP_BYTES):
            self.write(key, view[pos : pos + MAX_OP_BYTES], WriteMode.WRITE, start + pos)

    # -- reads --------------------------------------------------------------------------

    def _get(self, op: str, key: bytes, offset: int, buf: Any, size: int) -> int:
        nread = ctypes.c_size_t(0)
        self._check("gb_get", key, offset, buf, size, ctypes.byref(nread))
        return nread.value

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        ckey = key.encode()
        with ERRORS.mapped("get", key):
            if length is None:
                # One round trip reads the first FIRST_READ bytes and the size; only a larger
                # object needs a second read, straight into the bytes returned.
                head = _native.new_bytes(FIRST_READ)
                nread, size = ctypes.c_size_t(0), ctypes.c_uint64(0)
                self._check(
                    "gb_get_stat",
                    ckey,
                    offset,
                    head,
                    FIRST_READ,
                    ctypes.byref(nread),
                    ctypes.byref(size),
                )
                total = max(0, size.value - offset)
                if total <= FIRST_READ:
                    return head[: nread.value]
                data = _native.new_bytes(total)
                base = _native.address(data)
                ctypes.memmove(base, head, FIRST_READ)
                got = FIRST_READ + self._get(
                    "get", ckey, offset + FIRST_READ, base + FIRST_READ, total - FIRST_READ
                )
                return data if got == total else data[:got]
            if length == 0:
                self._get("get", ckey, offset, None, 0)  # NotFound for a missing object
                return b""
            if length == 1:
                one = bytearray(1)
                n = self._get("get", ckey, offset, _native.c_buffer(one, writable=True)[0], 1)
                return bytes(one[:n])
            data = _native.new_bytes(length)
            n = self._get("get", ckey, offset, data, length)
            return data if n == length else data[:n]

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        buf, n = _native.c_buffer(buffer, writable=True)
        with ERRORS.mapped("get_into", key):
            return self._get("get_into", key.encode(), offset, buf, n)

    # -- namespace operations -----------------------------------------------------------

    def delete(self, key: str) -> None:
        with ERRORS.mapped("delete", key):
            self._check("gb_delete", key.encode())

    def list(self, prefix: str) -> Iterator[str]:
        out, size = ctypes.c_void_p(), ctypes.c_size_t(0)
        with ERRORS.mapped("list"):
            count = self._check("gb_list", prefix.encode(), ctypes.byref(out), ctypes.byref(size))
            raw = self._taken(out, size)
        names = raw.split(b"\0")[:count]
        return (name.decode("utf-8", "surrogateescape") for name in names)

    def _stat(self, ckey: bytes) -> tuple[int, int]:
        size, mtime = ctypes.c_uint64(0), ctypes.c_int64(0)
        self._check("gb_stat", ckey, ctypes.byref(size), ctypes.byref(mtime))
        return size.value, mtime.value

    def stat(self, key: str) -> ObjectStat:
        with ERRORS.mapped("stat", key):
            size, mtime = self._stat(key.encode())
        return ObjectStat(key=key, size=size, mtime=float(mtime))

    # -- xattrs -------------------------------------------------------------------------

    def get_xattr(self, key: str, name: str) -> bytes:
        out, size = ctypes.c_void_p(), ctypes.c_size_t(0)
        with ERRORS.mapped("get_xattr", key):
            self._check(
                "gb_xattr_get", key.encode(), name.encode(), ctypes.byref(out), ctypes.byref(size)
            )
            return self._taken(out, size)

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        with ERRORS.mapped("set_xattr", key):
            self._check("gb_xattr_set", key.encode(), name.encode(), value or None, len(value))

    def list_xattrs(self, key: str) -> builtins.list[str]:
        out, size = ctypes.c_void_p(), ctypes.c_size_t(0)
        with ERRORS.mapped("list_xattrs", key):
            count = self._check(
                "gb_xattr_list", key.encode(), ctypes.byref(out), ctypes.byref(size)
            )
            raw = self._taken(out, size)
        return [name.decode("utf-8", "surrogateescape") for name in raw.split(b"\0")[:count]]

    def remove_xattr(self, key: str, name: str) -> None:
        with ERRORS.mapped("remove_xattr", key):
            self._check("gb_xattr_remove", key.encode(), name.encode())

    # -- asynchronous path --------------------------------------------------------------

    def _submit(self, pending: _Pending, function: str, *args: Any) -> None:
        tag = next(self._aio_tags)
        with self._aio_cv:
            self._aio_pending[tag] = pending
            if self._aio_thread is None:
                self._aio_thread = threading.Thread(
                    target=self._aio_loop, name="gobridge-aio", daemon=True
                )
                self._aio_thread.start()
        try:
            with ERRORS.mapped(pending.op, pending.key):
                self._check(function, *args, tag)
        except BaseException:
            with self._aio_cv:
                self._aio_pending.pop(tag, None)
                self._aio_cv.notify_all()
            raise

    def aio_write(
        self,
        key: str,
        data: Buffer,
        mode: WriteMode,
        offset: int,
        on_done: Callable[[ObjstoreError | None], None],
    ) -> None:
        if len(data) > MAX_OP_BYTES:
            raise InvalidArgument(
                f"aio writes are limited to {MAX_OP_BYTES} bytes",
                backend=NAME,
                op="aio_write",
                key=key,
            )
        buf, n = _native.c_buffer(data)
        pending = _Pending("aio_write", key, buf, on_write=on_done)
        self._submit(pending, "gb_aio_put", key.encode(), buf, n, _native.MODES[mode.value], offset)

    def aio_read(
        self,
        key: str,
        offset: int,
        length: int,
        on_done: Callable[[bytes | None, ObjstoreError | None], None],
    ) -> None:
        buf: Any = None
        if length == 1:
            buf = bytearray(1)
        elif length > 1:
            buf = _native.new_bytes(length)
        arg = _native.c_buffer(buf, writable=True)[0] if length == 1 else buf
        pending = _Pending("aio_read", key, buf, on_read=on_done, length=length)
        self._submit(pending, "gb_aio_get", key.encode(), offset, arg, length)

    def _aio_loop(self) -> None:
        """Collect completions until nothing is in flight (restarted by the next submit)."""
        tags = (ctypes.c_uint64 * AIO_BATCH)()
        results = (ctypes.c_int64 * AIO_BATCH)()
        msgs = (ctypes.c_void_p * AIO_BATCH)()
        while True:
            with self._aio_cv:
                if not self._aio_pending:
                    self._aio_thread = None
                    self._aio_cv.notify_all()
                    return
            try:
                with ERRORS.mapped("aio_wait"):
                    n = self._check("gb_aio_wait", AIO_BATCH, 0.2, tags, results, msgs)
            except ObjstoreError as exc:
                self._fail_all(exc)
                continue
            for i in range(n):
                message = b""
                msg_ptr = msgs[i]
                if msg_ptr:
                    message = ctypes.string_at(msg_ptr)
                    self._lib.free(msg_ptr)
                with self._aio_cv:
                    pending = self._aio_pending.pop(tags[i], None)
                if pending is not None:
                    self._complete(pending, results[i], message.decode("utf-8", "replace"))
            if n:
                with self._aio_cv:
                    self._aio_cv.notify_all()

    def _complete(self, pending: _Pending, result: int, message: str) -> None:
        error: ObjstoreError | None = None
        if result < 0:
            native = GoBridgeError(result, message, pending.op)
            error = ERRORS.translate(native, pending.op, pending.key)
            error.__cause__ = native
        try:
            if pending.on_write is not None:
                pending.on_write(error)
            elif pending.on_read is not None:
                if error is not None:
                    pending.on_read(None, error)
                elif isinstance(pending.buffer, bytes):
                    data = pending.buffer
                    pending.on_read(data if result == len(data) else data[:result], None)
                else:
                    pending.on_read(bytes(pending.buffer or b"")[:result], None)
        except Exception:  # on_done must not raise; never let it kill the collector
            log.exception("gobridge: aio callback for %r raised", pending.key)

    def _fail_all(self, exc: ObjstoreError) -> None:
        with self._aio_cv:
            stuck = list(self._aio_pending.values())
            self._aio_pending.clear()
        for pending in stuck:
            failure = type(exc)(exc.message, backend=NAME, op=pending.op, key=pending.key)
            failure.__cause__ = exc
            try:
                if pending.on_write is not None:
                    pending.on_write(failure)
                elif pending.on_read is not None:
                    pending.on_read(None, failure)
            except Exception:
                log.exception("gobridge: aio callback for %r raised", pending.key)

    def aio_flush(self) -> None:
        with self._aio_cv:
            self._aio_cv.wait_for(lambda: not self._aio_pending)

    # -- identity and lifetime ----------------------------------------------------------

    def describe(self) -> dict[str, str]:
        fsid = ctypes.create_string_buffer(64)
        with ERRORS.mapped("describe"):
            self._check("gb_fsid", fsid, len(fsid))
        return {
            "library": self._lib.version(),
            "fsid": fsid.value.decode(),
            "path": str(self._lib.path),
            "pool": self.config.pool,
            "namespace": self.config.namespace,
            "user": self.config.entity,
        }

    def close(self) -> None:
        if self._closed or not self._handle:
            return
        self._closed = True
        if _native.forked():
            return  # the connection belongs to the parent process; never call Go here
        self.aio_flush()
        with ERRORS.mapped("close"):
            self._check("gb_close")
