"""The rados backend: objects in a Ceph pool through python-rados (librados).

One ``rados.Rados`` connection and one ``Ioctx`` per store, opened in ``__init__`` and
shared by every call and thread (librados is thread-safe and the binding releases the
GIL around each call).
"""

from __future__ import annotations

import builtins
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from backends.rados.config import RadosConfig
from backends.rados.errors import ERRORS, error_for_rc
from objstore.errors import (
    ConfigError,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    PermissionDenied,
)
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

INSTALL_HINT = (
    "apt-get install python3-rados, then link rados.cpython-311-x86_64-linux-gnu.so from "
    "/usr/lib/python3/dist-packages into the venv (see docs/backends/rados.md)"
)

MAX_OP_BYTES = 64 * 1024 * 1024
"""Largest single write sent to an osd; larger buffers go in pieces (the osd refuses
messages over ``osd_max_write_size``, 90 MB by default)."""
MAX_OBJECT_BYTES = 128 * 1024 * 1024
"""``osd_max_object_size`` default: the osd refuses to grow an object past it (EFBIG)."""
CLIP_READS_ABOVE = 16 * 1024 * 1024
"""python-rados allocates the whole requested length up front, so a longer read is first
clipped to the object's size (one extra stat)."""
PROBE_OBJECT = ".objstore-caps-probe"

CAPABILITIES = Capabilities(
    write_full=True,
    atomic_write_full=True,  # one osd op, up to MAX_OP_BYTES (docs/backends/rados.md)
    offset_write=True,
    append=True,
    atomic_append=True,  # the osd serialises ops per object: appends never interleave
    create_exclusive=True,  # WriteOp with LIBRADOS_CREATE_EXCLUSIVE
    ranged_read=True,
    read_into=False,  # python-rados 16.2 only returns new bytes; get_into copies
    metadata=True,
    list_prefix=True,  # filtered on the client: RADOS lists whole pools/namespaces
    stream_write_atomic=False,
    snapshots=False,
    thread_safe=True,
    process_safe=False,  # librados threads do not survive fork(); open a store per process
    aio=True,
    persistent=True,
    max_key_bytes=2048,  # osd_max_object_name_len
    max_object_size=MAX_OBJECT_BYTES,
    max_xattr_name_bytes=100,  # osd_max_attr_name_len
)


def load_rados() -> Any:
    """Import python-rados, or raise Unavailable with the install hint."""
    with ERRORS.mapped("open"):
        import rados

        return rados


def _bytes(data: Buffer) -> bytes:
    # The binding's write calls accept only ``bytes``; anything else costs one copy.
    return data if type(data) is bytes else bytes(data)


def connect(config: RadosConfig, backend: str) -> tuple[Any, Any]:
    """Open the connection and the pool's ioctx, with clear errors for the usual mistakes."""
    for option in ("conffile", "keyring"):
        path = getattr(config, option)
        if path and not Path(path).is_file():
            raise ConfigError(
                f"{backend}: {option} {path} does not exist or is not a file",
                backend=backend,
                op="open",
            )
    rados = load_rados()
    cluster = rados.Rados(
        name=config.entity,
        clustername=config.cluster,
        conffile=config.conffile or "",
        conf=config.ceph_options(),
    )
    try:
        _connect(cluster, config, backend)
        with ERRORS.mapped("open"):
            ioctx = cluster.open_ioctx(config.pool)
    except BaseException:
        cluster.shutdown()
        raise
    if config.namespace:
        ioctx.set_namespace(config.namespace)
    return cluster, ioctx


def _connect(cluster: Any, config: RadosConfig, backend: str) -> None:
    try:
        with ERRORS.mapped("open"):
            cluster.connect()
    except (PermissionDenied, NotFound) as exc:
        # librados says "object not found" for a keyring without this user's key and
        # "permission denied" for a wrong key: say what is actually wrong (never the key).
        keyring = config.keyring or "the conffile's keyring setting"
        raise PermissionDenied(
            f"cephx authentication as {config.entity} failed with keyring {keyring}: "
            f"the keyring has no valid key for this user ({exc.message})",
            backend=backend,
            op="open",
            code=exc.code,
        ) from exc.__cause__


class RadosBackend(Backend):
    """Objects in a RADOS pool (optionally a namespace of it)."""

    name = "rados"
    capabilities = CAPABILITIES

    def __init__(self, **options: Any) -> None:
        self.config = RadosConfig.from_mapping(options)
        self._rados = load_rados()
        self._cluster, self._ioctx = connect(self.config, self.name)
        self._read_checked = False
        # Outstanding aio operations: aio_flush waits until callbacks have all run.
        self._pending = 0
        self._pending_cv = threading.Condition()

    # -- helpers ----------------------------------------------------------------------

    def _mtime(self) -> int:
        # operate_write_op's default mtime=0 is passed to librados literally and would
        # stamp the object with 1970; give the current time (librados keeps seconds).
        return int(time.time())

    def _size(self, key: str, op: str) -> int:
        with ERRORS.mapped(op, key):
            size: int = self._ioctx.stat(key)[0]
        return size

    # -- writes -----------------------------------------------------------------------

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        if len(data) > MAX_OP_BYTES:
            self._write_large(key, data, mode, offset)
            return
        payload = _bytes(data)
        io = self._ioctx
        with ERRORS.mapped("put", key):
            if mode is WriteMode.WRITE_FULL:
                io.write_full(key, payload)
            elif mode is WriteMode.WRITE and payload:
                io.write(key, payload, offset)
            elif mode is WriteMode.WRITE:
                self._touch(key)
            elif mode is WriteMode.APPEND:
                io.append(key, payload)
            else:
                self._create(key, payload)

    def _touch(self, key: str) -> None:
        # The spec: an empty ``w`` creates a missing object but never extends one, while
        # a zero-length rados write at an offset would extend the object to the offset.
        rados = self._rados
        with rados.WriteOpCtx() as op:
            op.new(rados.LIBRADOS_CREATE_IDEMPOTENT)
            self._ioctx.operate_write_op(op, key, mtime=self._mtime())

    def _create(self, key: str, payload: bytes) -> None:
        rados = self._rados
        with rados.WriteOpCtx() as op:
            op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)
            op.write_full(payload)
            self._ioctx.operate_write_op(op, key, mtime=self._mtime())

    def _write_large(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        # The first piece carries the mode's semantics (replace, create, append position);
        # the rest follow at increasing offsets. Not atomic: documented limit.
        view = memoryview(data).cast("B")
        start = self._size(key, "put") if mode is WriteMode.APPEND else offset
        first = WriteMode.WRITE if mode is WriteMode.APPEND else mode
        self.write(key, view[:MAX_OP_BYTES], first, offset)
        for pos in range(MAX_OP_BYTES, len(view), MAX_OP_BYTES):
            self.write(key, view[pos : pos + MAX_OP_BYTES], WriteMode.WRITE, start + pos)

    # -- reads ------------------------------------------------------------------------

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        io = self._ioctx
        if length is None or length > CLIP_READS_ABOVE:
            size = self._size(key, "get")
            length = max(0, size - offset) if length is None else min(length, max(0, size - offset))
        if length == 0:
            # librados refuses a zero-length read (ERANGE); the object must still exist.
            self._size(key, "get")
            return b""
        with ERRORS.mapped("get", key):
            data: bytes = io.read(key, length, offset)
        return data

    # -- namespace operations ---------------------------------------------------------

    def delete(self, key: str) -> None:
        with ERRORS.mapped("delete", key):
            self._ioctx.remove_object(key)

    def _check_read_caps(self) -> None:
        """Raise PermissionDenied when the user may not read the pool.

        python-rados ends ``list_objects()`` silently on any error, so a pool without read
        caps would look empty. A stat of an object that does not exist tells the two
        apart: NotFound means the osd let us look, EPERM means it did not.
        """
        if self._read_checked:
            return
        with contextlib.suppress(NotFound):
            self._size(PROBE_OBJECT, "list")
        self._read_checked = True

    def list(self, prefix: str) -> Iterator[str]:
        self._check_read_caps()
        with ERRORS.mapped("list"):
            objects = self._ioctx.list_objects()
        return self._keys(objects, prefix)

    def _keys(self, objects: Any, prefix: str) -> Iterator[str]:
        with ERRORS.mapped("list"):
            for obj in objects:
                key: str = obj.key
                if key.startswith(prefix):
                    yield key

    def stat(self, key: str) -> ObjectStat:
        with ERRORS.mapped("stat", key):
            size, mtime = self._ioctx.stat(key)
        return ObjectStat(key=key, size=size, mtime=time.mktime(mtime))

    # -- xattrs -----------------------------------------------------------------------

    def get_xattr(self, key: str, name: str) -> bytes:
        return self._get_xattr(key, name, "get_xattr")

    def _get_xattr(self, key: str, name: str, op: str) -> bytes:
        with ERRORS.mapped(op, key):
            value: bytes = self._ioctx.get_xattr(key, name)
        return value

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        # A plain setxattr creates a missing object. rmxattr fails with ENOENT on a missing
        # object (and succeeds when only the attribute is missing), so "rmxattr + setxattr"
        # in one write op sets the attribute atomically, on an existing object only.
        rados = self._rados
        with ERRORS.mapped("set_xattr", key), rados.WriteOpCtx() as op:
            op.rm_xattr(name)
            op.set_xattr(name, _bytes(value))
            self._ioctx.operate_write_op(op, key, mtime=self._mtime())

    def list_xattrs(self, key: str) -> builtins.list[str]:
        with ERRORS.mapped("list_xattrs", key):
            return [name for name, _value in self._ioctx.get_xattrs(key)]

    def remove_xattr(self, key: str, name: str) -> None:
        # rmxattr of an attribute that is not set succeeds in RADOS; the spec wants
        # NotFound, so look first (NotFound for a missing object or attribute).
        self._get_xattr(key, name, "remove_xattr")
        with ERRORS.mapped("remove_xattr", key):
            self._ioctx.rm_xattr(key, name)

    # -- asynchronous path --------------------------------------------------------------

    def _started(self) -> None:
        with self._pending_cv:
            self._pending += 1

    def _finished(self) -> None:
        with self._pending_cv:
            self._pending -= 1
            if self._pending == 0:
                self._pending_cv.notify_all()

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
                backend=self.name,
                op="aio_write",
                key=key,
            )
        payload = _bytes(data)

        def complete(completion: Any) -> None:
            rc = completion.get_return_value()
            try:
                on_done(error_for_rc(rc, "aio_write", key) if rc < 0 else None)
            finally:
                self._finished()

        io = self._ioctx
        self._started()
        try:
            with ERRORS.mapped("aio_write", key):
                if mode is WriteMode.WRITE_FULL:
                    io.aio_write_full(key, payload, oncomplete=complete)
                elif mode is WriteMode.WRITE and payload:
                    io.aio_write(key, payload, offset, oncomplete=complete)
                elif mode is WriteMode.WRITE:
                    rados = self._rados
                    with rados.WriteOpCtx() as op:
                        op.new(rados.LIBRADOS_CREATE_IDEMPOTENT)
                        io.operate_aio_write_op(op, key, oncomplete=complete, mtime=self._mtime())
                elif mode is WriteMode.APPEND:
                    io.aio_append(key, payload, oncomplete=complete)
                else:
                    rados = self._rados
                    with rados.WriteOpCtx() as op:
                        op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)
                        op.write_full(payload)
                        io.operate_aio_write_op(op, key, oncomplete=complete, mtime=self._mtime())
        except BaseException:
            self._finished()
            raise

    def aio_write_handle(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> WriteHandle:
        """Start a write with no Python completion callback and return its handle.

        The benchmark's poll driver keeps many of these in flight and blocks on the oldest
        one with the GIL released: no librados thread has to run Python for every
        operation, which is what costs the callback path most of its client CPU.
        """
        if len(data) > MAX_OP_BYTES:
            raise InvalidArgument(
                f"aio writes are limited to {MAX_OP_BYTES} bytes",
                backend=self.name,
                op="aio_write",
                key=key,
            )
        payload = _bytes(data)
        io = self._ioctx
        with ERRORS.mapped("aio_write", key):
            if mode is WriteMode.WRITE_FULL:
                completion = io.aio_write_full(key, payload)
            elif mode is WriteMode.WRITE and payload:
                completion = io.aio_write(key, payload, offset)
            elif mode is WriteMode.APPEND:
                completion = io.aio_append(key, payload)
            else:
                rados = self._rados
                with rados.WriteOpCtx() as op:
                    if mode is WriteMode.CREATE:
                        op.new(rados.LIBRADOS_CREATE_EXCLUSIVE)
                        op.write_full(payload)
                    else:
                        op.new(rados.LIBRADOS_CREATE_IDEMPOTENT)
                    completion = io.operate_aio_write_op(op, key, mtime=self._mtime())
        return WriteHandle(completion, key)

    def aio_read(
        self,
        key: str,
        offset: int,
        length: int,
        on_done: Callable[[bytes | None, ObjstoreError | None], None],
    ) -> None:
        if length == 0:
            # librados refuses zero-length reads; answer at once (existence unchecked).
            on_done(b"", None)
            return

        def complete(completion: Any, data: bytes | None) -> None:
            rc = completion.get_return_value()
            try:
                if rc < 0:
                    on_done(None, error_for_rc(rc, "aio_read", key))
                else:
                    on_done(data if data is not None else b"", None)
            finally:
                self._finished()

        self._started()
        try:
            with ERRORS.mapped("aio_read", key):
                self._ioctx.aio_read(key, length, offset, oncomplete=complete)
        except BaseException:
            self._finished()
            raise

    def aio_flush(self) -> None:
        with self._pending_cv:
            self._pending_cv.wait_for(lambda: self._pending == 0)

    # -- identity and lifetime ----------------------------------------------------------

    def describe(self) -> dict[str, str]:
        version = self._cluster.version()
        info = {
            "librados": f"{version.major}.{version.minor}.{version.extra}",
            "fsid": str(self._cluster.get_fsid()),
            "pool": self.config.pool,
            "namespace": self.config.namespace,
            "user": self.config.entity,
        }
        ret, out, _err = self._cluster.mon_command('{"prefix": "version"}', b"")
        if ret == 0 and out:
            info["ceph"] = out.decode(errors="replace").strip()
        return info

    def close(self) -> None:
        self.aio_flush()
        self._ioctx.close()
        self._cluster.shutdown()


class WriteHandle:
    """A write started by :meth:`RadosBackend.aio_write_handle`."""

    __slots__ = ("_completion", "_key")

    def __init__(self, completion: Any, key: str) -> None:
        self._completion = completion
        self._key = key

    def wait(self) -> None:
        """Block until the write completes; python-rados releases the GIL while waiting."""
        self._completion.wait_for_complete()

    def is_complete(self) -> bool:
        return bool(self._completion.is_complete())

    def error(self) -> ObjstoreError | None:
        """None on success, else the taxonomy error (call after completion)."""
        rc = self._completion.get_return_value()
        return error_for_rc(rc, "aio_write", self._key) if rc < 0 else None
