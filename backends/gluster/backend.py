"""The gluster backend: one file per object in a GlusterFS volume, through libgfapi.

Objects live as flat files in ``<volume>:/<subdir>/``. Keys map to file names with
:func:`objstore.keys.encode_key` (``%`` -> ``%25``, ``/`` -> ``%2F``, a leading ``.`` ->
``%2E``), so no key can name a directory, ``..`` or a path outside ``subdir``. Names that
start with ``.`` are ours (``.tmp-*`` staging files) and are never listed.

Modes map onto single libgfapi calls:

* ``w``: ``glfs_creat(O_WRONLY)`` + ``glfs_pwrite`` at the offset (gluster zero-fills gaps);
* ``wf``: write ``.tmp-<uuid>``, copy the user xattrs over, ``glfs_rename`` onto the name:
  readers see the old or the new object, never a mix;
* ``wa``: ``glfs_creat(O_WRONLY|O_APPEND)`` + one ``glfs_write``: the brick serialises
  appends, so concurrent appenders never interleave or lose data;
* ``create``: ``glfs_creat(O_WRONLY|O_CREAT|O_EXCL)`` + ``glfs_pwrite``: the exclusive
  create is atomic; a reader racing the creator may briefly see it shorter.
"""

from __future__ import annotations

import builtins
import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

from backends.gluster import _native
from backends.gluster.config import GlusterConfig
from backends.gluster.errors import ERRORS
from objstore.keys import NAME_MAX, decode_key, file_name
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

XATTR_PREFIX = "user."
TEMP_PREFIX = ".tmp-"

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
    process_safe=True,
    persistent=True,
    max_key_bytes=NAME_MAX,
    # "user." + name must fit in XATTR_NAME_MAX (255) on the brick.
    max_xattr_name_bytes=255 - len(XATTR_PREFIX),
    # Bricks on ext4 keep all xattrs of an inode in one block: stay well under 4 KiB.
    max_xattr_value_bytes=1024,
)


class GlusterBackend(Backend):
    """Objects as files in a GlusterFS volume, through our ctypes binding of libgfapi.

    Every store of one volume in one process shares a single libgfapi client (see
    :mod:`backends.gluster._native`): ``close`` leaves it open because ``glfs_fini``
    costs ~10 s. Thread-safe: each operation opens, uses and closes its own fd.
    """

    name = "gluster"

    def __init__(self, **options: Any) -> None:
        self.config = GlusterConfig.from_mapping(options)
        self.capabilities = CAPABILITIES
        self._dir = "/" + self.config.subdir if self.config.subdir else ""
        with ERRORS.mapped("open", None):
            client = self._client()
            self._make_dirs(client)

    # -- plumbing ----------------------------------------------------------------------

    def _client(self) -> _native.GlfsClient:
        # Looked up per call (a dict hit) so a forked child gets a client of its own.
        cfg = self.config
        return _native.client_for(
            cfg.volume,
            cfg.host,
            cfg.port,
            log_file=cfg.log_file,
            log_level=cfg.log_level_number,
            xlator_options=cfg.xlator_options,
        )

    def _make_dirs(self, client: _native.GlfsClient) -> None:
        path = ""
        for part in self.config.subdir.split("/") if self.config.subdir else ():
            path += "/" + part
            with contextlib.suppress(FileExistsError):
                client.mkdir(path)

    def _path(self, key: str, op: str) -> str:
        return f"{self._dir}/{file_name(key, backend=self.name, op=op)}"

    def _temp_path(self) -> str:
        return f"{self._dir}/{TEMP_PREFIX}{uuid.uuid4().hex}"

    # -- data ----------------------------------------------------------------------------

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        """Write in ``mode``; see the module docstring for the call each mode makes."""
        self._write(key, (data,), mode, offset, "put")

    def write_stream(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
    ) -> int:
        """Stream ``chunks`` through one fd; in mode ``wf`` the replace stays atomic."""
        return self._write(key, chunks, mode, offset, "put_stream")

    def _write(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int, op: str
    ) -> int:
        path = self._path(key, op)
        with ERRORS.mapped(op, key):
            client = self._client()
            if mode is WriteMode.WRITE_FULL:
                return self._replace(client, path, chunks)
            if mode is WriteMode.APPEND:
                with client.creat(path, os.O_WRONLY | os.O_APPEND) as f:
                    # One glfs_write per chunk: each is one atomic append on the brick.
                    return sum(f.write(chunk) for chunk in chunks if len(chunk))
            if mode is WriteMode.CREATE:
                f = client.creat(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
                done = False
                try:
                    total = _pwrite_chunks(f, chunks, 0)
                    f.close()
                    done = True
                    return total
                finally:
                    if not done:  # do not leave a half-created object behind
                        with contextlib.suppress(OSError):
                            f.close()
                        _discard(client, path)
            with client.creat(path, os.O_WRONLY) as f:
                # An empty write creates a missing object but never extends one (spec).
                return _pwrite_chunks(f, chunks, offset)

    def _replace(self, client: _native.GlfsClient, path: str, chunks: Iterable[Buffer]) -> int:
        temp = self._temp_path()
        done = False
        try:
            with client.creat(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL) as f:
                total = _pwrite_chunks(f, chunks, 0)
            _copy_user_xattrs(client, path, temp)  # wf replaces the data, not the metadata
            client.rename(temp, path)
            done = True
            return total
        finally:
            if not done:
                _discard(client, temp)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        """``glfs_pread`` of ``[offset, offset+length)``, clipped to the object."""
        path = self._path(key, "get")
        with ERRORS.mapped("get", key), self._client().open(path, os.O_RDONLY) as f:
            if length is None:
                length = max(f.fstat().size - offset, 0)
            buffer = bytearray(length)
            n = f.pread_into(memoryview(buffer), offset)
            if n < length:
                del buffer[n:]
            return bytes(buffer)

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        """``glfs_pread`` straight into the caller's buffer; return the bytes placed."""
        path = self._path(key, "get_into")
        with ERRORS.mapped("get_into", key), self._client().open(path, os.O_RDONLY) as f:
            return f.pread_into(buffer, offset)

    def delete(self, key: str) -> None:
        """``glfs_unlink``; NotFound when missing."""
        path = self._path(key, "delete")
        with ERRORS.mapped("delete", key):
            self._client().unlink(path)

    def list(self, prefix: str) -> Iterator[str]:
        """Read the directory once, skip our ``.``-names, decode and filter by prefix."""
        with ERRORS.mapped("list", None):
            names = list(self._client().listdir(self._dir or "/"))
        for name in names:
            if name.startswith("."):
                continue
            key = decode_key(name)
            if key.startswith(prefix):
                yield key

    def stat(self, key: str) -> ObjectStat:
        """``glfs_stat``: size and mtime (nanosecond precision)."""
        path = self._path(key, "stat")
        with ERRORS.mapped("stat", key):
            st = self._client().stat(path)
        return ObjectStat(key=key, size=st.size, mtime=st.mtime)

    # -- metadata: user.* xattrs -----------------------------------------------------------

    def get_xattr(self, key: str, name: str) -> bytes:
        path = self._path(key, "get_xattr")
        with ERRORS.mapped("get_xattr", key):
            return self._client().getxattr(path, XATTR_PREFIX + name)

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        path = self._path(key, "set_xattr")
        with ERRORS.mapped("set_xattr", key):
            self._client().setxattr(path, XATTR_PREFIX + name, value)

    def list_xattrs(self, key: str) -> builtins.list[str]:
        path = self._path(key, "list_xattrs")
        with ERRORS.mapped("list_xattrs", key):
            names = self._client().listxattr(path)
        return [n[len(XATTR_PREFIX) :] for n in names if n.startswith(XATTR_PREFIX)]

    def remove_xattr(self, key: str, name: str) -> None:
        path = self._path(key, "remove_xattr")
        with ERRORS.mapped("remove_xattr", key):
            self._client().removexattr(path, XATTR_PREFIX + name)

    def describe(self) -> dict[str, str]:
        cfg = self.config
        with ERRORS.mapped("describe"):
            volume_id = self._client().volume_id()
        return {
            "volume": cfg.volume,
            "volume_id": volume_id,
            "volfile_server": f"{cfg.host}:{cfg.port}",
            "subdir": cfg.subdir or "/",
            "library": _native.LIBRARY,
        }

    def close(self) -> None:
        """Nothing to release: the shared client stays open (``glfs_fini`` costs ~10 s)."""


def _pwrite_chunks(f: _native.GlfsFile, chunks: Iterable[Buffer], offset: int) -> int:
    total = 0
    for chunk in chunks:
        total += f.pwrite(chunk, offset + total)
    return total


def _copy_user_xattrs(client: _native.GlfsClient, source: str, target: str) -> None:
    try:
        names = client.listxattr(source)
    except FileNotFoundError:
        return
    for name in names:
        if name.startswith(XATTR_PREFIX):
            client.setxattr(target, name, client.getxattr(source, name))


def _discard(client: _native.GlfsClient, path: str) -> None:
    # Best effort on a failure path: the original error is the one worth raising.
    with contextlib.suppress(OSError):
        client.unlink(path)
