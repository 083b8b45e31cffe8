"""The one place where python-rbd (and python-rados) exceptions become objstore errors."""

from __future__ import annotations

from collections.abc import Callable

from backends.rados.errors import RULES as RADOS_RULES
from backends.rados.errors import native
from objstore.errors import (
    AlreadyExists,
    ErrorTable,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    PermissionDenied,
    Timeout,
    Unavailable,
)

RULES: list[tuple[Callable[[BaseException], bool] | type[BaseException], type[ObjstoreError]]] = [
    (native("ImageNotFound"), NotFound),
    (native("ImageExists"), AlreadyExists),  # create of an existing image or snapshot
    # metadata_get/metadata_remove raise a plain KeyError for a name that is not set.
    (KeyError, NotFound),
    (native("ReadOnlyImage"), PermissionDenied),
    (native("Timeout"), Timeout),
    # EBUSY: another client has the image open (watchers); it may close it: retryable.
    (native("ImageBusy"), Unavailable),
    (native("ArgumentOutOfRange"), InvalidArgument),
    (native("InvalidArgument"), InvalidArgument),
    # ImageHasSnapshots (ENOTEMPTY) is handled by delete, which purges the snapshots.
    *RADOS_RULES,
]

ERRORS = ErrorTable(backend="rbd", rules=RULES)
