"""One error taxonomy for every backend.

::

    ObjstoreError                  exit code 9 (generic)
    ├── NotFound                   3   object, attribute or pool missing
    ├── AlreadyExists              4   exclusive create lost
    ├── PermissionDenied           5   caps, ACLs, cephx, DER_NO_PERM
    ├── InvalidArgument            6   bad key, offset, length, mode, option (also a ValueError)
    ├── Unsupported                7   the backend does not declare the capability
    ├── Unavailable                8   connection lost or timed out; retryable
    │   └── Timeout                8   an operation exceeded its deadline
    ├── ConfigError                10  a config file or option is wrong
    └── BackendError               9   anything the backend reported that fits nowhere else

Every error carries the backend name, the operation, the key and the native code
(errno or DAOS rc); the native exception is chained as ``__cause__``.

Backends never write ``except`` blocks of their own: each has an :class:`ErrorTable`
in its ``errors.py``, and applies it with :meth:`ErrorTable.mapped`.
"""

from __future__ import annotations

import errno as errno_mod
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class ObjstoreError(Exception):
    """Root of every error objstore raises."""

    retryable = False
    exit_code = 9

    def __init__(
        self,
        message: str = "",
        *,
        backend: str | None = None,
        op: str | None = None,
        key: str | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.backend = backend
        self.op = op
        self.key = key
        self.code = code

    def __str__(self) -> str:
        where = " ".join(
            part
            for part in (
                f"[{self.backend}]" if self.backend else "",
                self.op or "",
                repr(self.key) if self.key is not None else "",
            )
            if part
        )
        text = self.message or type(self).__name__
        if self.code is not None:
            text = f"{text} (code {self.code})"
        return f"{where}: {text}" if where else text

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the context when errors cross a process boundary (spawned bench workers).
        return (
            _rebuild,
            (type(self), self.message, self.backend, self.op, self.key, self.code),
        )


def _rebuild(
    cls: type[ObjstoreError],
    message: str,
    backend: str | None,
    op: str | None,
    key: str | None,
    code: int | None,
) -> ObjstoreError:
    return cls(message, backend=backend, op=op, key=key, code=code)


class NotFound(ObjstoreError):
    """The object (or attribute, pool, volume) does not exist."""

    exit_code = 3


class AlreadyExists(ObjstoreError):
    """An exclusive create found the object already there."""

    exit_code = 4


class PermissionDenied(ObjstoreError):
    """The credentials in use may not do this."""

    exit_code = 5


class InvalidArgument(ObjstoreError, ValueError):
    """A key, offset, length, mode or option is not acceptable."""

    exit_code = 6


class Unsupported(ObjstoreError):
    """The backend does not declare the capability this call needs."""

    exit_code = 7


class Unavailable(ObjstoreError):
    """The service could not be reached or did not answer in time. Retrying may work."""

    retryable = True
    exit_code = 8


class Timeout(Unavailable):
    """An operation exceeded its deadline."""


class ConfigError(ObjstoreError):
    """A configuration file, URL or option is wrong."""

    exit_code = 10


class BackendError(ObjstoreError):
    """The backend failed in a way that fits no other class."""

    exit_code = 9


ALL_ERRORS: tuple[type[ObjstoreError], ...] = (
    NotFound,
    AlreadyExists,
    PermissionDenied,
    InvalidArgument,
    Unsupported,
    Unavailable,
    Timeout,
    ConfigError,
    BackendError,
)

# The errno part of the taxonomy, shared by every backend whose native layer speaks errno
# (posix, libgfapi, the Go bridge). A backend's table may override single entries.
ERRNO_CLASSES: dict[int, type[ObjstoreError]] = {
    errno_mod.ENOENT: NotFound,
    errno_mod.ENODATA: NotFound,  # getxattr of a missing attribute
    errno_mod.ENOTDIR: NotFound,
    errno_mod.EEXIST: AlreadyExists,
    errno_mod.ENOTEMPTY: AlreadyExists,
    errno_mod.EPERM: PermissionDenied,
    errno_mod.EACCES: PermissionDenied,
    errno_mod.EROFS: PermissionDenied,
    errno_mod.EINVAL: InvalidArgument,
    errno_mod.ENAMETOOLONG: InvalidArgument,
    errno_mod.EFBIG: InvalidArgument,
    errno_mod.ERANGE: InvalidArgument,
    errno_mod.E2BIG: InvalidArgument,
    errno_mod.EISDIR: InvalidArgument,
    errno_mod.EOPNOTSUPP: Unsupported,
    errno_mod.ENOSYS: Unsupported,
    errno_mod.ETIMEDOUT: Timeout,
    errno_mod.ENOTCONN: Unavailable,
    errno_mod.ECONNREFUSED: Unavailable,
    errno_mod.ECONNRESET: Unavailable,
    errno_mod.EHOSTUNREACH: Unavailable,
    errno_mod.ENETUNREACH: Unavailable,
    errno_mod.ESHUTDOWN: Unavailable,
    errno_mod.EAGAIN: Unavailable,
    errno_mod.EIO: BackendError,
    errno_mod.ENOSPC: BackendError,
    errno_mod.EDQUOT: BackendError,
}


def errno_class(code: int) -> type[ObjstoreError]:
    """The taxonomy class for an errno value (sign ignored); BackendError when unknown."""
    return ERRNO_CLASSES.get(abs(code), BackendError)


def error_for_errno(
    code: int,
    message: str = "",
    *,
    backend: str | None = None,
    op: str | None = None,
    key: str | None = None,
) -> ObjstoreError:
    """Build the taxonomy error for an errno (positive or negative)."""
    code = abs(code)
    text = message or f"{os.strerror(code)} ({errno_mod.errorcode.get(code, '?')})"
    return errno_class(code)(text, backend=backend, op=op, key=key, code=code)


Matcher = type[BaseException] | Callable[[BaseException], bool]


@dataclass
class ErrorTable:
    """Maps native exceptions onto the taxonomy, in one place per backend.

    ``rules`` are tried in order, so put the most specific first. Each rule pairs a
    matcher (an exception type, or a predicate) with a taxonomy class. ``code_of`` pulls
    the native code (errno, rc) out of an exception. An :class:`ObjstoreError` raised
    inside passes through, only gaining the backend/op/key it lacks. Anything unmatched
    becomes :class:`BackendError` with the native exception as its cause.
    """

    backend: str
    rules: list[tuple[Matcher, type[ObjstoreError]]] = field(default_factory=list)
    code_of: Callable[[BaseException], int | None] = lambda exc: getattr(exc, "errno", None)
    use_errno: bool = True

    def classify(self, exc: BaseException) -> type[ObjstoreError]:
        for matcher, cls in self.rules:
            if isinstance(matcher, type):
                if isinstance(exc, matcher):
                    return cls
            elif matcher(exc):
                return cls
        code = self.code_of(exc)
        if self.use_errno and isinstance(code, int) and code:
            return errno_class(code)
        return BackendError

    def translate(
        self, exc: BaseException, op: str | None = None, key: str | None = None
    ) -> ObjstoreError:
        if isinstance(exc, ObjstoreError):
            exc.backend = exc.backend or self.backend
            exc.op = exc.op or op
            exc.key = exc.key if exc.key is not None else key
            return exc
        cls = self.classify(exc)
        code = self.code_of(exc)
        message = _native_message(exc)
        err = cls(
            message,
            backend=self.backend,
            op=op,
            key=key,
            code=abs(code) if isinstance(code, int) else None,
        )
        err.__cause__ = exc
        return err

    @contextmanager
    def mapped(self, op: str, key: str | None = None) -> Iterator[None]:
        """Run a block and raise any native error as its taxonomy class (cause chained)."""
        try:
            yield
        except ObjstoreError as exc:
            raise self.translate(exc, op, key) from exc.__cause__
        except Exception as exc:
            raise self.translate(exc, op, key) from exc


def _native_message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        # Not str(exc): it carries local paths (temp files, the root) that mean nothing to callers.
        return exc.strerror
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not text.startswith(type(exc).__name__) else text
