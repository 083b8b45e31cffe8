"""The posix backend: one file per object under a root directory.

Keys map to flat file names through :mod:`objstore.keys`, so nothing is ever written
outside the root: ``../x`` becomes the file ``%2E.%2Fx``. Names starting with ``.`` are
ours (temp files, the sidecar metadata directory) and never listed.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import hashlib
import json
import os
import threading
import uuid
from base64 import b64decode, b64encode
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from backends.posix.config import PosixConfig
from backends.posix.errors import ERRORS
from objstore.errors import InvalidArgument, NotFound
from objstore.keys import NAME_MAX, decode_key, file_name
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

XATTR_PREFIX = "user."
SIDECAR_DIR = ".objstore-meta"

CAPABILITIES = Capabilities(
    write_full=True,
    atomic_write_full=True,
    offset_write=True,
    append=True,
    atomic_append=True,
    create_exclusive=True,
    ranged_read=True,
    read_into=True,
    metadata=True,
    list_prefix=True,
    stream_write_atomic=True,
    thread_safe=True,
    persistent=True,
    max_key_bytes=NAME_MAX,
    # "user." + name must fit in XATTR_NAME_MAX (255).
    max_xattr_name_bytes=255 - len(XATTR_PREFIX),
    # ext4 keeps all xattrs of an inode in one block; 1 KiB per value is safe everywhere.
    max_xattr_value_bytes=1024,
)


class PosixBackend(Backend):
    """Objects as files. Thread-safe: every operation is a self-contained syscall sequence."""

    name = "posix"

    def __init__(self, **options: Any) -> None:
        self.config = PosixConfig.from_mapping(options)
        self.root = self.config.root
        with ERRORS.mapped("open", None):
            # Checked before mkdir, which would report a file in the way as EEXIST
            # (AlreadyExists): the wrong class for a misconfigured root.
            if self.root.exists() and not self.root.is_dir():
                raise InvalidArgument(f"root {self.root} is not a directory", op="open")
            self.root.mkdir(parents=True, exist_ok=True)
            self._sidecar = self._choose_xattr_mode()
        self._sidecar_lock = threading.Lock()
        self.capabilities = CAPABILITIES
        if self._sidecar:
            self.capabilities = CAPABILITIES.with_(max_xattr_value_bytes=0, max_xattr_name_bytes=0)

    # -- paths -----------------------------------------------------------------------

    def _path(self, key: str, op: str) -> str:
        return os.path.join(self.root, file_name(key, backend=self.name, op=op))

    def _temp_path(self) -> str:
        return os.path.join(self.root, f".tmp-{uuid.uuid4().hex}")

    def _choose_xattr_mode(self) -> bool:
        """True when metadata goes to sidecar files."""
        if self.config.xattrs != "auto":
            return self.config.xattrs == "sidecar"
        probe = self._temp_path()
        try:
            with open(probe, "wb"):
                pass
            os.setxattr(probe, XATTR_PREFIX + "objstore-probe", b"1")
            return False
        except OSError as exc:
            if exc.errno in (errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
                return True
            raise
        finally:
            with_missing_ok(os.unlink, probe)

    # -- data ------------------------------------------------------------------------

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        path = self._path(key, "put")
        with ERRORS.mapped("put", key):
            if mode is WriteMode.WRITE_FULL:
                self._replace(path, [data])
            elif mode is WriteMode.CREATE:
                self._create(path, [data])
            elif mode is WriteMode.APPEND:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
                try:
                    _write_all(fd, data)
                finally:
                    os.close(fd)
            else:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
                try:
                    _pwrite_all(fd, data, offset)
                finally:
                    os.close(fd)

    def _staged(self, chunks: Iterable[Buffer]) -> tuple[str, int]:
        temp = self._temp_path()
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        total = 0
        try:
            for chunk in chunks:
                _write_all(fd, chunk)
                total += len(chunk)
            if self.config.fsync:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            with_missing_ok(os.unlink, temp)
            raise
        os.close(fd)
        return temp, total

    def _replace(self, path: str, chunks: Iterable[Buffer]) -> int:
        temp, total = self._staged(chunks)
        try:
            if not self._sidecar:
                _copy_xattrs(path, temp)  # wf replaces the data, not the metadata
            os.replace(temp, path)
        except BaseException:
            with_missing_ok(os.unlink, temp)
            raise
        self._sync_dir()
        return total

    def _create(self, path: str, chunks: Iterable[Buffer]) -> int:
        # link() fails with EEXIST atomically, and readers never see a half-written object.
        temp, total = self._staged(chunks)
        try:
            os.link(temp, path)
        finally:
            with_missing_ok(os.unlink, temp)
        if self._sidecar:
            self._write_sidecar(path, {})
        self._sync_dir()
        return total

    def _sync_dir(self) -> None:
        if self.config.fsync:
            fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def write_stream(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
    ) -> int:
        path = self._path(key, "put_stream")
        with ERRORS.mapped("put_stream", key):
            if mode is WriteMode.WRITE_FULL:
                return self._replace(path, chunks)
            if mode is WriteMode.CREATE:
                return self._create(path, chunks)
        return super().write_stream(key, chunks, mode, offset)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        path = self._path(key, "get")
        with ERRORS.mapped("get", key):
            fd = os.open(path, os.O_RDONLY)
            try:
                if length is None:
                    length = max(os.fstat(fd).st_size - offset, 0)
                parts = []
                while length > 0:
                    part = os.pread(fd, min(length, 1 << 30), offset)
                    if not part:
                        break
                    parts.append(part)
                    offset += len(part)
                    length -= len(part)
                return parts[0] if len(parts) == 1 else b"".join(parts)
            finally:
                os.close(fd)

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        path = self._path(key, "get_into")
        with ERRORS.mapped("get_into", key):
            fd = os.open(path, os.O_RDONLY)
            try:
                filled = 0
                while filled < len(buffer):
                    n = os.preadv(fd, [buffer[filled:]], offset + filled)
                    if n == 0:
                        break
                    filled += n
                return filled
            finally:
                os.close(fd)

    def delete(self, key: str) -> None:
        path = self._path(key, "delete")
        with ERRORS.mapped("delete", key):
            os.unlink(path)
            if self._sidecar:
                with_missing_ok(os.unlink, self._sidecar_path(path))

    def list(self, prefix: str) -> Iterator[str]:
        with ERRORS.mapped("list", None), os.scandir(self.root) as entries:
            names = [e.name for e in entries if not e.name.startswith(".")]
        for name in names:
            key = decode_key(name)
            if key.startswith(prefix):
                yield key

    def stat(self, key: str) -> ObjectStat:
        path = self._path(key, "stat")
        with ERRORS.mapped("stat", key):
            st = os.stat(path)
        return ObjectStat(key=key, size=st.st_size, mtime=st.st_mtime_ns / 1e9)

    # -- metadata ----------------------------------------------------------------------

    def get_xattr(self, key: str, name: str) -> bytes:
        path = self._path(key, "get_xattr")
        with ERRORS.mapped("get_xattr", key):
            if self._sidecar:
                os.stat(path)
                value = self._read_sidecar(path).get(name)
                if value is None:
                    raise NotFound(f"attribute {name!r} not set")
                return value
            try:
                return os.getxattr(path, XATTR_PREFIX + name)
            except OSError as exc:
                if exc.errno == errno.ENODATA:
                    raise NotFound(f"attribute {name!r} not set", code=exc.errno) from exc
                raise

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        path = self._path(key, "set_xattr")
        with ERRORS.mapped("set_xattr", key):
            if self._sidecar:
                with self._sidecar_lock:
                    os.stat(path)
                    attrs = self._read_sidecar(path)
                    attrs[name] = value
                    self._write_sidecar(path, attrs)
            else:
                os.setxattr(path, XATTR_PREFIX + name, value)

    def list_xattrs(self, key: str) -> builtins.list[str]:
        path = self._path(key, "list_xattrs")
        with ERRORS.mapped("list_xattrs", key):
            if self._sidecar:
                os.stat(path)
                return list(self._read_sidecar(path))
            return [
                n[len(XATTR_PREFIX) :] for n in os.listxattr(path) if n.startswith(XATTR_PREFIX)
            ]

    def remove_xattr(self, key: str, name: str) -> None:
        path = self._path(key, "remove_xattr")
        with ERRORS.mapped("remove_xattr", key):
            if self._sidecar:
                with self._sidecar_lock:
                    os.stat(path)
                    attrs = self._read_sidecar(path)
                    if attrs.pop(name, None) is None:
                        raise NotFound(f"attribute {name!r} not set")
                    self._write_sidecar(path, attrs)
                return
            try:
                os.removexattr(path, XATTR_PREFIX + name)
            except OSError as exc:
                if exc.errno == errno.ENODATA:
                    raise NotFound(f"attribute {name!r} not set", code=exc.errno) from exc
                raise

    # Sidecar metadata: one JSON file per object in .objstore-meta/, written by rename.

    def _sidecar_path(self, path: str) -> str:
        # A digest, not the object's file name plus ".json": that would pass NAME_MAX for
        # keys over 250 bytes, making metadata (and create) fail on keys the store accepts.
        digest = hashlib.sha256(os.path.basename(path).encode("utf-8", "surrogateescape"))
        return os.path.join(self.root, SIDECAR_DIR, digest.hexdigest() + ".json")

    def _read_sidecar(self, path: str) -> dict[str, bytes]:
        try:
            with open(self._sidecar_path(path)) as f:
                raw: dict[str, str] = json.load(f)
        except FileNotFoundError:
            return {}
        return {k: b64decode(v) for k, v in raw.items()}

    def _write_sidecar(self, path: str, attrs: dict[str, bytes]) -> None:
        target = Path(self._sidecar_path(path))
        target.parent.mkdir(exist_ok=True)
        temp = target.with_name(f".{uuid.uuid4().hex}")
        temp.write_text(json.dumps({k: b64encode(v).decode() for k, v in attrs.items()}))
        os.replace(temp, target)

    def describe(self) -> dict[str, str]:
        return {
            "root": str(self.root),
            "metadata": "sidecar" if self._sidecar else "user xattrs",
            "filesystem": _fs_type(str(self.root)),
        }


def _write_all(fd: int, data: Buffer) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _pwrite_all(fd: int, data: Buffer, offset: int) -> None:
    view = memoryview(data)
    if not view:
        return
    while view:
        n = os.pwrite(fd, view, offset)
        view = view[n:]
        offset += n


def _copy_xattrs(source: str, target: str) -> None:
    try:
        names = os.listxattr(source)
    except FileNotFoundError:
        return
    for name in names:
        if name.startswith(XATTR_PREFIX):
            os.setxattr(target, name, os.getxattr(source, name))


def with_missing_ok(fn: Any, path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        fn(path)


def _fs_type(path: str) -> str:
    best, fs = "", "unknown"
    try:
        with open("/proc/mounts") as mounts:
            for line in mounts:
                parts = line.split()
                if len(parts) > 2 and path.startswith(parts[1]) and len(parts[1]) > len(best):
                    best, fs = parts[1], parts[2]
    except OSError:
        pass
    return fs
