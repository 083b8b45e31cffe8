"""The one place where python-rados exceptions become objstore errors.

Rules match by exception class name (python-rados is imported lazily, so the classes
cannot be referenced here); the errno carried by every ``rados.Error`` is the fallback,
and is also what asynchronous completions report (a negative return value).
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from objstore.errors import (
    AlreadyExists,
    ErrorTable,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    PermissionDenied,
    Timeout,
    Unavailable,
    error_for_errno,
)


def native(
    *names: str, modules: tuple[str, ...] = ("rados", "rbd")
) -> Callable[[BaseException], bool]:
    """Match an exception whose class (or a base class) from ``modules`` has one of ``names``.

    python-rbd defines its own classes with the same names (``rbd.PermissionError``...),
    so one rule covers both bindings.
    """

    def matches(exc: BaseException) -> bool:
        return any(cls.__module__ in modules and cls.__name__ in names for cls in type(exc).__mro__)

    return matches


RULES: list[tuple[Callable[[BaseException], bool] | type[BaseException], type[ObjstoreError]]] = [
    (native("ObjectNotFound"), NotFound),
    (native("NoData"), NotFound),  # get_xattr of an attribute that is not set (ENODATA)
    (native("ObjectExists"), AlreadyExists),
    # rados.PermissionError is EPERM (caps), PermissionDeniedError is EACCES (cephx auth).
    (native("PermissionError", "PermissionDeniedError"), PermissionDenied),
    (native("TimedOut"), Timeout),
    (native("InterruptedOrTimeoutError", "ConnectionShutdown", "NotConnected"), Unavailable),
    (native("InvalidArgumentError"), InvalidArgument),
    (ImportError, Unavailable),
]

ERRORS = ErrorTable(backend="rados", rules=RULES)


def error_for_rc(rc: int, op: str, key: str | None, backend: str = "rados") -> ObjstoreError:
    """The taxonomy error for a negative return code of an asynchronous completion."""
    code = abs(rc)
    text = f"{errno.errorcode.get(code, 'E?')}: asynchronous {op} failed"
    return error_for_errno(code, text, backend=backend, op=op, key=key)
