"""The errno table of the Go bridge, without a cluster."""

from __future__ import annotations

import errno

import pytest

from backends.gobridge.errors import ERRORS, PANIC, GoBridgeError
from objstore.errors import (
    AlreadyExists,
    BackendError,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    PermissionDenied,
    Timeout,
    Unavailable,
)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (-errno.ENOENT, NotFound),  # missing object or pool
        (-errno.ENODATA, NotFound),  # missing attribute
        (-errno.EEXIST, AlreadyExists),  # mode create lost
        (-errno.EPERM, PermissionDenied),  # osd caps
        (-errno.EACCES, PermissionDenied),  # mon caps
        (-errno.ETIMEDOUT, Timeout),  # rados_osd_op_timeout expired
        (-errno.ENOTCONN, Unavailable),
        (-errno.EBADF, InvalidArgument),  # unknown or closed handle
        (-errno.EINVAL, InvalidArgument),
        (-errno.EFBIG, InvalidArgument),  # past osd_max_object_size
        (-PANIC, BackendError),  # a recovered Go panic
        (-errno.EIO, BackendError),
        (-9999, BackendError),  # unknown codes never pass as success
    ],
)
def test_errno_maps_to_taxonomy(code: int, expected: type[ObjstoreError]) -> None:
    native = GoBridgeError(code, "message from Go", "gb_put")
    err = ERRORS.translate(native, "put", "k")
    assert type(err) is expected
    assert err.code == abs(code)
    assert (err.backend, err.op, err.key) == ("gobridge", "put", "k")
    assert "message from Go" in str(err)


def test_timeout_is_retryable_unavailable() -> None:
    err = ERRORS.translate(GoBridgeError(-errno.ETIMEDOUT, "", "gb_put"), "put", "k")
    assert isinstance(err, Unavailable)
    assert err.retryable


def test_mapped_chains_the_native_error() -> None:
    native = GoBridgeError(-errno.ENOENT, "no such object", "gb_get")
    with pytest.raises(NotFound) as info, ERRORS.mapped("get", "k"):
        raise native
    assert info.value.__cause__ is native


def test_native_error_keeps_positive_errno_and_function() -> None:
    native = GoBridgeError(-errno.EEXIST, "", "gb_put")
    assert native.errno == errno.EEXIST
    assert "gb_put" in str(native) and "EEXIST" in str(native)
