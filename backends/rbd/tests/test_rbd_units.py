"""rbd backend pieces that need no cluster: metadata encoding, errors, config, capabilities."""

from __future__ import annotations

import errno

import pytest

from backends.rbd.backend import BINARY_MARKER, CAPABILITIES, decode_value, encode_value
from backends.rbd.config import RbdConfig
from backends.rbd.errors import ERRORS
from objstore.errors import AlreadyExists, ConfigError, InvalidArgument, NotFound
from objstore.store import Store


@pytest.mark.parametrize(
    "value",
    [b"", b"text", "ünïcode €".encode(), b"\x00nul", b"\xff\xfe", BINARY_MARKER.encode() + b"x"],
)
def test_metadata_values_round_trip(value: bytes) -> None:
    text = encode_value(value)
    assert "\x00" not in text
    assert decode_value(text) == value


def test_plain_text_is_stored_readably() -> None:
    """Values the rbd CLI can show are stored as they are, not encoded."""
    assert encode_value(b"owner=alice") == "owner=alice"


def test_config_is_rados_config_with_its_own_name() -> None:
    with pytest.raises(ConfigError, match="rbd:"):
        RbdConfig.from_mapping({})
    assert RbdConfig.from_mapping({"pool": "images"}).entity == "client.objstore"


def test_key_rules_declared() -> None:
    assert CAPABILITIES.key_chars == "/@"
    assert CAPABILITIES.max_key_bytes == 2041
    assert CAPABILITIES.snapshots and not CAPABILITIES.atomic_append


def test_store_refuses_rbd_spec_characters() -> None:
    """The Store refuses '/' and '@' before the backend is called."""
    from objstore.spec import Backend

    class Refuses(Backend):
        capabilities = CAPABILITIES

        def __getattribute__(self, name: str) -> object:
            if name in ("write", "read", "stat"):
                raise AssertionError("backend reached")
            return super().__getattribute__(name)

        write = read = delete = list = stat = None  # type: ignore[assignment]

    store = Store(Refuses(), name="rbd")
    for key in ("pool/image", "image@snap"):
        with pytest.raises(InvalidArgument):
            store.put(key, b"x")


def test_error_table() -> None:
    rbd = pytest.importorskip("rbd", reason="python3-rbd not importable")
    for native, expected in [
        (rbd.ImageNotFound("gone", errno=errno.ENOENT), NotFound),
        (rbd.ImageExists("there", errno=errno.EEXIST), AlreadyExists),
        (rbd.InvalidArgument("bad", errno=errno.EINVAL), InvalidArgument),
        (KeyError("no metadata"), NotFound),
    ]:
        with pytest.raises(expected) as info, ERRORS.mapped("get", "img"):
            raise native
        assert info.value.__cause__ is native and info.value.backend == "rbd"
