"""The rados error table, without a cluster: every native error lands in its class."""

from __future__ import annotations

import errno

import pytest

from backends.rados.errors import ERRORS, error_for_rc
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

rados = pytest.importorskip("rados", reason="python3-rados not importable")

CASES = [
    (lambda: rados.ObjectNotFound("gone", errno=errno.ENOENT), NotFound),
    (lambda: rados.NoData("no attr", errno=errno.ENODATA), NotFound),
    (lambda: rados.ObjectExists("there", errno=errno.EEXIST), AlreadyExists),
    (lambda: rados.PermissionError("caps", errno=errno.EPERM), PermissionDenied),
    (lambda: rados.PermissionDeniedError("cephx", errno=errno.EACCES), PermissionDenied),
    (lambda: rados.TimedOut("slow", errno=errno.ETIMEDOUT), Timeout),
    (lambda: rados.InvalidArgumentError("bad", errno=errno.EINVAL), InvalidArgument),
    (lambda: rados.OSError("name too long", errno=errno.ENAMETOOLONG), InvalidArgument),
    (lambda: rados.OSError("odd", errno=errno.EOVERFLOW), BackendError),
    (lambda: RuntimeError("no errno"), BackendError),
    (lambda: ImportError("no module named rados"), Unavailable),
]


@pytest.mark.parametrize(("make", "expected"), CASES)
def test_native_error_maps_to_class(make: object, expected: type[ObjstoreError]) -> None:
    native = make()  # type: ignore[operator]
    with pytest.raises(expected) as info, ERRORS.mapped("put", "k"):
        raise native
    err = info.value
    assert type(err) is expected
    assert err.__cause__ is native
    assert (err.backend, err.op, err.key) == ("rados", "put", "k")


def test_builtin_permission_error_is_not_rados() -> None:
    """The builtin PermissionError still maps by errno, not by the rados class rule."""
    with pytest.raises(PermissionDenied), ERRORS.mapped("get", "k"):
        raise PermissionError(errno.EACCES, "denied")


def test_timeout_is_unavailable() -> None:
    with pytest.raises(Unavailable) as info, ERRORS.mapped("put", "k"):
        raise rados.TimedOut("slow", errno=errno.ETIMEDOUT)
    assert info.value.retryable


@pytest.mark.parametrize(
    ("rc", "expected"),
    [
        (-errno.ENOENT, NotFound),
        (-errno.EEXIST, AlreadyExists),
        (-errno.EPERM, PermissionDenied),
        (-errno.ETIMEDOUT, Timeout),
        (-errno.ENODATA, NotFound),
        (-errno.EIO, BackendError),
    ],
)
def test_completion_codes(rc: int, expected: type[ObjstoreError]) -> None:
    err = error_for_rc(rc, "aio_write", "k")
    assert type(err) is expected
    assert err.code == -rc and err.key == "k" and err.op == "aio_write"
