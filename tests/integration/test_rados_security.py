"""Security of the rados and rbd backends on the local cluster, as client.objstore.

* a pool without caps raises PermissionDenied for write, read and list (never an empty list);
* a wrong or missing keyring gives a clear error;
* no key ever appears in exceptions, logs, describe() or CLI output.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import objstore
from objstore.cluster._ceph_local import NOACCESS_POOL, CephLocal, config_dir, default_dir
from objstore.config import load_config
from objstore.errors import ConfigError, ObjstoreError, PermissionDenied
from objstore.testing.skips import skip_or_fail

pytestmark = pytest.mark.cluster

FAKE_KEYRING = "[client.objstore]\n\tkey = AQBp0yBnAAAAABAAq4b6I2Xq2RzZ0K2w9qR6Cw==\n"


def _config(backend: str) -> Path:
    path = config_dir() / f"{backend}-local.toml"
    if not path.is_file():
        skip_or_fail(f"{path.name} missing: run `objstore cluster ceph up`", backend)
    return path


@pytest.fixture(params=["rados", "rbd"])
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    _config(name)
    return name


@pytest.fixture(scope="module")
def secrets() -> list[str]:
    cluster = CephLocal(default_dir())
    keys = []
    for keyring in cluster.dir.glob("**/*keyring"):
        keys += re.findall(r"key = (\S+)", keyring.read_text())
    if not keys:
        skip_or_fail(f"no keyrings in {cluster.dir}", "rados")
    return keys


def _errors(calls: list[Callable[[], Any]]) -> Iterator[ObjstoreError]:
    for call in calls:
        try:
            result = call()
            if hasattr(result, "__next__"):
                list(result)
        except ObjstoreError as exc:
            yield exc
        else:
            raise AssertionError(f"{call} did not raise")


def test_pool_without_caps_is_permission_denied(backend: str) -> None:
    with objstore.open(config=_config(backend), pool=NOACCESS_POOL) as store:
        key = f"sec-{uuid.uuid4().hex}"
        calls: list[Callable[[], Any]] = [
            lambda: store.put(key, b"x"),
            lambda: store.get(key),
            lambda: store.list(),
            lambda: store.list("sec-"),
            lambda: store.stat(key),
        ]
        for err in _errors(calls):
            assert isinstance(err, PermissionDenied), repr(err)
            assert err.backend == backend and err.__cause__ is not None


def test_list_of_a_readable_pool_still_works(backend: str) -> None:
    """The caps probe does not break listing where the user may read."""
    with objstore.open(config=_config(backend)) as store:
        key = f"sec-{uuid.uuid4().hex}"
        store.put(key, b"x")
        try:
            assert list(store.list(key)) == [key]
        finally:
            store.delete(key)


def test_wrong_key_is_a_clear_permission_error(backend: str, tmp_path: Path) -> None:
    keyring = tmp_path / "wrong.keyring"
    keyring.write_text(FAKE_KEYRING)
    with pytest.raises(PermissionDenied) as info:
        objstore.open(config=_config(backend), keyring=str(keyring))
    text = str(info.value)
    assert "cephx authentication as client.objstore failed" in text
    assert str(keyring) in text


def test_keyring_of_another_user_is_a_clear_error(backend: str) -> None:
    admin = CephLocal(default_dir()).admin_keyring
    with pytest.raises(PermissionDenied, match="no valid key for this user"):
        objstore.open(config=_config(backend), keyring=str(admin))


def test_missing_keyring_is_a_config_error(backend: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.keyring"
    with pytest.raises(ConfigError, match=f"keyring {missing} does not exist"):
        objstore.open(config=_config(backend), keyring=str(missing))


def test_no_secret_in_errors_logs_describe_or_cli(
    backend: str, secrets: list[str], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    bad = tmp_path / "wrong.keyring"
    bad.write_text(FAKE_KEYRING)
    attempts: list[Callable[[], Any]] = [
        lambda: objstore.open(config=_config(backend), keyring=str(bad)),
        lambda: objstore.open(config=_config(backend), keyring=str(tmp_path / "none")),
        lambda: objstore.open(config=_config(backend), pool="no-such-pool"),
    ]
    for err in _errors(attempts):
        texts += [str(err), repr(err), str(err.__cause__), repr(err.__cause__)]
    with objstore.open(config=_config(backend)) as store:
        texts.append(repr(store.describe()))
        texts.append(repr(load_config(_config(backend))))
        for err in _errors([lambda: store.get("missing-" + uuid.uuid4().hex)]):
            texts += [str(err), repr(err)]
    cli = [sys.executable, "-c", "from objstore.cli import main; main()"]
    for args in (["-c", str(_config(backend)), "ls", "sec-none-"], ["backends"]):
        proc = subprocess.run(
            [*cli, *args], capture_output=True, text=True, timeout=120, check=False
        )
        texts += [proc.stdout, proc.stderr]
    proc = subprocess.run(
        [*cli, "-c", str(_config(backend)), "-o", f"keyring={bad}", "ls"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    texts += [proc.stdout, proc.stderr, caplog.text]
    blob = "\n".join(texts)
    assert "cephx" in blob  # the texts checked are the real ones
    for secret in secrets:
        assert secret not in blob
