"""metadata: the named-attribute lifecycle (set, get, list, remove) and its errors."""

from __future__ import annotations

from objstore.cases import case, skip
from objstore.errors import AlreadyExists, InvalidArgument, NotFound, Unsupported
from objstore.spec import WriteMode
from objstore.store import Store

META = ("metadata",)


def _expect_not_found(fn: object, *args: object) -> None:
    try:
        fn(*args)  # type: ignore[operator]
    except NotFound:
        return
    raise AssertionError(f"{getattr(fn, '__name__', fn)}{args} did not raise NotFound")


@case(requires=META)
def test_set_get(store: Store) -> None:
    """An attribute reads back as set."""
    store.put("obj", b"data")
    store.set_xattr("obj", "content-type", b"image/jpeg")
    assert store.get_xattr("obj", "content-type") == b"image/jpeg"


@case(requires=META)
def test_str_value_stored_utf8(store: Store) -> None:
    """A str value is stored as UTF-8."""
    store.put("obj", b"")
    store.set_xattr("obj", "colour", "bleu ciel é")
    assert store.get_xattr("obj", "colour") == "bleu ciel é".encode()


@case(requires=META)
def test_overwrite(store: Store) -> None:
    """Setting an attribute again replaces its value."""
    store.put("obj", b"")
    store.set_xattr("obj", "a", b"long value")
    store.set_xattr("obj", "a", b"v2")
    assert store.get_xattr("obj", "a") == b"v2"


@case(requires=META)
def test_list(store: Store) -> None:
    """list_xattrs names every attribute once, sorted."""
    store.put("obj", b"")
    for name in ("zeta", "alpha", "mid"):
        store.set_xattr("obj", name, name.encode())
    assert store.list_xattrs("obj") == ["alpha", "mid", "zeta"]
    assert store.get_xattrs("obj") == {"alpha": b"alpha", "mid": b"mid", "zeta": b"zeta"}


@case(requires=META)
def test_list_none(store: Store) -> None:
    """A new object has no attributes."""
    store.put("obj", b"x")
    assert store.list_xattrs("obj") == []


@case(requires=META)
def test_remove(store: Store) -> None:
    """A removed attribute is gone from get and list."""
    store.put("obj", b"")
    store.set_xattr("obj", "a", b"1")
    store.set_xattr("obj", "b", b"2")
    store.remove_xattr("obj", "a")
    assert store.list_xattrs("obj") == ["b"]
    _expect_not_found(store.get_xattr, "obj", "a")


@case(requires=META)
def test_remove_missing_attribute(store: Store) -> None:
    """Removing an attribute that is not set raises NotFound."""
    store.put("obj", b"")
    _expect_not_found(store.remove_xattr, "obj", "nope")


@case(requires=META)
def test_get_missing_attribute(store: Store) -> None:
    """Getting an attribute that is not set raises NotFound."""
    store.put("obj", b"")
    _expect_not_found(store.get_xattr, "obj", "nope")


@case(requires=META)
def test_missing_object(store: Store) -> None:
    """Every attribute call on a missing object raises NotFound."""
    _expect_not_found(store.get_xattr, "missing", "a")
    _expect_not_found(store.set_xattr, "missing", "a", b"1")
    _expect_not_found(store.list_xattrs, "missing")
    _expect_not_found(store.remove_xattr, "missing", "a")
    assert not store.exists("missing"), "set_xattr created the object"


@case(requires=META)
def test_binary_value(store: Store) -> None:
    """Attribute values are binary-safe (NUL and 0xff)."""
    store.put("obj", b"")
    value = bytes(range(256))
    store.set_xattr("obj", "bin", value)
    assert store.get_xattr("obj", "bin") == value


@case(requires=META)
def test_empty_value(store: Store) -> None:
    """An empty value is a set attribute, not a missing one."""
    store.put("obj", b"")
    store.set_xattr("obj", "empty", b"")
    assert store.get_xattr("obj", "empty") == b""
    assert store.list_xattrs("obj") == ["empty"]


@case(requires=META)
def test_unicode_name(store: Store) -> None:
    """Attribute names may be Unicode."""
    store.put("obj", b"")
    store.set_xattr("obj", "größe", b"1")
    assert store.list_xattrs("obj") == ["größe"]


@case(requires=META)
def test_invalid_names(store: Store) -> None:
    """Empty names and names with NUL raise InvalidArgument."""
    store.put("obj", b"")
    for bad in ("", "a\x00b"):
        try:
            store.set_xattr("obj", bad, b"1")
        except InvalidArgument:
            continue
        raise AssertionError(f"name {bad!r} accepted")


@case(requires=(*META, "write_full"))
def test_kept_by_wf(store: Store) -> None:
    """wf replaces the data and keeps the attributes."""
    store.put("obj", b"one")
    store.set_xattr("obj", "a", b"1")
    store.put("obj", b"two", WriteMode.WRITE_FULL)
    assert store.get_xattr("obj", "a") == b"1"
    assert store.get("obj") == b"two"


@case(requires=(*META, "append"))
def test_kept_by_append(store: Store) -> None:
    """Appending keeps the attributes."""
    store.put("obj", b"one")
    store.set_xattr("obj", "a", b"1")
    store.put("obj", b"+", WriteMode.APPEND)
    assert store.get_xattr("obj", "a") == b"1"


@case(requires=META)
def test_gone_after_delete(store: Store) -> None:
    """A deleted and re-created object has no attributes left."""
    store.put("obj", b"")
    store.set_xattr("obj", "a", b"1")
    store.delete("obj")
    store.put("obj", b"")
    assert store.list_xattrs("obj") == []


@case(requires=META)
def test_per_object(store: Store) -> None:
    """Attributes belong to one object."""
    store.put("a", b"")
    store.put("b", b"")
    store.set_xattr("a", "x", b"1")
    assert store.list_xattrs("b") == []


@case(requires=META)
def test_largest_declared_value(store: Store) -> None:
    """A value of the declared maximum size round-trips; one byte more is refused."""
    limit = store.capabilities.max_xattr_value_bytes or 4096
    store.put("obj", b"")
    value = bytes(i % 251 for i in range(limit))
    store.set_xattr("obj", "big", value)
    assert store.get_xattr("obj", "big") == value
    if store.capabilities.max_xattr_value_bytes:
        try:
            store.set_xattr("obj", "big", value + b"x")
        except InvalidArgument:
            return
        raise AssertionError("value over the declared limit accepted")


@case(requires_absent=META)
def test_unsupported(store: Store) -> None:
    """Without the metadata capability every attribute call raises Unsupported."""
    store.put("obj", b"")
    for call in (
        lambda: store.get_xattr("obj", "a"),
        lambda: store.set_xattr("obj", "a", b"1"),
        lambda: store.list_xattrs("obj"),
        lambda: store.remove_xattr("obj", "a"),
    ):
        try:
            call()
        except Unsupported:
            continue
        raise AssertionError("metadata call worked without the capability")


@case(requires=META)
def test_lifecycle(store: Store) -> None:
    """The whole lifecycle: none, set, read, overwrite, list, remove, delete object, recreate."""
    store.put("obj", b"data")
    assert store.list_xattrs("obj") == []
    store.set_xattr("obj", "owner", b"alice")
    store.set_xattr("obj", "mode", b"0644")
    assert store.get_xattrs("obj") == {"mode": b"0644", "owner": b"alice"}
    store.set_xattr("obj", "owner", b"bob")
    assert store.get_xattr("obj", "owner") == b"bob"
    store.remove_xattr("obj", "mode")
    assert store.list_xattrs("obj") == ["owner"]
    _expect_not_found(store.remove_xattr, "obj", "mode")
    assert store.get("obj") == b"data", "attribute calls changed the data"
    store.delete("obj")
    _expect_not_found(store.get_xattr, "obj", "owner")
    _expect_not_found(store.list_xattrs, "obj")
    store.put("obj", b"again")
    assert store.list_xattrs("obj") == [], "attributes survived delete + recreate"


@case(requires=(*META, "offset_write"))
def test_kept_by_offset_write(store: Store) -> None:
    """An offset write keeps the attributes."""
    store.put("obj", b"0123456789")
    store.set_xattr("obj", "a", b"1")
    store.put("obj", b"xx", WriteMode.WRITE, 3)
    store.put("obj", b"yy", WriteMode.WRITE, 50)
    assert store.get_xattr("obj", "a") == b"1"


@case(requires=(*META, "create_exclusive"))
def test_kept_by_failed_create(store: Store) -> None:
    """A create that loses does not touch the attributes."""
    store.put("obj", b"x", WriteMode.CREATE)
    store.set_xattr("obj", "a", b"1")
    try:
        store.put("obj", b"y", WriteMode.CREATE)
    except AlreadyExists:
        pass
    else:
        raise AssertionError("second create succeeded")
    assert store.get_xattrs("obj") == {"a": b"1"}


@case(requires=META)
def test_not_listed_as_keys(store: Store) -> None:
    """Attributes never show up as keys in list()."""
    store.put("obj", b"")
    for i in range(5):
        store.set_xattr("obj", f"attr{i}", b"v")
    assert sorted(store.list()) == ["obj"]
    assert sorted(store.list("obj")) == ["obj"]


@case(requires=META)
def test_many_attributes(store: Store) -> None:
    """Fifty attributes on one object are all kept and listed."""
    store.put("obj", b"")
    names = [f"n{i:02d}" for i in range(50)]
    for name in names:
        store.set_xattr("obj", name, name.encode() * 3)
    assert store.list_xattrs("obj") == names
    assert all(store.get_xattr("obj", n) == n.encode() * 3 for n in names)


@case(requires=META)
def test_longest_declared_name(store: Store) -> None:
    """A name of the declared maximum length round-trips; one byte more is InvalidArgument."""
    limit = store.capabilities.max_xattr_name_bytes
    if not limit:
        skip("backend declares no attribute name limit")
    store.put("obj", b"")
    name = "n" * limit
    store.set_xattr("obj", name, b"1")
    assert store.list_xattrs("obj") == [name]
    try:
        store.set_xattr("obj", name + "n", b"1")
    except InvalidArgument:
        return
    raise AssertionError("name over the declared limit accepted")


@case(requires=META)
def test_not_found_exact_type(store: Store) -> None:
    """A missing attribute raises exactly NotFound naming the object key."""
    store.put("obj", b"")
    try:
        store.get_xattr("obj", "nope")
    except NotFound as exc:
        assert type(exc) is NotFound, f"raised {type(exc).__name__}"
        assert exc.key == "obj", f"key {exc.key!r}"
        return
    raise AssertionError("no NotFound")


@case(requires=META)
def test_names_look_like_paths(store: Store) -> None:
    """Names with dots, slashes and dashes are plain names."""
    store.put("obj", b"")
    names = ["user.x", "a/b", "content-type", "x.y.z"]
    for name in names:
        store.set_xattr("obj", name, name.encode())
    assert store.list_xattrs("obj") == sorted(names)
    assert store.get_xattr("obj", "a/b") == b"a/b"
