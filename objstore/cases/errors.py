"""errors: every error class a generic case can provoke, with its exact type and context."""

from __future__ import annotations

import pickle

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
        # Exact type: a backend raising a subclass or BackendError hides the real class.
        assert type(exc) is exc_type, f"raised {type(exc).__name__}, expected {exc_type.__name__}"
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


@case()
def test_not_found_on_every_read_op(store: Store) -> None:
    """get, get_into, get_stream, stat and delete of a missing object raise exactly NotFound."""
    for op, call in (
        ("get", lambda: store.get("gone")),
        ("get_into", lambda: store.get_into("gone", bytearray(4))),
        ("get_stream", lambda: store.get_stream("gone")),
        ("stat", lambda: store.stat("gone")),
        ("delete", lambda: store.delete("gone")),
    ):
        exc = _raises(NotFound, call)
        assert exc.key == "gone", f"{op}: key {exc.key!r}"
        assert exc.backend == store.name, f"{op}: backend {exc.backend!r}"


@case(requires=("ranged_read",))
def test_not_found_on_ranged_get(store: Store) -> None:
    """A ranged get of a missing object is NotFound, not an empty result."""
    _raises(NotFound, store.get, "gone", 10, 5)
    _raises(NotFound, store.get, "gone", 0, 0)


@case(requires=("metadata",))
def test_not_found_on_every_xattr_op(store: Store) -> None:
    """Attribute calls on a missing object raise exactly NotFound."""
    _raises(NotFound, store.get_xattr, "gone", "a")
    _raises(NotFound, store.set_xattr, "gone", "a", b"1")
    _raises(NotFound, store.list_xattrs, "gone")
    _raises(NotFound, store.remove_xattr, "gone", "a")


@case()
def test_invalid_key_on_every_op(store: Store) -> None:
    """An empty key raises exactly InvalidArgument on every keyed operation."""
    for call in (
        lambda: store.put("", b"x"),
        lambda: store.get(""),
        lambda: store.get_into("", bytearray(1)),
        lambda: store.stat(""),
        lambda: store.delete(""),
        lambda: store.put_stream("", [b"x"]),
        lambda: store.get_stream(""),
    ):
        _raises(InvalidArgument, call)


@case()
def test_invalid_list_prefix(store: Store) -> None:
    """A list prefix with NUL or of the wrong type raises InvalidArgument."""
    _raises(InvalidArgument, store.list, "a\x00")
    _raises(InvalidArgument, store.list, 5)


@case()
def test_invalid_chunk_size(store: Store) -> None:
    """A zero or negative chunk size raises InvalidArgument before anything is written."""
    _raises(InvalidArgument, lambda: store.put_stream("obj", [b"x"], chunk_size=0))
    _raises(InvalidArgument, lambda: store.put_stream("obj", [b"x"], chunk_size=-1))
    _raises(InvalidArgument, lambda: list(store.get_stream("obj", chunk_size=0)))
    assert not store.exists("obj")


@case()
def test_errors_pickle_with_context(store: Store) -> None:
    """A backend error survives pickling (process pools) with class, backend, op and key."""
    exc = _raises(NotFound, store.get, "gone")
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is NotFound
    assert (copy.backend, copy.op, copy.key) == (exc.backend, exc.op, exc.key)


@case(requires=("create_exclusive",))
def test_already_exists_is_not_retryable(store: Store) -> None:
    """AlreadyExists is final: retrying cannot help."""
    store.put("dup", b"1", WriteMode.CREATE)
    exc = _raises(AlreadyExists, store.put, "dup", b"2", WriteMode.CREATE)
    assert exc.retryable is False


@case(requires_absent=("append",))
def test_unsupported_append(store: Store) -> None:
    """Without append, mode wa raises exactly Unsupported and writes nothing."""
    _raises(Unsupported, store.put, "x", b"1", WriteMode.APPEND)
    assert not store.exists("x")


@case(requires_absent=("create_exclusive",))
def test_unsupported_create(store: Store) -> None:
    """Without create_exclusive, mode create raises exactly Unsupported (never a plain write)."""
    _raises(Unsupported, store.put, "x", b"1", WriteMode.CREATE)
    assert not store.exists("x")
