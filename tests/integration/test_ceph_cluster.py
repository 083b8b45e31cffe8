"""`objstore cluster ceph`: the local cluster the rados/rbd tests run on (real daemons).

Needs the default cluster up (`objstore cluster ceph up`); skipped otherwise, and with
CI=true that skip fails the run.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from objstore.cluster._ceph_local import (
    NOACCESS_POOL,
    RADOS_POOL,
    RBD_POOL,
    CephLocal,
    default_dir,
)
from objstore.cluster.ceph import ceph
from objstore.testing.skips import skip_or_fail

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def cluster() -> CephLocal:
    local = CephLocal(default_dir())
    if not local.status(health=False)["running"]:
        skip_or_fail(
            f"no running ceph cluster in {local.dir}: run `objstore cluster ceph up`", "rados"
        )
    return local


def test_status_json_describes_the_cluster(cluster: CephLocal) -> None:
    result = CliRunner().invoke(ceph, ["status", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["running"] is True
    assert info["health"] in ("HEALTH_OK", "HEALTH_WARN")
    assert set(info["pids"]) == {"mon.a", "osd.0", "mgr.x"}
    assert all(isinstance(pid, int) for pid in info["pids"].values())
    assert info["pools"] == {"rados": RADOS_POOL, "rbd": RBD_POOL, "noaccess": NOACCESS_POOL}
    assert Path(info["admin_keyring"]).is_file() and Path(info["keyring"]).is_file()
    for path in info["configs"].values():
        assert Path(path).is_file()


def test_up_on_a_running_cluster_is_fast_and_idempotent(cluster: CephLocal) -> None:
    pids = cluster.pids()
    started = time.monotonic()
    result = CliRunner().invoke(ceph, ["up"])
    assert result.exit_code == 0, result.output
    assert time.monotonic() - started < 3
    assert "already running" in result.output
    assert cluster.pids() == pids


def test_client_timeouts_are_set(cluster: CephLocal) -> None:
    text = cluster.conf.read_text()
    client = text.split("[client]", 1)[1].split("\n[", 1)[0]
    for option in ("client mount timeout", "rados osd op timeout", "rados mon op timeout"):
        assert re.search(rf"^{option} = \d+", client, re.M), option


def test_pid_files_name_this_clusters_daemons(cluster: CephLocal) -> None:
    for daemon, pid in cluster.pids().items():
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert str(cluster.conf).encode() in cmdline, daemon


def test_restricted_user_caps_cover_only_its_pools(cluster: CephLocal) -> None:
    with cluster.admin() as admin:
        out = cluster.mon_command(admin, "auth get", entity="client.objstore")
    caps = json.loads(out)[0]["caps"]
    assert "pool=objstore-noaccess" not in caps["osd"]
    assert f"pool={RADOS_POOL}" in caps["osd"] and f"pool={RBD_POOL}" in caps["osd"]
    assert "allow *" not in caps["osd"] and "allow *" not in caps["mon"]


def test_cli_output_never_shows_keys(cluster: CephLocal) -> None:
    keys = _keys(cluster)
    runner = CliRunner()
    outputs = [
        runner.invoke(ceph, args).output for args in (["status"], ["status", "--json"], ["up"])
    ]
    for key in keys:
        for output in outputs:
            assert key not in output


def test_a_second_dir_refuses_a_different_port(cluster: CephLocal) -> None:
    result = CliRunner().invoke(ceph, ["up", "--port", str((cluster.port or 0) + 2)])
    assert result.exit_code != 0
    assert "was created with --port" in result.output


def _keys(cluster: CephLocal) -> list[str]:
    keys = []
    for keyring in cluster.dir.glob("**/*keyring"):
        keys += re.findall(r"key = (\S+)", keyring.read_text())
    assert keys
    return keys
