"""A small ctypes binding of libgfapi (``libgfapi.so.0``), GlusterFS 6 and later.

Why our own: Debian ships no Python binding, and PyPI's ``gfapi`` 1.2 does not import on
Python 3.10+ and declares the pre-6 signatures of ``glfs_pwrite``/``glfs_pread``/
``glfs_ftruncate``/``glfs_fsync`` (GlusterFS 6 added ``struct glfs_stat *`` pre/post
arguments), which segfaults. We declare the new ones and always pass NULL for the stats.

The library is loaded with ``use_errno=True``: every failed call raises :class:`OSError`
carrying the errno libgfapi set, and ``backends/gluster/errors.py`` maps it onto the
taxonomy. ctypes releases the GIL during each call, so threads really run in parallel.

One client per volume per process
---------------------------------
``glfs_init`` connects to glusterd, fetches the volfile and starts the client graph
(event threads, one TCP connection per brick); ``glfs_fini`` tears that down and takes
about **10 s every time** (upstream won't fix it: gluster/glusterfs#2606). So
:func:`client_for` opens one :class:`GlfsClient` per (host, port, volume) per process,
shares it between every store and thread, and never calls ``glfs_fini`` at exit: the
process exits, the kernel closes the sockets, and the brick drops the connection. Closing
a store therefore does not close the client. :meth:`GlfsClient.fini` exists for callers
that want to release it anyway; it waits a bounded time. A forked child gets its own
client (the parent's event threads do not exist in the child).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import platform
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from objstore.spec import Buffer

LIBRARY = "libgfapi.so.0"

_c_ssize_t = ctypes.c_ssize_t
_c_off_t = ctypes.c_int64
_c_mode_t = ctypes.c_uint32
_VP = ctypes.c_void_p
_CP = ctypes.c_char_p


class _Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


if platform.machine() in ("x86_64", "AMD64"):

    class _Stat(ctypes.Structure):
        """glibc ``struct stat`` on x86_64 (144 bytes)."""

        _fields_ = [
            ("st_dev", ctypes.c_uint64),
            ("st_ino", ctypes.c_uint64),
            ("st_nlink", ctypes.c_uint64),
            ("st_mode", ctypes.c_uint32),
            ("st_uid", ctypes.c_uint32),
            ("st_gid", ctypes.c_uint32),
            ("_pad0", ctypes.c_int32),
            ("st_rdev", ctypes.c_uint64),
            ("st_size", ctypes.c_int64),
            ("st_blksize", ctypes.c_int64),
            ("st_blocks", ctypes.c_int64),
            ("st_atim", _Timespec),
            ("st_mtim", _Timespec),
            ("st_ctim", _Timespec),
            ("_reserved", ctypes.c_int64 * 3),
        ]

else:

    class _Stat(ctypes.Structure):  # type: ignore[no-redef]
        """The generic (asm-generic, e.g. aarch64) ``struct stat`` (128 bytes)."""

        _fields_ = [
            ("st_dev", ctypes.c_uint64),
            ("st_ino", ctypes.c_uint64),
            ("st_mode", ctypes.c_uint32),
            ("st_nlink", ctypes.c_uint32),
            ("st_uid", ctypes.c_uint32),
            ("st_gid", ctypes.c_uint32),
            ("st_rdev", ctypes.c_uint64),
            ("_pad1", ctypes.c_uint64),
            ("st_size", ctypes.c_int64),
            ("st_blksize", ctypes.c_int32),
            ("_pad2", ctypes.c_int32),
            ("st_blocks", ctypes.c_int64),
            ("st_atim", _Timespec),
            ("st_mtim", _Timespec),
            ("st_ctim", _Timespec),
            ("_reserved", ctypes.c_int32 * 2),
        ]


class _Dirent(ctypes.Structure):
    """glibc ``struct dirent`` (64-bit)."""

    _fields_ = [
        ("d_ino", ctypes.c_uint64),
        ("d_off", ctypes.c_int64),
        ("d_reclen", ctypes.c_uint16),
        ("d_type", ctypes.c_uint8),
        ("d_name", ctypes.c_char * 256),
    ]


# name -> (restype, argtypes). Pointer-returning calls signal failure with NULL, the rest
# with -1; errno holds the reason either way.
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "glfs_new": (_VP, [_CP]),
    "glfs_set_volfile_server": (ctypes.c_int, [_VP, _CP, _CP, ctypes.c_int]),
    "glfs_set_logging": (ctypes.c_int, [_VP, _CP, ctypes.c_int]),
    "glfs_set_xlator_option": (ctypes.c_int, [_VP, _CP, _CP, _CP]),
    "glfs_init": (ctypes.c_int, [_VP]),
    # Returns the length of the volume id (16), copying it into the buffer.
    "glfs_get_volumeid": (ctypes.c_int, [_VP, _CP, ctypes.c_size_t]),
    "glfs_fini": (ctypes.c_int, [_VP]),
    "glfs_open": (_VP, [_VP, _CP, ctypes.c_int]),
    "glfs_creat": (_VP, [_VP, _CP, ctypes.c_int, _c_mode_t]),
    "glfs_close": (ctypes.c_int, [_VP]),
    "glfs_write": (_c_ssize_t, [_VP, _VP, ctypes.c_size_t, ctypes.c_int]),
    # GlusterFS 6+: trailing struct glfs_stat *prestat, *poststat (we pass NULL).
    "glfs_pwrite": (_c_ssize_t, [_VP, _VP, ctypes.c_size_t, _c_off_t, ctypes.c_int, _VP, _VP]),
    "glfs_pread": (_c_ssize_t, [_VP, _VP, ctypes.c_size_t, _c_off_t, ctypes.c_int, _VP]),
    "glfs_ftruncate": (ctypes.c_int, [_VP, _c_off_t, _VP, _VP]),
    "glfs_fsync": (ctypes.c_int, [_VP, _VP, _VP]),
    "glfs_fstat": (ctypes.c_int, [_VP, ctypes.POINTER(_Stat)]),
    "glfs_stat": (ctypes.c_int, [_VP, _CP, ctypes.POINTER(_Stat)]),
    "glfs_unlink": (ctypes.c_int, [_VP, _CP]),
    "glfs_rename": (ctypes.c_int, [_VP, _CP, _CP]),
    "glfs_mkdir": (ctypes.c_int, [_VP, _CP, _c_mode_t]),
    "glfs_opendir": (_VP, [_VP, _CP]),
    "glfs_readdir_r": (
        ctypes.c_int,
        [_VP, ctypes.POINTER(_Dirent), ctypes.POINTER(ctypes.POINTER(_Dirent))],
    ),
    "glfs_closedir": (ctypes.c_int, [_VP]),
    "glfs_getxattr": (_c_ssize_t, [_VP, _CP, _CP, _VP, ctypes.c_size_t]),
    "glfs_setxattr": (ctypes.c_int, [_VP, _CP, _CP, _VP, ctypes.c_size_t, ctypes.c_int]),
    "glfs_listxattr": (_c_ssize_t, [_VP, _CP, _VP, ctypes.c_size_t]),
    "glfs_removexattr": (ctypes.c_int, [_VP, _CP, _CP]),
}

_lib: ctypes.CDLL | None = None
_lib_lock = threading.Lock()


def load_library() -> ctypes.CDLL:
    """Load libgfapi once and declare the signatures. OSError when it is not installed."""
    global _lib
    with _lib_lock:
        if _lib is None:
            lib = ctypes.CDLL(LIBRARY, use_errno=True)
            for name, (restype, argtypes) in _SIGNATURES.items():
                func = getattr(lib, name)
                func.restype = restype
                func.argtypes = argtypes
            _lib = lib
        return _lib


def library_problem() -> str | None:
    """None when libgfapi loads here, else why not (for the registry probe)."""
    try:
        load_library()
    except OSError as exc:
        return f"{LIBRARY} not loadable ({exc})"
    return None


def _fail(what: str, path: str | None = None) -> OSError:
    code = ctypes.get_errno() or errno.EIO
    return OSError(code, f"{what}: {os.strerror(code)}", path)


def _path(path: str) -> bytes:
    # surrogateescape: a name read back from readdir that is not UTF-8 still round-trips.
    return path.encode("utf-8", "surrogateescape")


class _Pinned:
    """A pointer to a buffer's bytes for the duration of a call, without copying when possible."""

    __slots__ = ("_keep", "pointer")

    def __init__(self, data: Buffer, *, writable: bool = False) -> None:
        if isinstance(data, bytes):
            if writable:
                raise TypeError("bytes are read-only")
            self._keep: object = data
            self.pointer: int | bytes = data  # ctypes passes a bytes object by address
            return
        view = data if isinstance(data, memoryview) else memoryview(data)
        if view.readonly:
            if writable:
                raise TypeError("buffer is read-only")
            copy = view.tobytes()  # ctypes cannot take the address of a read-only view
            self._keep = copy
            self.pointer = copy
            return
        if view.nbytes == 0:
            self._keep = b""
            self.pointer = b""
            return
        array = (ctypes.c_char * view.nbytes).from_buffer(view)
        self._keep = array
        self.pointer = ctypes.addressof(array)


class GlfsInitError(OSError):
    """``glfs_init`` failed: glusterd unreachable (ENOTCONN) or no such volume (ENOENT)."""


@dataclass(frozen=True)
class StatResult:
    """What :meth:`GlfsClient.stat` returns."""

    size: int
    mtime: float
    mode: int


def _stat_result(st: _Stat) -> StatResult:
    mtime = st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9
    return StatResult(size=int(st.st_size), mtime=float(mtime), mode=int(st.st_mode))


class GlfsFile:
    """An open ``glfs_fd_t``. Use as a context manager; closing twice is harmless."""

    def __init__(self, client: GlfsClient, fd: int, path: str) -> None:
        self._lib = client.lib
        self._fd: int | None = fd
        self.path = path

    def __enter__(self) -> GlfsFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _handle(self) -> int:
        if self._fd is None:
            raise OSError(errno.EBADF, "file is closed", self.path)
        return self._fd

    def close(self) -> None:
        """``glfs_close``; errors at close (a failed flush) are raised."""
        fd, self._fd = self._fd, None
        if fd is not None and self._lib.glfs_close(fd) < 0:
            raise _fail("glfs_close", self.path)

    def pwrite(self, data: Buffer, offset: int) -> int:
        """Write all of ``data`` at ``offset`` (loops over short writes); return bytes written."""
        view = memoryview(data)
        if view.ndim != 1 or view.format != "B":
            view = view.cast("B")
        total, done = view.nbytes, 0
        while done < total:
            pinned = _Pinned(data if done == 0 else view[done:])
            n = self._lib.glfs_pwrite(
                self._handle(), pinned.pointer, total - done, offset + done, 0, None, None
            )
            if n < 0:
                raise _fail("glfs_pwrite", self.path)
            if n == 0:
                raise OSError(errno.EIO, "glfs_pwrite wrote nothing", self.path)
            done += n
        return done

    def write(self, data: Buffer) -> int:
        """One ``glfs_write`` call (used for O_APPEND, where one call is one atomic append)."""
        pinned = _Pinned(data)
        size = len(data) if isinstance(data, bytes) else memoryview(data).nbytes
        n = self._lib.glfs_write(self._handle(), pinned.pointer, size, 0)
        if n < 0:
            raise _fail("glfs_write", self.path)
        if n != size:
            raise OSError(errno.EIO, f"short append: {n} of {size} bytes", self.path)
        return int(n)

    def pread_into(self, buffer: memoryview, offset: int) -> int:
        """Fill ``buffer`` from ``offset`` until it is full or the file ends; return bytes read."""
        size = buffer.nbytes
        if size == 0:
            return 0
        array = (ctypes.c_char * size).from_buffer(buffer)
        base = ctypes.addressof(array)
        done = 0
        while done < size:
            n = self._lib.glfs_pread(
                self._handle(), base + done, size - done, offset + done, 0, None
            )
            if n < 0:
                raise _fail("glfs_pread", self.path)
            if n == 0:
                break
            done += n
        del array
        return done

    def ftruncate(self, length: int) -> None:
        if self._lib.glfs_ftruncate(self._handle(), length, None, None) < 0:
            raise _fail("glfs_ftruncate", self.path)

    def fsync(self) -> None:
        if self._lib.glfs_fsync(self._handle(), None, None) < 0:
            raise _fail("glfs_fsync", self.path)

    def fstat(self) -> StatResult:
        st = _Stat()
        if self._lib.glfs_fstat(self._handle(), ctypes.byref(st)) < 0:
            raise _fail("glfs_fstat", self.path)
        return _stat_result(st)


class GlfsClient:
    """One initialised ``glfs_t``: a connection to one volume. Thread-safe (libgfapi is)."""

    def __init__(
        self,
        volume: str,
        host: str = "localhost",
        port: int = 24007,
        *,
        log_file: str = "/dev/null",
        log_level: int = 3,
        xlator_options: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        self.lib = load_library()
        self.volume, self.host, self.port = volume, host, port
        self.pid = os.getpid()
        fs = self.lib.glfs_new(volume.encode())
        if not fs:
            raise _fail("glfs_new")
        self._fs: int | None = fs
        if self.lib.glfs_set_volfile_server(fs, b"tcp", host.encode(), port) < 0:
            raise _fail("glfs_set_volfile_server")
        if self.lib.glfs_set_logging(fs, log_file.encode(), log_level) < 0:
            raise _fail("glfs_set_logging")
        for xlator, key, value in xlator_options:
            if (
                self.lib.glfs_set_xlator_option(fs, xlator.encode(), key.encode(), value.encode())
                < 0
            ):
                raise _fail(f"glfs_set_xlator_option {xlator} {key}={value}")
        if self.lib.glfs_init(fs) < 0:
            # The glfs_t is leaked on purpose: glfs_fini of a half-initialised client can
            # take the same ~10 s, and an open that failed should fail fast.
            self._fs = None
            code = ctypes.get_errno() or errno.EIO
            raise GlfsInitError(
                code, f"glfs_init of volume {volume!r} via {host}:{port}: {os.strerror(code)}"
            )

    @property
    def fs(self) -> int:
        if self._fs is None:
            raise OSError(errno.ENOTCONN, "gluster client is finalised")
        return self._fs

    def volume_id(self) -> str:
        """The volume's UUID: a fingerprint of the cluster for benchmark reports."""
        buffer = ctypes.create_string_buffer(16)
        if self.lib.glfs_get_volumeid(self.fs, buffer, 16) != 16:
            raise _fail("glfs_get_volumeid", "/")
        return str(uuid.UUID(bytes=buffer.raw))

    # -- files ---------------------------------------------------------------------------

    def open(self, path: str, flags: int) -> GlfsFile:
        """``glfs_open`` (no O_CREAT)."""
        fd = self.lib.glfs_open(self.fs, _path(path), flags)
        if not fd:
            raise _fail("glfs_open", path)
        return GlfsFile(self, fd, path)

    def creat(self, path: str, flags: int, mode: int = 0o644) -> GlfsFile:
        """``glfs_creat``: open, creating the file when missing (O_EXCL honoured)."""
        fd = self.lib.glfs_creat(self.fs, _path(path), flags, mode)
        if not fd:
            raise _fail("glfs_creat", path)
        return GlfsFile(self, fd, path)

    def stat(self, path: str) -> StatResult:
        st = _Stat()
        if self.lib.glfs_stat(self.fs, _path(path), ctypes.byref(st)) < 0:
            raise _fail("glfs_stat", path)
        return _stat_result(st)

    def unlink(self, path: str) -> None:
        if self.lib.glfs_unlink(self.fs, _path(path)) < 0:
            raise _fail("glfs_unlink", path)

    def rename(self, old: str, new: str) -> None:
        if self.lib.glfs_rename(self.fs, _path(old), _path(new)) < 0:
            raise _fail("glfs_rename", new)

    def mkdir(self, path: str, mode: int = 0o755) -> None:
        if self.lib.glfs_mkdir(self.fs, _path(path), mode) < 0:
            raise _fail("glfs_mkdir", path)

    def listdir(self, path: str) -> Iterator[str]:
        """Names in a directory (without ``.`` and ``..``), read with ``glfs_readdir_r``."""
        dirfd = self.lib.glfs_opendir(self.fs, _path(path))
        if not dirfd:
            raise _fail("glfs_opendir", path)
        try:
            entry = _Dirent()
            result = ctypes.POINTER(_Dirent)()
            while True:
                rc = self.lib.glfs_readdir_r(dirfd, ctypes.byref(entry), ctypes.byref(result))
                if rc != 0:  # readdir_r returns the error number itself
                    raise OSError(rc, f"glfs_readdir_r: {os.strerror(rc)}", path)
                if not result:
                    return
                name = entry.d_name.decode("utf-8", "surrogateescape")
                if name not in (".", ".."):
                    yield name
        finally:
            self.lib.glfs_closedir(dirfd)

    # -- extended attributes -------------------------------------------------------------

    def getxattr(self, path: str, name: str) -> bytes:
        size = 4096
        while True:
            buf = ctypes.create_string_buffer(size)
            n = self.lib.glfs_getxattr(self.fs, _path(path), name.encode(), buf, size)
            if n >= 0:
                return buf.raw[:n]
            if ctypes.get_errno() != errno.ERANGE or size >= 1 << 24:
                raise _fail("glfs_getxattr", path)
            size *= 16

    def setxattr(self, path: str, name: str, value: bytes) -> None:
        if self.lib.glfs_setxattr(self.fs, _path(path), name.encode(), value, len(value), 0) < 0:
            raise _fail("glfs_setxattr", path)

    def listxattr(self, path: str) -> list[str]:
        size = 4096
        while True:
            buf = ctypes.create_string_buffer(size)
            n = self.lib.glfs_listxattr(self.fs, _path(path), buf, size)
            if n >= 0:
                return [p.decode("utf-8", "surrogateescape") for p in buf.raw[:n].split(b"\0") if p]
            if ctypes.get_errno() != errno.ERANGE or size >= 1 << 24:
                raise _fail("glfs_listxattr", path)
            size *= 16

    def removexattr(self, path: str, name: str) -> None:
        if self.lib.glfs_removexattr(self.fs, _path(path), name.encode()) < 0:
            raise _fail("glfs_removexattr", path)

    # -- teardown ------------------------------------------------------------------------

    def fini(self, timeout: float = 15.0) -> bool:
        """``glfs_fini`` in a daemon thread, waiting at most ``timeout`` seconds.

        Returns True when it finished. It takes ~10 s (glusterfs#2606); on timeout the
        thread is left behind and the process can still exit (it is a daemon thread).
        """
        fs, self._fs = self._fs, None
        if fs is None:
            return True
        lib = self.lib
        thread = threading.Thread(target=lib.glfs_fini, args=(fs,), daemon=True, name="glfs_fini")
        thread.start()
        thread.join(timeout)
        return not thread.is_alive()


_clients: dict[tuple[int, str, int, str], GlfsClient] = {}
_clients_lock = threading.Lock()


def client_for(
    volume: str,
    host: str,
    port: int,
    *,
    log_file: str,
    log_level: int,
    xlator_options: tuple[tuple[str, str, str], ...] = (),
) -> GlfsClient:
    """The process's shared client for ``volume`` at ``host:port``, created on first use.

    Keyed by pid too, so a forked child builds its own instead of using the parent's,
    whose event threads did not survive the fork. The options of the first caller win.
    """
    key = (os.getpid(), host, port, volume)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = GlfsClient(
                volume,
                host,
                port,
                log_file=log_file,
                log_level=log_level,
                xlator_options=xlator_options,
            )
            _clients[key] = client
        return client
