"""pydaos errors onto the objstore taxonomy: the one mapping table of the daos backend.

pydaos raises ``PyDError`` (``.error`` is a ``DaosErrorCode``: ``.err`` the negative DER
code, ``.name`` such as ``DER_NONEXIST``), ``DObjNotFound`` from ``DCont.get``,
``KeyError`` from ``DDict.get`` and ``InvalidModeError`` from ``DCont``. The classes come
from the pydaos module the backend loaded (the real one or the test double), so the
table is built per module by :func:`error_table`; DER codes are matched by name, which
is stable across DAOS releases where the numbers are not guaranteed to be.
"""

from __future__ import annotations

import types
from collections.abc import Callable

from objstore.errors import (
    AlreadyExists,
    BackendError,
    ConfigError,
    ErrorTable,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    PermissionDenied,
    Timeout,
    Unavailable,
    Unsupported,
    errno_class,
)

BACKEND = "daos"

DER_CLASSES: dict[str, type[ObjstoreError]] = {
    "DER_NONEXIST": NotFound,
    "DER_ENOENT": NotFound,
    "DER_CONT_NONEXIST": NotFound,
    "DER_EXIST": AlreadyExists,
    "DER_NO_PERM": PermissionDenied,
    "DER_EP_RO": PermissionDenied,
    "DER_INVAL": InvalidArgument,
    "DER_KEY2BIG": InvalidArgument,
    "DER_REC2BIG": InvalidArgument,
    "DER_OVERFLOW": InvalidArgument,
    "DER_BADPATH": InvalidArgument,
    "DER_NOTDIR": InvalidArgument,
    "DER_NOTSUPPORTED": Unsupported,
    "DER_NOSYS": Unsupported,
    "DER_TIMEDOUT": Timeout,
    "DER_UNREACH": Unavailable,
    "DER_BUSY": Unavailable,
    "DER_AGAIN": Unavailable,
    "DER_HG": Unavailable,
    "DER_STALE": Unavailable,
    "DER_NOTLEADER": Unavailable,
    "DER_NO_SERVICE": Unavailable,
    "DER_SHUTDOWN": Unavailable,
    "DER_EXCLUDED": Unavailable,
    "DER_OVERLOAD_RETRY": Unavailable,
    "DER_TX_RESTART": Unavailable,
    "DER_INPROGRESS": Unavailable,
    "DER_AGENT_COMM": Unavailable,
    "DER_CONT_DESTROYING": Unavailable,
    "DER_NOSPACE": BackendError,
    "DER_QUOTA_LIMIT": BackendError,
    "DER_NOMEM": BackendError,
    "DER_IO": BackendError,
    "DER_DATA_LOSS": BackendError,
}
"""DAOS return codes by name; a name not listed becomes BackendError (with its code)."""


def der_name(exc: BaseException) -> str | None:
    """``DER_*`` name of a PyDError (duck-typed: ``.error.name``), else None."""
    name = getattr(getattr(exc, "error", None), "name", None)
    return name if isinstance(name, str) else None


def der_code(exc: BaseException) -> int | None:
    """The native code: the DER rc of a PyDError (``.error.err``), else None."""
    err = getattr(getattr(exc, "error", None), "err", None)
    return err if isinstance(err, int) else None


Matcher = Callable[[BaseException], bool]


def _der_is(pyd_error: type[BaseException], name: str) -> Matcher:
    return lambda exc: isinstance(exc, pyd_error) and der_name(exc) == name


def _errno_from_duns(pyd_error: type[BaseException], cls: type[ObjstoreError]) -> Matcher:
    # duns_resolve_path (DCont(path=...)) reports a positive errno, which DaosErrorCode
    # cannot name (DER_UNKNOWN): read it as an errno.
    def match(exc: BaseException) -> bool:
        code = der_code(exc)
        return (
            isinstance(exc, pyd_error)
            and code is not None
            and 0 < code < 1000
            and errno_class(code) is cls
        )

    return match


def error_table(pydaos: types.ModuleType) -> ErrorTable:
    """The table for one loaded pydaos module (the real one or the test double)."""
    pyd_error: type[BaseException] = pydaos.PyDError
    rules: list[tuple[type[BaseException] | Matcher, type[ObjstoreError]]] = [
        (pydaos.DObjNotFound, NotFound),
        (pydaos.InvalidModeError, ConfigError),
        (KeyError, NotFound),  # DDict.get of a missing key
    ]
    rules += [(_der_is(pyd_error, name), cls) for name, cls in DER_CLASSES.items()]
    rules += [
        (_errno_from_duns(pyd_error, cls), cls)
        for cls in (NotFound, PermissionDenied, InvalidArgument, Unavailable, Timeout)
    ]
    return ErrorTable(backend=BACKEND, rules=rules, code_of=der_code, use_errno=False)


def is_der(exc: BaseException, name: str) -> bool:
    """True when ``exc`` is a pydaos error carrying the DER code ``name``."""
    return der_name(exc) == name
