"""rbd extras on the local cluster: snapshots (create, list, read at, remove) and the
image-as-object rules the conformance suite cannot see (size follows writes)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

import objstore
from objstore.cluster._ceph_local import config_dir
from objstore.errors import AlreadyExists, InvalidArgument, NotFound
from objstore.spec import WriteMode
from objstore.store import Store
from objstore.testing.skips import skip_or_fail

pytestmark = pytest.mark.cluster


@pytest.fixture
def store() -> Iterator[Store]:
    config = config_dir() / "rbd-local.toml"
    if not config.is_file():
        skip_or_fail(f"{config.name} missing: run `objstore cluster ceph up`", "rbd")
    with objstore.open(config=config) as opened:
        yield opened


@pytest.fixture
def key(store: Store) -> Iterator[str]:
    name = f"snap-{uuid.uuid4().hex}"
    yield name
    store.delete(name, missing_ok=True)


def test_snapshot_keeps_old_bytes(store: Store, key: str) -> None:
    backend = store.backend
    assert store.capabilities.snapshots
    store.put(key, b"version one")
    backend.create_snapshot(key, "v1")  # type: ignore[attr-defined]
    store.put(key, b"2", WriteMode.WRITE, 8)
    store.put(key, b" and more", WriteMode.APPEND)
    backend.create_snapshot(key, "v2")  # type: ignore[attr-defined]
    store.put(key, b"short")
    assert backend.list_snapshots(key) == ["v1", "v2"]  # type: ignore[attr-defined]
    assert backend.read_snapshot(key, "v1") == b"version one"  # type: ignore[attr-defined]
    assert backend.read_snapshot(key, "v2") == b"version 2ne and more"  # type: ignore[attr-defined]
    assert backend.read_snapshot(key, "v1", 8, 100) == b"one"  # type: ignore[attr-defined]
    assert store.get(key) == b"short"


def test_snapshot_errors(store: Store, key: str) -> None:
    backend = store.backend
    store.put(key, b"x")
    backend.create_snapshot(key, "s")  # type: ignore[attr-defined]
    with pytest.raises(AlreadyExists):
        backend.create_snapshot(key, "s")  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        backend.read_snapshot(key, "nope")  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        backend.remove_snapshot(key, "nope")  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        backend.create_snapshot(f"missing-{uuid.uuid4().hex}", "s")  # type: ignore[attr-defined]
    backend.remove_snapshot(key, "s")  # type: ignore[attr-defined]
    assert backend.list_snapshots(key) == []  # type: ignore[attr-defined]


def test_delete_removes_an_image_with_snapshots(store: Store, key: str) -> None:
    store.put(key, b"x")
    store.backend.create_snapshot(key, "a")  # type: ignore[attr-defined]
    store.backend.create_snapshot(key, "b")  # type: ignore[attr-defined]
    store.delete(key)
    assert not store.exists(key)


def test_image_size_follows_the_spec(store: Store, key: str) -> None:
    store.put(key, b"abc", WriteMode.WRITE, 1 << 20)
    assert store.stat(key).size == (1 << 20) + 3
    store.put(key, b"", WriteMode.WRITE, 1 << 22)  # an empty write never grows the image
    assert store.stat(key).size == (1 << 20) + 3
    store.put(key, b"xy")
    assert store.stat(key).size == 2


def test_metadata_config_overrides_are_refused(store: Store, key: str) -> None:
    store.put(key, b"x")
    with pytest.raises(InvalidArgument, match="config overrides"):
        store.set_xattr(key, "conf_rbd_cache", b"false")
    store.set_xattr(key, "bin", b"\x00\xff")
    assert store.get_xattrs(key) == {"bin": b"\x00\xff"}
