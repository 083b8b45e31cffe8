"""The gluster backend against the real local volume (``objstore cluster gluster up``).

No mocks: every test talks to glusterd and the brick through libgfapi. Without
``configs/gluster-local.toml`` the tests skip with the reason (and fail with CI=true).
Runtime: about 30 s, most of it in the 16 x 1000 appends and the hung-brick case.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import objstore
from objstore.cluster._gluster_local import LocalGluster
from objstore.errors import ObjstoreError, Unavailable
from objstore.store import Store
from objstore.testing.skips import skip_or_fail
from objstore.testing.targets import CONFIG_DIR, PROJECT_ROOT

pytestmark = pytest.mark.cluster

CONFIG = CONFIG_DIR / "gluster-local.toml"


@pytest.fixture(scope="module")
def local() -> LocalGluster:
    if not CONFIG.is_file():
        skip_or_fail(f"{CONFIG.name} missing: run `objstore cluster gluster up` first", "gluster")
    lg = LocalGluster()
    if not lg.status()["healthy"]:
        skip_or_fail(f"the local volume under {lg.root} is not healthy", "gluster")
    return lg


@pytest.fixture
def subdir() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def gstore(local: LocalGluster, subdir: str) -> Iterator[Store]:
    with objstore.open(config=CONFIG, subdir=subdir) as s:
        yield s
    # Remove what the test made (the brick is ours; deleting through the store is slower).
    shutil.rmtree(local.brick / subdir, ignore_errors=True)


def _tree(root: Path) -> set[str]:
    """Every path under the brick, without gluster's own .glusterfs bookkeeping."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath == str(root) and ".glusterfs" in dirnames:
            dirnames.remove(".glusterfs")
        for name in dirnames + filenames:
            out.add(str((Path(dirpath) / name).relative_to(root)))
    return out


TRAVERSAL_KEYS = [
    "..",
    ".",
    "../escape",
    "../../../../etc/objstore-escape",
    "/absolute",
    "a/../../b",
    ".hidden",
    ".tmp-looks-like-ours",
    "dir/",
    "%2F",
    "a%2Fb",
]


def test_traversal_keys_stay_inside_subdir(gstore: Store, local: LocalGluster, subdir: str) -> None:
    """Hostile keys round-trip as flat names inside subdir; nothing is written elsewhere."""
    before = _tree(local.brick)
    for i, key in enumerate(TRAVERSAL_KEYS):
        gstore.put(key, f"value-{i}".encode())
    for i, key in enumerate(TRAVERSAL_KEYS):
        assert gstore.get(key) == f"value-{i}".encode(), key
    assert sorted(gstore.list()) == sorted(TRAVERSAL_KEYS)
    from objstore.keys import encode_key

    created = _tree(local.brick) - before
    inside = {p for p in created if p.startswith(subdir + "/")}
    # Exactly one flat file per key, directly in subdir, under its documented name.
    assert {p[len(subdir) + 1 :] for p in inside} == {encode_key(k) for k in TRAVERSAL_KEYS}
    # Other users of the volume may create files meanwhile: look for ours only.
    words = ("escape", "absolute", "hidden", "looks-like-ours")
    outside = [p for p in created - inside if any(w in p for w in words)]
    assert not outside, f"written outside {subdir}: {outside}"
    assert not Path("/etc/objstore-escape").exists()
    for key in TRAVERSAL_KEYS:
        gstore.delete(key)
    assert list(gstore.list()) == []


def _record(t: int, n: int, size: int = 4096) -> bytes:
    head = f"T{t:02d}N{n:04d}|".encode()
    body = hashlib.sha256(head).digest() * (size // 32)
    return head + body[: size - len(head)]


@pytest.mark.slow
def test_16_threads_x_1000_appends_of_4k(gstore: Store) -> None:
    """16 threads x 1000 appends of 4 KiB: exact size, every record whole and present once."""
    threads, per, size = 16, 1000, 4096
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for n in range(per):
                gstore.put("log", _record(t, n), "wa")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    started = time.monotonic()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    elapsed = time.monotonic() - started
    assert not errors, errors[:3]
    total = threads * per * size
    assert gstore.stat("log").size == total
    data = gstore.get("log")
    assert len(data) == total
    last = [-1] * threads
    seen = set()
    for pos in range(0, total, size):
        block = data[pos : pos + size]
        head = block[:9]  # T<thread:2>N<seq:4>|
        assert head[:1] == b"T" and head[8:9] == b"|", f"torn record at {pos}: {head!r}"
        t, n = int(head[1:3]), int(head[4:8])
        assert block == _record(t, n), f"record T{t}N{n} at {pos} is torn"
        assert n > last[t], f"thread {t}: record {n} after {last[t]}"
        last[t] = n
        seen.add((t, n))
    assert len(seen) == threads * per
    print(f"16x1000 appends of 4 KiB: {threads * per / elapsed:.0f} appends/s")


# -- a second, independent client ---------------------------------------------------------

CHILD = r"""
import sys, time
import objstore
config, subdir, op, key = sys.argv[1:5]
with objstore.open(config=config, subdir=subdir) as s:
    if op == "get":
        sys.stdout.buffer.write(s.get(key))
    else:
        s.put(key, sys.stdin.buffer.read())
"""


def _child(op: str, key: str, subdir: str, data: bytes = b"") -> tuple[bytes, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(CONFIG), subdir, op, key],
        input=data,
        capture_output=True,
        timeout=60,
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout, time.monotonic() - started


def _payload(seed: str, size: int) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size] + b"\x00tail\x00"


def test_second_process_reads_and_writes(gstore: Store, subdir: str) -> None:
    """Another process (its own libgfapi client) sees our writes, we see its writes; and
    it exits promptly without glfs_fini (which would cost ~10 s)."""
    ours = _payload("ours", 3 * 1024 * 1024 + 7)
    gstore.put("from/objstore", ours)
    got, elapsed = _child("get", "from/objstore", subdir)
    assert got == ours
    assert elapsed < 8, f"child took {elapsed:.1f} s: did it wait in glfs_fini?"
    theirs = _payload("theirs", 1024 * 1024 + 3)
    _child("put", "from/child", subdir, theirs)
    assert gstore.get("from/child") == theirs
    # Overwrite from the child: our client must not serve a cached old copy.
    _child("put", "from/objstore", subdir, b"replaced")
    assert gstore.get("from/objstore") == b"replaced"
    assert gstore.stat("from/objstore").size == len(b"replaced")


@pytest.fixture
def fuse_mount(local: LocalGluster) -> Iterator[Path]:
    if not Path("/dev/fuse").exists() or shutil.which("mount.glusterfs") is None:
        skip_or_fail("FUSE or mount.glusterfs not available for a second client", None)
    mnt = Path(tempfile.mkdtemp(prefix="objstore-gluster-fuse-"))
    log = local.logdir / "fuse-test.log"
    done = subprocess.run(
        ["mount", "-t", "glusterfs", "-o", f"log-file={log}", f"localhost:/{local.volume}", mnt],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode != 0:
        mnt.rmdir()
        skip_or_fail(f"mount -t glusterfs failed: {done.stderr.strip()}", None)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", mnt], capture_output=True, timeout=60)
        mnt.rmdir()


def test_fuse_mount_is_a_second_client(gstore: Store, subdir: str, fuse_mount: Path) -> None:
    """A FUSE mount of the volume reads what objstore wrote, and the reverse, byte for byte."""
    from objstore.keys import encode_key

    ours = _payload("fuse-ours", 2 * 1024 * 1024 + 11)
    gstore.put("fuse/ours", ours)
    path = fuse_mount / subdir / encode_key("fuse/ours")
    assert path.read_bytes() == ours
    theirs = _payload("fuse-theirs", 1024 * 1024 + 5)
    (fuse_mount / subdir / encode_key("fuse/theirs")).write_bytes(theirs)
    assert gstore.get("fuse/theirs") == theirs
    assert "fuse/theirs" in set(gstore.list("fuse/"))
    # Rewrite through FUSE: a read right after must see the new bytes (no stale cache).
    path.write_bytes(b"short now")
    assert gstore.get("fuse/ours") == b"short now"


# -- the brick goes away -------------------------------------------------------------------


def _brick_pid(local: LocalGluster) -> int:
    bricks = local.volume_status()["bricks"]
    assert bricks and bricks[0]["pid"], f"no brick pid in {bricks}"
    return int(bricks[0]["pid"])


def _restart_brick(local: LocalGluster) -> None:
    # glusterd ignores `start force` until it has noticed the brick's death (~1 s after
    # a kill), so repeat it until the brick is online.
    deadline = time.monotonic() + 60
    while True:
        local.cli("volume", "start", local.volume, "force", check=False)
        for _ in range(10):
            if local.brick_online():
                return
            time.sleep(0.2)
        assert time.monotonic() < deadline, "brick did not come back"


def _bounded(fn: Callable[[], Any], limit: float) -> tuple[BaseException | None, float]:
    """Run fn in a thread; fail the test if it has not returned within ``limit`` s."""
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            fn()
            result.append(None)
        except BaseException as exc:
            result.append(exc)

    started = time.monotonic()
    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(limit)
    assert not th.is_alive(), f"operation hung for more than {limit} s"
    return result[0], time.monotonic() - started


def _eventually(fn: Callable[[], Any], limit: float) -> None:
    deadline = time.monotonic() + limit
    while True:
        try:
            fn()
            return
        except ObjstoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_stopped_brick_gives_unavailable_not_a_hang(gstore: Store, local: LocalGluster) -> None:
    """With the brick process killed, get/put fail fast with Unavailable; after
    `volume start force` the same store works again."""
    gstore.put("before", b"data")
    pid = _brick_pid(local)
    os.kill(pid, signal.SIGKILL)
    try:
        for op in (lambda: gstore.get("before"), lambda: gstore.put("during", b"x")):
            exc, elapsed = _bounded(op, 30)
            assert elapsed < 30
            assert isinstance(exc, ObjstoreError), f"expected a typed error, got {exc!r}"
            assert isinstance(exc, Unavailable), f"{type(exc).__name__}: {exc}"
            assert exc.backend == "gluster" and exc.code is not None
            assert exc.__cause__ is not None
    finally:
        _restart_brick(local)
    _eventually(lambda: gstore.get("before"), 30)
    assert gstore.get("before") == b"data"


HUNG_CHILD = r"""
import sys, time
import objstore
with objstore.open(config=sys.argv[1], subdir=sys.argv[2], ping_timeout=3) as s:
    s.put("k", b"v")
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()
    try:
        s.get("k")
        outcome = "ok"
    except objstore.ObjstoreError as exc:
        outcome = type(exc).__name__
    print(outcome, round(time.monotonic() - started, 2), flush=True)
"""


@pytest.mark.slow
def test_hung_brick_times_out_with_ping_timeout(local: LocalGluster, subdir: str) -> None:
    """A brick that stops answering (SIGSTOP) is dropped after ping_timeout: Unavailable."""
    child = subprocess.Popen(
        [sys.executable, "-c", HUNG_CHILD, str(CONFIG), subdir],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert child.stdin is not None and child.stdout is not None
    pid = 0
    try:
        assert child.stdout.readline().strip() == "ready"
        pid = _brick_pid(local)
        os.kill(pid, signal.SIGSTOP)
        child.stdin.write("go\n")
        child.stdin.flush()
        out, _ = child.communicate(timeout=45)
        outcome, seconds = out.split()
        assert outcome in ("Unavailable", "Timeout"), out
        assert float(seconds) < 30, out
    finally:
        if pid:
            os.kill(pid, signal.SIGCONT)
        if child.poll() is None:
            child.kill()
            child.wait()
        # The brick may have been marked down by glusterd meanwhile: make sure it runs.
        if not local.brick_online():
            _restart_brick(local)
        shutil.rmtree(local.brick / subdir, ignore_errors=True)


def test_forked_child_gets_its_own_client(gstore: Store) -> None:
    """process_safe: a forked child uses the parent's store through a client of its own."""
    gstore.put("parent", b"from parent")
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            gstore.put("child", b"from child")
            code = 0 if gstore.get("parent") == b"from parent" else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("forked child hung")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0
    assert gstore.get("child") == b"from child"
