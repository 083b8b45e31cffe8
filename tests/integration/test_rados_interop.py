"""Interop with Ceph's own CLIs: bytes written by objstore read back identically with
`rados get` / `rbd export`, and bytes written with `rados put` / `rbd import` with objstore."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

import objstore
from objstore.cluster._ceph_local import config_dir
from objstore.config import load_config
from objstore.testing.skips import skip_or_fail

pytestmark = pytest.mark.cluster

PAYLOAD = bytes(range(256)) * 4096 + b"\x00tail\x00"  # 1 MiB + NULs, not chunk-aligned


def _cli(backend: str) -> tuple[Path, list[str]]:
    config = config_dir() / f"{backend}-local.toml"
    if not config.is_file():
        skip_or_fail(f"{config.name} missing: run `objstore cluster ceph up`", backend)
    if shutil.which(backend) is None:
        skip_or_fail(f"the {backend} CLI is not installed (ceph-common)", backend)
    options = load_config(config).options
    args = [
        backend,
        "-c", options["conffile"],
        "--name", options["user"],
        "--keyring", options["keyring"],
        "-p", options["pool"],
    ]  # fmt: skip
    return config, args


def _run(args: list[str]) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=60)


def test_rados_get_reads_what_objstore_wrote(tmp_path: Path) -> None:
    config, cli = _cli("rados")
    key = f"interop-{uuid.uuid4().hex}"
    with objstore.open(config=config) as store:
        store.put(key, PAYLOAD)
        try:
            _run([*cli, "get", key, str(tmp_path / "out")])
            assert (tmp_path / "out").read_bytes() == PAYLOAD
        finally:
            store.delete(key)


def test_objstore_reads_what_rados_put_wrote(tmp_path: Path) -> None:
    config, cli = _cli("rados")
    key = f"interop-{uuid.uuid4().hex}"
    source = tmp_path / "in"
    source.write_bytes(PAYLOAD[::-1])
    _run([*cli, "put", key, str(source)])
    _run([*cli, "setxattr", key, "owner", "alice"])
    with objstore.open(config=config) as store:
        try:
            assert store.get(key) == PAYLOAD[::-1]
            assert store.stat(key).size == len(PAYLOAD)
            assert store.get_xattr(key, "owner") == b"alice"
            assert key in set(store.list("interop-"))
        finally:
            store.delete(key)


def test_rbd_export_reads_what_objstore_wrote(tmp_path: Path) -> None:
    config, cli = _cli("rbd")
    key = f"interop-{uuid.uuid4().hex}"
    with objstore.open(config=config) as store:
        store.put(key, PAYLOAD)
        store.set_xattr(key, "owner", b"bob")
        try:
            _run([*cli, "export", key, str(tmp_path / "out")])
            assert (tmp_path / "out").read_bytes() == PAYLOAD
            meta = subprocess.run(
                [*cli, "image-meta", "get", key, "owner"],
                check=True, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert meta.stdout.strip() == "bob"
        finally:
            store.delete(key)


def test_objstore_reads_what_rbd_import_wrote(tmp_path: Path) -> None:
    config, cli = _cli("rbd")
    key = f"interop-{uuid.uuid4().hex}"
    source = tmp_path / "in"
    source.write_bytes(PAYLOAD[: 1 << 20])
    _run([*cli, "import", str(source), key])
    with objstore.open(config=config) as store:
        try:
            assert store.get(key) == PAYLOAD[: 1 << 20]
        finally:
            store.delete(key)
    assert source.stat().st_size == 1 << 20
