"""The error taxonomy and the ErrorTable that maps native errors onto it."""

from __future__ import annotations

import errno
import pickle

import pytest

from objstore.errors import (
    ALL_ERRORS,
    ERRNO_CLASSES,
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
    error_for_errno,
)


class NativeError(Exception):
    """Stands in for a native library's exception (rados.ObjectNotFound...)."""

    def __init__(self, message: str, rc: int | None = None) -> None:
        super().__init__(message)
        self.rc = rc


class NativeTimeout(NativeError):
    pass


# -- the taxonomy ---------------------------------------------------------------------


@pytest.mark.parametrize("cls", ALL_ERRORS)
def test_every_class_derives_from_the_root(cls: type[ObjstoreError]) -> None:
    assert issubclass(cls, ObjstoreError)
    assert issubclass(cls, Exception)


def test_tree_shape() -> None:
    assert issubclass(Timeout, Unavailable)
    assert issubclass(InvalidArgument, ValueError)  # callers may catch ValueError
    direct = {NotFound, AlreadyExists, PermissionDenied, InvalidArgument, Unsupported}
    direct |= {Unavailable, ConfigError, BackendError}
    for cls in direct:
        assert cls.__bases__[0] is ObjstoreError, cls
    # No class is a subclass of a sibling (except Timeout of Unavailable).
    for a in direct:
        for b in direct - {a}:
            assert not issubclass(a, b), (a, b)


def test_exit_codes_are_distinct_per_class() -> None:
    codes = {cls: cls.exit_code for cls in ALL_ERRORS if cls is not Timeout}
    assert len(set(codes.values())) == len(codes), codes
    # 0, 1 and 2 belong to success, failed checks and click's usage errors.
    assert all(code > 2 for code in codes.values())
    assert Timeout.exit_code == Unavailable.exit_code
    assert (NotFound.exit_code, AlreadyExists.exit_code, InvalidArgument.exit_code) == (3, 4, 6)
    assert ConfigError.exit_code == 10


def test_only_unavailable_is_retryable() -> None:
    assert Unavailable.retryable and Timeout.retryable
    for cls in ALL_ERRORS:
        if not issubclass(cls, Unavailable):
            assert not cls.retryable, cls


def test_str_carries_backend_op_key_and_code() -> None:
    err = NotFound("object not found", backend="posix", op="get", key="a/b", code=2)
    text = str(err)
    assert text == "[posix] get 'a/b': object not found (code 2)"
    assert (err.backend, err.op, err.key, err.code) == ("posix", "get", "a/b", 2)


def test_str_without_context_or_message() -> None:
    assert str(NotFound()) == "NotFound"
    assert str(BackendError("boom")) == "boom"
    assert str(Unsupported("no", op="put")) == "put: no"
    # An empty key is still a key worth showing.
    assert "''" in str(InvalidArgument("bad", key=""))


@pytest.mark.parametrize("cls", ALL_ERRORS)
def test_pickle_round_trip_keeps_class_and_context(cls: type[ObjstoreError]) -> None:
    err = cls("message", backend="rados", op="put", key="k\x01", code=-5)
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is cls
    assert (copy.message, copy.backend, copy.op, copy.key, copy.code) == (
        "message",
        "rados",
        "put",
        "k\x01",
        -5,
    )
    assert str(copy) == str(err)


# -- errno ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (errno.ENOENT, NotFound),
        (errno.ENODATA, NotFound),
        (errno.EEXIST, AlreadyExists),
        (errno.EACCES, PermissionDenied),
        (errno.EPERM, PermissionDenied),
        (errno.EINVAL, InvalidArgument),
        (errno.ENAMETOOLONG, InvalidArgument),
        (errno.EOPNOTSUPP, Unsupported),
        (errno.ETIMEDOUT, Timeout),
        (errno.ECONNREFUSED, Unavailable),
        (errno.EIO, BackendError),
        (errno.ENOSPC, BackendError),
        (9999, BackendError),
    ],
)
def test_error_for_errno(code: int, cls: type[ObjstoreError]) -> None:
    for signed in (code, -code):  # librados returns negative errno values
        err = error_for_errno(signed, backend="b", op="stat", key="k")
        assert type(err) is cls
        assert err.code == code
        assert (err.backend, err.op, err.key) == ("b", "stat", "k")
        assert err.message  # a readable default message


def test_error_for_errno_message() -> None:
    err = error_for_errno(errno.ENOENT)
    assert "ENOENT" in err.message and "No such file" in err.message
    assert error_for_errno(errno.ENOENT, "custom").message == "custom"


def test_errno_table_has_no_root_class() -> None:
    # Every entry is a concrete leaf of the taxonomy, never the vague root.
    assert ObjstoreError not in ERRNO_CLASSES.values()
    assert errno_class(0) is BackendError


# -- ErrorTable ---------------------------------------------------------------------------


def _table() -> ErrorTable:
    return ErrorTable(
        backend="native",
        rules=[
            (NativeTimeout, Timeout),  # most specific first
            (lambda exc: "denied" in str(exc), PermissionDenied),
            (NativeError, BackendError),
        ],
        code_of=lambda exc: getattr(exc, "rc", None) or getattr(exc, "errno", None),
    )


def _raise_in(table: ErrorTable, exc: BaseException, key: str | None = "k") -> ObjstoreError:
    with pytest.raises(ObjstoreError) as info, table.mapped("get", key):
        raise exc
    return info.value


def test_type_rule_most_specific_first() -> None:
    native = NativeTimeout("too slow", rc=-110)
    err = _raise_in(_table(), native)
    assert type(err) is Timeout
    assert err.__cause__ is native
    assert (err.backend, err.op, err.key, err.code) == ("native", "get", "k", 110)


def test_predicate_rule() -> None:
    err = _raise_in(_table(), NativeError("access denied by caps"))
    assert type(err) is PermissionDenied


def test_type_rule_after_failed_predicate() -> None:
    err = _raise_in(_table(), NativeError("weird", rc=None))
    assert type(err) is BackendError
    assert err.code is None


def test_errno_fallback_for_unmatched_os_error() -> None:
    native = FileNotFoundError(errno.ENOENT, "No such file or directory", "/secret/root/x")
    err = _raise_in(ErrorTable(backend="posix"), native)
    assert type(err) is NotFound
    assert err.code == errno.ENOENT
    assert err.__cause__ is native
    # The message is the strerror, not a local path that means nothing to callers.
    assert "/secret/root" not in str(err)


def test_errno_fallback_can_be_disabled() -> None:
    table = ErrorTable(backend="x", use_errno=False)
    err = _raise_in(table, OSError(errno.ENOENT, "gone"))
    assert type(err) is BackendError


def test_unknown_exception_becomes_backend_error_with_cause() -> None:
    native = RuntimeError("kaboom")
    err = _raise_in(ErrorTable(backend="x"), native)
    assert type(err) is BackendError
    assert err.__cause__ is native
    assert "RuntimeError" in err.message and "kaboom" in err.message


def test_objstore_error_passes_through_gaining_context() -> None:
    inner = NotFound("attribute not set")
    err = _raise_in(ErrorTable(backend="posix"), inner, key="obj")
    assert err is inner
    assert (err.backend, err.op, err.key) == ("posix", "get", "obj")


def test_objstore_error_keeps_its_own_context() -> None:
    inner = AlreadyExists("exists", backend="inner", op="put", key="other")
    err = _raise_in(ErrorTable(backend="posix"), inner, key="obj")
    assert (err.backend, err.op, err.key) == ("inner", "put", "other")


def test_objstore_error_keeps_its_cause() -> None:
    native = OSError(errno.ENODATA, "No data")
    with pytest.raises(NotFound) as info, ErrorTable(backend="posix").mapped("get_xattr", "k"):
        raise NotFound("attribute 'a' not set") from native
    assert info.value.__cause__ is native


def test_mapped_passes_success_through() -> None:
    with ErrorTable(backend="x").mapped("get", "k"):
        value = 1
    assert value == 1


def test_base_exceptions_are_not_mapped() -> None:
    # KeyboardInterrupt must reach the user as it is.
    with pytest.raises(KeyboardInterrupt), ErrorTable(backend="x").mapped("get"):
        raise KeyboardInterrupt


def test_classify_and_translate_directly() -> None:
    table = _table()
    assert table.classify(NativeTimeout("t")) is Timeout
    assert table.classify(OSError(errno.EEXIST, "exists")) is AlreadyExists
    err = table.translate(OSError(errno.EACCES, "Permission denied"), op="put", key="k")
    assert type(err) is PermissionDenied
    assert err.code == errno.EACCES
