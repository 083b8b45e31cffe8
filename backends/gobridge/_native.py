"""ctypes binding of libobjstore_gobridge.so (the C ABI in ``go/*.go``).

* The library is loaded lazily, on the first :func:`load` (opening a store), never at
  import: loading starts a Go runtime in this process.
* ``argtypes``/``restype`` are declared once, in :data:`_SIGNATURES`.
* It is loaded with :class:`ctypes.CDLL`, which releases the GIL for the duration of each
  call, so Python threads calling into Go run concurrently.
* A Go runtime does not survive ``fork()``: a forked child hangs (futex) on its first call
  into Go. The pid at load time is kept and every call checks it, so such a child gets
  :class:`~objstore.errors.Unsupported` at once. Use the ``spawn`` or ``forkserver``
  start method instead.
* Every function returns 0 (or a count) or a negative errno; failures raise
  :class:`~backends.gobridge.errors.GoBridgeError`, which ``errors.ERRORS`` maps.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backends.gobridge.errors import NAME, GoBridgeError
from objstore.errors import Unavailable, Unsupported

LIB_FILE = "libobjstore_gobridge.so"
LIB_ENV = "OBJSTORE_GOBRIDGE_LIB"
"""Environment variable naming another build of the library."""
BUILD_HINT = "run scripts/build-gobridge"

MODES = {"w": 0, "wf": 1, "wa": 2, "create": 3}
"""Put modes as the ABI numbers them (go/ops.go)."""

_p = ctypes.c_char_p
_v = ctypes.c_void_p
_u64 = ctypes.c_uint64
_sz = ctypes.c_size_t
_err = ctypes.POINTER(ctypes.c_char_p)
_out = ctypes.POINTER(ctypes.c_void_p)


class SeedRet(ctypes.Structure):
    """The seed's return struct (``RetType`` in its snippets)."""

    _fields_ = [("x", ctypes.c_bool), ("y", ctypes.c_char_p)]


# name -> (restype, argtypes). Errors come back through a char** out-parameter (last).
_SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
    "gb_free": (None, [_v]),
    "gb_version": (ctypes.c_int, [_v, _sz]),
    "gb_selftest_panic": (ctypes.c_int, [_err]),
    "gb_selftest_sleep": (ctypes.c_int, [ctypes.c_int]),
    "gb_open": (
        ctypes.c_int,
        [
            _p,
            _p,
            _p,
            _p,
            _p,
            _p,
            ctypes.c_double,
            ctypes.c_double,
            ctypes.c_double,
            ctypes.POINTER(_u64),
            _err,
        ],
    ),
    "gb_close": (ctypes.c_int, [_u64, _err]),
    "gb_put": (ctypes.c_int, [_u64, _p, _v, _sz, ctypes.c_int, _u64, _err]),
    "gb_get": (ctypes.c_int, [_u64, _p, _u64, _v, _sz, ctypes.POINTER(_sz), _err]),
    "gb_get_stat": (
        ctypes.c_int,
        [_u64, _p, _u64, _v, _sz, ctypes.POINTER(_sz), ctypes.POINTER(_u64), _err],
    ),
    "gb_stat": (
        ctypes.c_int,
        [_u64, _p, ctypes.POINTER(_u64), ctypes.POINTER(ctypes.c_int64), _err],
    ),
    "gb_delete": (ctypes.c_int, [_u64, _p, _err]),
    "gb_fsid": (ctypes.c_int, [_u64, _v, _sz, _err]),
    "gb_list": (ctypes.c_int, [_u64, _p, _out, ctypes.POINTER(_sz), _err]),
    "gb_xattr_get": (ctypes.c_int, [_u64, _p, _p, _out, ctypes.POINTER(_sz), _err]),
    "gb_xattr_set": (ctypes.c_int, [_u64, _p, _p, _v, _sz, _err]),
    "gb_xattr_list": (ctypes.c_int, [_u64, _p, _out, ctypes.POINTER(_sz), _err]),
    "gb_xattr_remove": (ctypes.c_int, [_u64, _p, _p, _err]),
    "gb_aio_put": (ctypes.c_int, [_u64, _p, _v, _sz, ctypes.c_int, _u64, _u64, _err]),
    "gb_aio_get": (ctypes.c_int, [_u64, _p, _u64, _v, _sz, _u64, _err]),
    "gb_aio_wait": (
        ctypes.c_int,
        [
            _u64,
            ctypes.c_int,
            ctypes.c_double,
            ctypes.POINTER(_u64),
            ctypes.POINTER(ctypes.c_int64),
            ctypes.POINTER(ctypes.c_void_p),
            _err,
        ],
    ),
    # The seed's exports keep the seed's own (undeclared) calling convention; only the
    # return types are declared here, for callers that use this module.
    "ToObj": (SeedRet, []),
    "FromObj": (SeedRet, []),
    "DelObj": (SeedRet, []),
    "ListObj": (ctypes.c_char_p, []),
}


def library_path() -> Path:
    """Where the library is looked for: ``$OBJSTORE_GOBRIDGE_LIB`` or ``lib/`` here."""
    override = os.environ.get(LIB_ENV)
    return Path(override) if override else Path(__file__).resolve().parent / "lib" / LIB_FILE


def unavailable_reason() -> str | None:
    """Why the bridge cannot be used here, without loading it (loading starts Go)."""
    path = library_path()
    if not path.is_file():
        return f"{path.name} not built: {BUILD_HINT}"
    if ctypes.util.find_library("rados") is None:
        return "librados not found (apt-get install librados2)"
    return None


class Library:
    """The loaded library with its functions declared; see :func:`load`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cdll = ctypes.CDLL(str(path))  # CDLL, not PyDLL: the GIL is released per call
        self.pid = os.getpid()
        for name, (restype, argtypes) in _SIGNATURES.items():
            fn = getattr(self.cdll, name)
            fn.restype = restype
            if argtypes:
                fn.argtypes = argtypes
        self.free: Callable[[int | None], None] = self.cdll.gb_free

    def fn(self, name: str) -> Any:
        """A declared function, after the fork check."""
        check_not_forked()
        return getattr(self.cdll, name)

    def version(self) -> str:
        """The bridge's identity: its ABI, go-ceph and librados API versions."""
        buf = ctypes.create_string_buffer(256)
        self.fn("gb_version")(buf, len(buf))
        return buf.value.decode()


_lock = threading.Lock()
_library: Library | None = None
_forked_from: int | None = None


def _after_fork_in_child() -> None:
    global _forked_from
    if _library is not None:
        _forked_from = _library.pid


def forked() -> bool:
    """True in a child forked after this process loaded the library."""
    return _forked_from is not None or (_library is not None and _library.pid != os.getpid())


def check_not_forked() -> None:
    """Raise Unsupported in a child forked after the library was loaded (it would hang)."""
    if forked():
        parent = _forked_from if _forked_from is not None else _library.pid  # type: ignore[union-attr]
        raise Unsupported(
            f"the Go bridge was loaded in process {parent}; this forked child (pid "
            f"{os.getpid()}) cannot call it: a Go runtime does not survive fork() and the "
            "call would hang. Use multiprocessing's 'spawn' or 'forkserver' start method, "
            "or open the store only after forking.",
            backend=NAME,
        )


def load() -> Library:
    """Load the library once per process (thread-safe) and return it."""
    global _library
    check_not_forked()
    if _library is not None:
        return _library
    with _lock:
        if _library is None:
            reason = unavailable_reason()
            if reason is not None:
                raise Unavailable(reason, backend=NAME, op="open")
            try:
                lib = Library(library_path())
            except OSError as exc:
                raise Unavailable(
                    f"cannot load {library_path()}: {exc} ({BUILD_HINT})", backend=NAME, op="open"
                ) from exc
            os.register_at_fork(after_in_child=_after_fork_in_child)
            _library = lib
    return _library


def loaded() -> Library | None:
    """The library if this process loaded it, else None (never loads)."""
    return _library


# -- helpers shared by the backend ---------------------------------------------------------


def check(lib: Library, rc: int, err: ctypes.c_char_p, function: str) -> int:
    """Return ``rc`` when it is >= 0, else raise GoBridgeError with the bridge's message."""
    if rc >= 0:
        return rc
    message = ""
    if err.value is not None:
        message = err.value.decode("utf-8", "replace")
        lib.free(ctypes.cast(err, ctypes.c_void_p).value)
    raise GoBridgeError(rc, message, function)


def take(lib: Library, ptr: ctypes.c_void_p, size: int) -> bytes:
    """Copy ``size`` bytes of bridge-allocated memory and free it."""
    if not ptr.value:
        return b""
    try:
        return ctypes.string_at(ptr.value, size)
    finally:
        lib.free(ptr.value)


def c_buffer(data: Any, writable: bool = False) -> tuple[Any, int]:
    """(argument for a ``void *`` parameter, length) for a bytes-like object, without copying.

    bytes pass as they are (ctypes hands Go the object's own storage); writable buffers
    (bytearray, memoryview of one) go through a ctypes array sharing their memory, which also
    stops a bytearray from being resized while Go uses it. A read-only memoryview over
    something other than bytes is the one case that copies.
    """
    if isinstance(data, bytes) and not writable:
        return data, len(data)
    view = data if isinstance(data, memoryview) else memoryview(data)
    if view.format != "B" or view.ndim != 1:
        view = view.cast("B")
    n = view.nbytes
    if n == 0:
        return None, 0
    if view.readonly:
        if writable:
            raise TypeError("buffer must be writable")
        return view.tobytes(), n
    return (ctypes.c_char * n).from_buffer(view), n


_PyBytes_FromStringAndSize = ctypes.pythonapi.PyBytes_FromStringAndSize
_PyBytes_FromStringAndSize.restype = ctypes.py_object
_PyBytes_FromStringAndSize.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]


def new_bytes(size: int) -> bytes:
    """A new, unshared ``bytes`` of ``size`` bytes (contents undefined) for Go to fill.

    Reading straight into the ``bytes`` object that ``get`` returns saves the copy out of a
    bytearray (about 0.3 ms per 4 MiB, plus re-faulting fresh pages). It is safe because
    nothing else holds a reference until the read has finished, and sizes below 2 are
    never used (CPython shares those objects).
    """
    if size < 2:
        raise ValueError("new_bytes is for sizes >= 2")
    data: bytes = _PyBytes_FromStringAndSize(None, size)
    return data


def address(data: bytes) -> int:
    """Address of the storage of a ``bytes`` object (kept alive by the caller)."""
    value = ctypes.cast(ctypes.c_char_p(data), ctypes.c_void_p).value
    assert value is not None
    return value
