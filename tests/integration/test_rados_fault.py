"""Fault test on a private cluster: with the osd stopped, a put fails with Unavailable within
the configured op timeout (plus a small margin) instead of hanging; after the osd comes
back every write acknowledged before the stop reads back byte for byte.

It runs on its own cluster (created under /var/tmp/objstore, removed afterwards) so that
stopping the osd never disturbs other tests using the default cluster. ~30 s.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import objstore
from objstore.cluster._ceph_local import BINARIES, CephLocal
from objstore.errors import ObjstoreError, Unavailable
from objstore.spec import WriteMode
from objstore.testing.skips import skip_or_fail

pytestmark = pytest.mark.cluster

OP_TIMEOUT = 5.0
MARGIN = 3.0


def _free_port() -> int:
    for port in range(40200 + (os.getpid() % 50) * 4, 40800, 2):
        with socket.socket() as a, socket.socket() as b:
            try:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port pair for a private cluster")


@pytest.fixture(scope="module")
def cluster() -> Iterator[CephLocal]:
    missing = [b for b in BINARIES if shutil.which(b) is None]
    if missing:
        skip_or_fail(f"ceph binaries missing: {missing}", "rados")
    local = CephLocal(Path(f"/var/tmp/objstore/ft{os.getpid()}"), _free_port())
    try:
        local.up()
        yield local
    finally:
        local.down(purge=True)


@pytest.fixture
def osd_restarted(cluster: CephLocal) -> Iterator[CephLocal]:
    """The osd runs after the test, even when the test failed while it was stopped."""
    try:
        yield cluster
    finally:
        if cluster.pid("osd.0") is None:
            cluster.start_daemon("osd.0")
            cluster.wait_ready()


def test_put_fails_fast_with_osd_down_and_acked_writes_survive(osd_restarted: CephLocal) -> None:
    cluster = osd_restarted
    config = cluster.config_paths()["rados"]
    rng = random.Random(7)
    acked: dict[str, bytes] = {}
    with objstore.open(config=config, osd_op_timeout=OP_TIMEOUT) as store:
        for i in range(40):
            key = f"fault-{i}"
            data = rng.randbytes(rng.choice([0, 1, 4096, 65536, 1 << 20]))
            store.put(key, data)
            acked[key] = data
        store.put("fault-0", b"appended", WriteMode.APPEND)
        acked["fault-0"] += b"appended"
        store.put("fault-1", b"patch", WriteMode.WRITE, 3)
        old = acked["fault-1"]
        grown = old + bytes(max(0, 3 - len(old)))
        acked["fault-1"] = grown[:3] + b"patch" + grown[8:]

        pid = cluster.pid("osd.0")
        assert pid is not None
        assert cluster.stop_daemon("osd.0")
        assert cluster.pid("osd.0") is None

        started = time.monotonic()
        with pytest.raises(Unavailable) as info:
            store.put("fault-during-outage", b"x" * 4096)
        elapsed = time.monotonic() - started
        assert elapsed < OP_TIMEOUT + MARGIN, f"put took {elapsed:.1f}s"
        assert info.value.retryable and info.value.__cause__ is not None

        started = time.monotonic()
        with pytest.raises(Unavailable):
            store.get("fault-2")
        assert time.monotonic() - started < OP_TIMEOUT + MARGIN

        # The aio path reports the timeout through its callback instead of hanging.
        done = threading.Event()
        seen: list[ObjstoreError | None] = []

        def on_done(error: ObjstoreError | None) -> None:
            seen.append(error)
            done.set()

        store.backend.aio_write("fault-aio", b"y", WriteMode.WRITE_FULL, 0, on_done)
        assert done.wait(OP_TIMEOUT + MARGIN)
        assert isinstance(seen[0], Unavailable)

        cluster.start_daemon("osd.0")
        cluster.wait_ready()
        for key, data in acked.items():
            assert store.get(key) == data, key
    with objstore.open(config=config) as fresh:
        for key, data in acked.items():
            assert fresh.get(key) == data, key
