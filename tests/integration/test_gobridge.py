"""The gobridge backend against the real local Ceph cluster (``objstore cluster ceph up``).

No mocks: every test goes through libobjstore_gobridge.so, go-ceph and librados to the osd.
The conformance cases run from tests/test_conformance.py; these add what is specific to the
Go bridge. Without ``configs/gobridge-local.toml`` (or the library) they skip with the
reason, and fail with CI=true. ``OBJSTORE_GOBRIDGE_CONFIG`` points them at another
cluster's generated config (development clusters made with ``--dir``).
Runtime: about 25 s, most of it the stopped-osd case (timeout + restart) and 64 MiB.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import objstore
from objstore.config import load_config
from objstore.errors import BackendError, InvalidArgument, Unavailable
from objstore.store import Store
from objstore.testing.skips import skip_or_fail
from objstore.testing.targets import CONFIG_DIR, PROJECT_ROOT

pytestmark = pytest.mark.cluster

CONFIG = Path(os.environ.get("OBJSTORE_GOBRIDGE_CONFIG", CONFIG_DIR / "gobridge-local.toml"))
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def options() -> dict[str, Any]:
    if not CONFIG.is_file():
        skip_or_fail(f"{CONFIG.name} missing: run `objstore cluster ceph up` first", "gobridge")
    from backends.gobridge._native import unavailable_reason

    reason = unavailable_reason()
    if reason is not None:
        skip_or_fail(reason, "gobridge")
    return dict(load_config(CONFIG).options)


@pytest.fixture
def prefix() -> str:
    return f"it-gobridge-{uuid.uuid4().hex[:10]}/"


@pytest.fixture
def gb(options: dict[str, Any], prefix: str) -> Iterator[Store]:
    with objstore.open(config=CONFIG) as store:
        yield store
        for key in list(store.list(prefix)):
            store.delete(key, missing_ok=True)


def _rados_config() -> Path:
    return CONFIG.with_name("rados-local.toml")


@pytest.fixture
def rados_store(options: dict[str, Any]) -> Iterator[Store]:
    path = _rados_config()
    if not path.is_file():
        skip_or_fail(f"{path.name} missing next to {CONFIG.name}", "rados")
    with objstore.open(config=path) as store:
        yield store


def _pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic bytes with NULs everywhere (every 256-byte block contains 0x00)."""
    block = bytes((i * 7 + seed) % 256 for i in range(4096))
    return (block * (size // len(block) + 1))[:size]


# -- binary data ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["wf", "create", "w", "wa"])
def test_nul_bytes_round_trip_in_every_mode(gb: Store, prefix: str, mode: str) -> None:
    data = b"\x00head\x00\x00middle\x00" + bytes(range(256)) + b"\x00"
    key = prefix + "nul"
    gb.put(key, data, mode)
    assert gb.get(key) == data
    assert gb.stat(key).size == len(data)
    buf = bytearray(len(data) + 10)
    assert gb.get_into(key, buf) == len(data)
    assert bytes(buf[: len(data)]) == data
    assert gb.get(key, offset=1, length=5) == data[1:6]


def test_nul_bytes_in_xattr_values(gb: Store, prefix: str) -> None:
    key = prefix + "x"
    gb.put(key, b"")
    gb.set_xattr(key, "bin", b"\x00\x01\x00")
    gb.set_xattr(key, "empty", b"")
    assert gb.get_xattrs(key) == {"bin": b"\x00\x01\x00", "empty": b""}


@pytest.mark.slow
def test_64_mib_object_streamed(gb: Store, prefix: str) -> None:
    key = prefix + "big"
    chunk = 4 * MiB
    sent = hashlib.sha256()

    def chunks() -> Iterator[bytes]:
        for i in range(16):
            part = _pattern(chunk, seed=i)
            sent.update(part)
            yield part

    assert gb.put_stream(key, chunks(), chunk_size=chunk) == 64 * MiB
    assert gb.stat(key).size == 64 * MiB
    got = hashlib.sha256()
    total = 0
    for part in gb.get_stream(key, chunk_size=chunk):
        got.update(part)
        total += len(part)
    assert total == 64 * MiB
    assert got.hexdigest() == sent.hexdigest()
    # A range across a chunk boundary, read into a caller buffer.
    buf = bytearray(MiB)
    assert gb.get_into(key, buf, offset=4 * MiB - MiB // 2) == MiB
    assert bytes(buf) == _pattern(chunk, 0)[-MiB // 2 :] + _pattern(chunk, 1)[: MiB // 2]


# -- threads --------------------------------------------------------------------------


@pytest.mark.slow
def test_16_threads_at_once(gb: Store, prefix: str) -> None:
    """16 threads share one store: own keys round-trip, appends to one key all land."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)
    shared = prefix + "shared"
    gb.put(shared, b"")

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(20):
                key = f"{prefix}t{n}-{i}"
                data = _pattern(4096 + n, seed=n + i)
                gb.put(key, data)
                assert gb.get(key) == data
                gb.put(shared, bytes([n]) * 8, "wa")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not errors, errors[:3]
    data = gb.get(shared)
    assert len(data) == 16 * 20 * 8
    # Atomic appends: every 8-byte record is one writer's, never interleaved.
    records = [data[i : i + 8] for i in range(0, len(data), 8)]
    assert all(r == bytes([r[0]]) * 8 for r in records)
    assert sorted(r[0] for r in records) == sorted(n for n in range(16) for _ in range(20))
    assert len(list(gb.list(prefix + "t"))) == 16 * 20


def test_threads_overlap_inside_the_bridge(gb: Store, prefix: str) -> None:
    """While one thread reads 32 MiB in Go, another thread keeps running Python."""
    key = prefix + "gil"
    gb.put(key, _pattern(32 * MiB))
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    spinner = threading.Thread(target=spin)
    spinner.start()
    try:
        buf = bytearray(32 * MiB)
        start = time.perf_counter()
        for _ in range(4):
            gb.get_into(key, buf)
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        spinner.join()
    # With the GIL held for the whole call the spinner would barely run.
    assert ticks > (elapsed / 0.001) * 0.3, (ticks, elapsed)


def test_aio_path(gb: Store, prefix: str) -> None:
    from objstore.spec import WriteMode

    backend = gb.backend
    assert gb.capabilities.aio
    done: list[Any] = []
    for i in range(32):
        backend.aio_write(f"{prefix}a{i}", _pattern(4096, i), WriteMode.WRITE_FULL, 0, done.append)
    backend.aio_flush()
    assert done == [None] * 32
    reads: dict[int, Any] = {}

    def reader(i: int) -> Any:
        return lambda data, err: reads.__setitem__(i, (data, err))

    for i in range(32):
        backend.aio_read(f"{prefix}a{i}", 0, 8192, reader(i))
    backend.aio_read(prefix + "missing", 0, 10, reader(-1))
    backend.aio_flush()
    assert all(reads[i] == (_pattern(4096, i), None) for i in range(32))
    data, err = reads[-1]
    assert data is None and type(err).__name__ == "NotFound"


# -- faults ---------------------------------------------------------------------------


@pytest.fixture
def stopped_osd(options: dict[str, Any]) -> Iterator[None]:
    """Stop osd.0 of the cluster behind CONFIG; restart it afterwards, even on failure."""
    from objstore.cluster._ceph_local import CephLocal

    local = CephLocal(Path(options["conffile"]).parent)
    if local.pid("osd.0") is None:
        skip_or_fail("osd.0 is not running", "gobridge")
    local.stop_daemon("osd.0")
    try:
        yield
    finally:
        local.start_daemon("osd.0")
        local.wait_ready(timeout=90)


@pytest.mark.slow
def test_put_after_the_osd_stopped_is_unavailable_within_the_timeout(
    stopped_osd: None, prefix: str
) -> None:
    # Connecting needs only the mon; the write needs the (stopped) osd.
    with objstore.open(config=CONFIG, osd_op_timeout=3) as store:
        start = time.monotonic()
        with pytest.raises(Unavailable):
            store.put(prefix + "after", b"y")
        elapsed = time.monotonic() - start
    assert elapsed < 15, f"Unavailable came after {elapsed:.1f}s with a 3 s op timeout"


def _python(code: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "OBJSTORE_GOBRIDGE_CONFIG": str(CONFIG)},
    )


def test_forked_child_gets_a_clear_error_and_does_not_hang(options: dict[str, Any]) -> None:
    # A fresh interpreter opens the store, forks, and the child uses it; the subprocess
    # timeout ends this test if the child hangs (the Go runtime bug this guards against).
    proc = _python(
        f"""
        import os, multiprocessing, objstore
        from objstore.errors import Unsupported
        store = objstore.open(config={str(CONFIG)!r})
        store.put("it-gobridge-fork", b"parent")
        pid = os.fork()
        if pid == 0:
            try:
                store.get("it-gobridge-fork")
            except Unsupported as exc:
                os._exit(0 if "spawn" in str(exc) else 3)
            os._exit(4)
        _, status = os.waitpid(pid, 0)

        def use(key):
            return store.get(key)

        # A multiprocessing pool with the fork start method fails the same clear way.
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(1) as pool:
            try:
                pool.apply(use, ("it-gobridge-fork",))
                pool_result = "no error"
            except Unsupported:
                pool_result = "Unsupported"
        assert store.get("it-gobridge-fork") == b"parent"  # the parent is unaffected
        store.delete("it-gobridge-fork")
        store.close()
        print(os.waitstatus_to_exitcode(status), pool_result)
        """,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["0", "Unsupported"]


def test_spawned_children_can_use_their_own_store(options: dict[str, Any], tmp_path: Path) -> None:
    script = tmp_path / "spawn_children.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import multiprocessing, objstore

            def child(key):
                with objstore.open(config={str(CONFIG)!r}) as s:
                    s.put(key, b"from child")
                    data = s.get(key)
                    s.delete(key)
                    return data

            if __name__ == "__main__":
                with objstore.open(config={str(CONFIG)!r}) as s:
                    s.put("it-gobridge-spawn-parent", b"p")  # Go runs in the parent
                    s.delete("it-gobridge-spawn-parent")
                    ctx = multiprocessing.get_context("spawn")
                    with ctx.Pool(2) as pool:
                        print(pool.map(child, ["it-gobridge-spawn-0", "it-gobridge-spawn-1"]))
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[b'from child', b'from child']"


def test_panic_paths_give_errors_and_the_process_survives(gb: Store, prefix: str) -> None:
    backend: Any = gb.backend
    with pytest.raises(BackendError, match="panic"):
        # A NULL buffer with a length: unsafe.Slice panics inside Go; guard recovers it.
        from backends.gobridge.errors import ERRORS

        with ERRORS.mapped("put", "k"):
            backend._check("gb_put", b"k", None, 64, 1, 0)
    saved = backend._handle
    backend._handle = 0  # a nil handle
    try:
        with pytest.raises(InvalidArgument):
            gb.put(prefix + "nil", b"x")
    finally:
        backend._handle = saved
    gb.put(prefix + "after-panic", b"still alive")
    assert gb.get(prefix + "after-panic") == b"still alive"


def test_closed_store_gives_an_error_not_a_crash(options: dict[str, Any]) -> None:
    store = objstore.open(config=CONFIG)
    backend: Any = store.backend
    store.close()
    with pytest.raises(InvalidArgument):
        from backends.gobridge.errors import ERRORS

        with ERRORS.mapped("get", "k"):
            backend._check("gb_delete", b"k")


# -- interop with the rados backend ---------------------------------------------------


def test_written_by_gobridge_reads_back_through_rados(
    gb: Store, rados_store: Store, prefix: str
) -> None:
    key = prefix + "g2r"
    data = _pattern(3 * MiB + 17, seed=5)
    gb.put(key, data)
    gb.put(key, b"\x00tail", "wa")
    gb.set_xattr(key, "who", b"gobridge\x00")
    assert rados_store.get(key) == data + b"\x00tail"
    assert rados_store.get_xattr(key, "who") == b"gobridge\x00"
    assert rados_store.stat(key).size == gb.stat(key).size
    assert key in set(rados_store.list(prefix))


def test_written_by_rados_reads_back_through_gobridge(
    gb: Store, rados_store: Store, prefix: str
) -> None:
    key = prefix + "r2g"
    data = _pattern(2 * MiB + 3, seed=9)
    rados_store.put(key, data)
    rados_store.put(key, b"\x00\x00", "w", 10)
    rados_store.set_xattr(key, "who", b"rados")
    expected = data[:10] + b"\x00\x00" + data[12:]
    assert gb.get(key) == expected
    buf = bytearray(len(expected))
    assert gb.get_into(key, buf) == len(expected) and bytes(buf) == expected
    assert gb.get_xattrs(key) == {"who": b"rados"}
    assert abs(gb.stat(key).mtime - rados_store.stat(key).mtime) < 1.5


# -- the seed's own snippets ----------------------------------------------------------

SEED_SNIPPETS = """
import ctypes

# Return type for ToObj.
class RetType(ctypes.Structure):
    _fields_ = [('x', ctypes.c_bool),('y', ctypes.c_char_p)]

rados = ctypes.CDLL(LIBRARY)
ToObj = rados.ToObj # CDLL
ToObj.restype = RetType # declare the expected type returned
# parameters
cluster_name = "ceph".encode('utf-8') # cluster name. Type:bytes
user_name    = USER.encode('utf-8') # user name. Type:bytes
conf_file    = CONF.encode('utf-8') # config file path. Type:bytes
pool_name    = POOL.encode('utf-8') # pool名称. Type:bytes
oid          = OID.encode('utf-8') # object id. Type:bytes
data         = "content".encode('utf-8') # data to be written. Type:bytes
mode         = "w".encode('utf-8') # write mode ['w':write,'wf':write full,'wa':write append]
offset       = ctypes.c_ulonglong(0) # write strat from where(only effective in mode:'w'). Type:ctypes.c_ulonglong

# execute
result = ToObj(cluster_name, user_name, conf_file, pool_name, oid, data, offset) # return. Type:RetType
stat = result.x # Whether the write operation executed successfully. Type:bool
info = result.y # The error or success description. Type:bytes
print("ToObj", stat, info)

FromObj = rados.FromObj # CDLL
FromObj.restype = RetType # declare the expected type returned
block_size   = 204800000 # Maximum number of bytes read each time. Type:int
offset       = ctypes.c_ulonglong(0) # where read strat from. Type:ctypes.c_ulonglong
result = FromObj(cluster_name, user_name, conf_file, pool_name, block_size, oid, offset) # return. Type:RetType
stat = result.x # Whether the read operation executed successfully. Type:bool
byteout = result.y # The bytes read out. Type:bytes
print("FromObj", stat, byteout)

ListObj = rados.ListObj # CDLL
ListObj.restype = ctypes.c_char_p # declare the expected type returned
result = ListObj(cluster_name, user_name, conf_file, pool_name) # return. Type:bytes
print("ListObj", result.decode())

DelObj = rados.DelObj # CDLL
DelObj.restype = RetType # declare the expected type returned
result = DelObj(cluster_name, user_name, conf_file, pool_name, oid) # return. Type:RetType
stat = result.x # Whether the delete operation executed successfully. Type:bool
info = result.y # The error or success description. Type:bytes
print("DelObj", stat, info)

result = FromObj(cluster_name, user_name, conf_file, pool_name, block_size, oid, offset)
print("FromObj-after-delete", result.x)

# The documented limit: data travels as a C string, so it ends at the first NUL.
ToObj(cluster_name, user_name, conf_file, pool_name, oid, b"ab\\x00cd", ctypes.c_ulonglong(0))
result = FromObj(cluster_name, user_name, conf_file, pool_name, block_size, oid, offset)
print("FromObj-nul", result.x, result.y)
DelObj(cluster_name, user_name, conf_file, pool_name, oid)
"""  # noqa: E501 - the seed's own lines, only paths and names adjusted


def test_seed_snippets_run_against_the_library(options: dict[str, Any]) -> None:
    """The seed's Python snippets, with only paths and names adjusted, in a fresh process."""
    from backends.gobridge._native import library_path

    oid = f"it-gobridge-seed-{uuid.uuid4().hex[:8]}"
    header = (
        f"LIBRARY = {str(library_path())!r}\nUSER = {options.get('user', 'client.objstore')!r}\n"
        f"CONF = {options['conffile']!r}\nPOOL = {options['pool']!r}\nOID = {oid!r}\n"
    )
    env = dict(os.environ)
    if options.get("keyring"):
        # The seed has no keyring parameter: librados takes it from CEPH_ARGS (or the conf).
        env["CEPH_ARGS"] = f"--keyring={options['keyring']}"
    proc = subprocess.run(
        [sys.executable, "-c", header + SEED_SNIPPETS],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ToObj True b'successfully")
    assert "FromObj True b'content'" in lines
    # ListObj prints the pool's objects (the seed's behaviour), then returns a message.
    assert oid in lines
    assert any(line.startswith("ListObj list the objects above") for line in lines)
    assert any(line.startswith("DelObj True") for line in lines)
    assert "FromObj-after-delete False" in lines
    assert "FromObj-nul True b'ab'" in lines
