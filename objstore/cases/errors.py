"""errors: every error class a generic case can provoke, with its exact type and context."""

from __future__ import annotations

from objstore.cases import case
from objstore.errors import (
    AlreadyExists,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    Unsupported,
)
from objstore.spec import WriteMode
from objstore.store import Store


def _raises(exc_type: type[ObjstoreError], fn: object, *args: object) -> ObjstoreError:
    try:
        fn(*args)  # type: ignore[operator]
    except ObjstoreError as exc:
        assert type(exc) is exc_type or isinstance(exc, exc_type), (
            f"raised {type(exc).__name__}, expected {exc_type.__name__}"
        )
        return exc
    raise AssertionError(f"no {exc_type.__name__} raised")


@case()
def test_not_found_type_and_context(store: Store) -> None:
    """NotFound carries backend, op and key, and is an ObjstoreError."""
    exc = _raises(NotFound, store.get, "nothing")
    assert exc.backend == store.name, f"backend {exc.backend!r}"
    assert exc.op in ("get", "read"), f"op {exc.op!r}"
    assert exc.key == "nothing"
    assert "nothing" in str(exc) and store.name in str(exc), f"message lacks context: {exc}"


@case(requires=("create_exclusive",))
def test_already_exists_type_and_context(store: Store) -> None:
    """AlreadyExists carries backend, op and key."""
    store.put("dup", b"1", WriteMode.CREATE)
    exc = _raises(AlreadyExists, store.put, "dup", b"2", WriteMode.CREATE)
    assert exc.backend == store.name and exc.key == "dup" and exc.op == "put"


@case()
def test_invalid_argument_is_value_error(store: Store) -> None:
    """InvalidArgument is also a ValueError, for callers that catch that."""
    exc = _raises(InvalidArgument, store.get, "x", -5)
    assert isinstance(exc, ValueError)
    assert exc.backend == store.name


@case()
def test_invalid_argument_before_io(store: Store) -> None:
    """Argument errors are raised even for missing objects (checked before any I/O)."""
    _raises(InvalidArgument, store.get, "missing", 0, -1)
    _raises(InvalidArgument, store.get, "missing", -1)


@case()
def test_not_found_is_not_retryable(store: Store) -> None:
    """Only Unavailable is retryable."""
    exc = _raises(NotFound, store.stat, "nothing")
    assert exc.retryable is False


@case()
def test_exit_codes_distinct(store: Store) -> None:
    """Each error class has its own CLI exit code."""
    from objstore.errors import ALL_ERRORS, Timeout, Unavailable

    codes = {cls: cls.exit_code for cls in ALL_ERRORS if cls is not Timeout}
    assert len(set(codes.values())) == len(codes), f"shared exit codes: {codes}"
    assert Timeout.exit_code == Unavailable.exit_code


@case(requires_absent=("offset_write",))
def test_unsupported_offset_write(store: Store) -> None:
    """Without offset_write, mode w raises Unsupported with context."""
    exc = _raises(Unsupported, store.put, "x", b"1", WriteMode.WRITE, 10)
    assert exc.backend == store.name


@case(requires_absent=("ranged_read",))
def test_unsupported_ranged_read(store: Store) -> None:
    """Without ranged_read, a ranged get raises Unsupported."""
    store.put("x", b"123")
    _raises(Unsupported, store.get, "x", 1, 1)
