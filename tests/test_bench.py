"""Unit tests of the benchmark engine (memory and posix backends only; < 30 s in total)."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import objstore
from objstore.bench import hist, results
from objstore.bench.cli import COMMANDS
from objstore.bench.compare import Side, bootstrap_ratio, compare_sides, load_sides, verdict
from objstore.bench.engine import (
    Clock,
    Fixture,
    candidate_drivers,
    make_driver,
    new_prefix,
    run_in_process,
)
from objstore.bench.record import Partial
from objstore.bench.report import render
from objstore.bench.runner import run_target, split
from objstore.bench.targets import BenchTarget, fingerprint
from objstore.bench.units import format_size, parse_duration, parse_size
from objstore.bench.workload import Workload, build_workload, parse_mix
from objstore.errors import InvalidArgument, ObjstoreError, Unavailable
from objstore.layers import FaultInjectionLayer, Layer
from objstore.spec import Buffer, WriteMode
from objstore.store import Store

# -- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4096", 4096),
        ("4k", 4096),
        ("4KiB", 4096),
        ("4KB", 4000),
        ("4MiB", 4 << 20),
        ("1g", 1 << 30),
        ("0", 0),
        (" 2 MiB ", 2 << 20),
        ("1.5KiB", 1536),
    ],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "four", "4XB", "-1", "1.3B"])
def test_parse_size_rejects(text: str) -> None:
    with pytest.raises(InvalidArgument):
        parse_size(text)


def test_format_size_and_duration() -> None:
    assert [format_size(n) for n in (4096, 4 << 20, 1000, 1536)] == [
        "4KiB",
        "4MiB",
        "1000B",
        "1536B",
    ]
    assert parse_duration("500ms") == 0.5
    assert parse_duration("2m") == 120.0
    assert parse_duration("3") == 3.0


def test_parse_mix_weights_and_errors() -> None:
    assert parse_mix("put=1,get=3") == {"put": 1.0, "get": 3.0}
    assert parse_mix("get-range, stat=0.5") == {"get-range": 1.0, "stat": 0.5}
    assert parse_mix("get_range=2,put=0") == {"get-range": 2.0}
    for bad in ("copy=1", "put=x", "put=-1", "put,put", ""):
        with pytest.raises(InvalidArgument):
            parse_mix(bad)


def test_workload_rules_and_schedule() -> None:
    with pytest.raises(InvalidArgument):
        Workload(duration=1.0, ops=10)
    with pytest.raises(InvalidArgument):
        Workload(duration=None, ops=None)
    with pytest.raises(InvalidArgument):
        build_workload(mix="put", mode="wa", verify=True)
    wl = build_workload(mix="put=1,get=3", ops=100)
    assert wl.duration is None and wl.ops == 100
    sched = wl.schedule()
    share = sched.count("get") / len(sched)
    assert 0.70 < share < 0.80
    assert sched == wl.schedule(), "the op sequence must be deterministic"
    assert Workload.from_json(wl.to_json()) == wl
    quick = build_workload(quick=True)
    assert quick.duration is not None and quick.duration <= 2


# -- histograms ----------------------------------------------------------------------------


def test_histogram_summary_and_encoding() -> None:
    h = hist.new_histogram()
    hist.record_all(h, [1000] * 900 + [10_000] * 90 + [100_000] * 9 + [5_000_000])
    s = hist.summary_us(h)
    assert s["min"] == pytest.approx(1.0, rel=0.01)
    assert s["p50"] == pytest.approx(1.0, rel=0.01)
    assert s["p90"] == pytest.approx(1.0, rel=0.01)
    assert s["p99"] == pytest.approx(10.0, rel=0.01)
    assert s["p99_9"] == pytest.approx(100.0, rel=0.01)
    assert s["max"] == pytest.approx(5000.0, rel=0.01)
    again = hist.decode(hist.encode(h))
    assert again.get_total_count() == 1000
    merged = hist.merge([hist.encode(h), hist.encode(h)])
    assert merged.get_total_count() == 2000
    assert hist.summary_us(merged)["p99"] == s["p99"]
    points = hist.cdf_points_us(h)
    assert points[-1][1] == 1.0 and all(a[0] <= b[0] for a, b in itertools.pairwise(points))
    assert hist.summary_us(hist.new_histogram())["p50"] == 0.0


# -- the engine ----------------------------------------------------------------------------


def _run(store: Store, workload: Workload, driver: str = "threads") -> dict[str, Any]:
    result = run_in_process(store, workload, driver, new_prefix())
    removed = result.fixture.cleanup()
    run = results.run_json(
        result.partial,
        label=store.name,
        backend=store.name,
        repetition=0,
        driver=driver,
        describe=store.describe(),
        config={},
        fingerprint="x",
        interval=workload.interval,
        started=time.time(),
        extra={"cleaned_up": removed},
    )
    return run


def test_closed_loop_ops_mode_counts_exactly() -> None:
    with objstore.open("memory") as store:
        wl = build_workload(
            mix="put=1,get=1,get-range=1,stat=1,list=1,delete=1",
            ops=600,
            warmup=0,
            concurrency=1,
            objects=10,
            verify=True,
        )
        run = _run(store, wl)
        assert sum(op["count"] for op in run["ops"].values()) == 600
        assert run["total"]["errors"] == {}, "delete re-puts its object, so reads never miss"
        wl3 = build_workload(mix="put=1,get=1,delete=1", ops=300, warmup=0, concurrency=3)
        run3 = _run(store, wl3)
        # With 3 in flight a get may race a delete of the same key (NotFound): still 300 ops.
        assert run3["total"]["count"] + sum(run3["total"]["errors"].values()) == 300
        assert set(run["ops"]) == {"put", "get", "get-range", "stat", "list", "delete"}
        assert run["ops"]["get-range"]["bytes"] == run["ops"]["get-range"]["count"] * 1024
        assert list(store.list()) == [], "the run must clean up after itself"


def test_errors_are_counted_by_class() -> None:
    store = objstore.open("memory").with_layers(
        FaultInjectionLayer(0.25, Unavailable, ("get",), seed=3)
    )
    with store:
        run = _run(store, build_workload(mix="get", ops=400, warmup=0, objects=4))
    errors = run["ops"]["get"]["errors"]
    assert set(errors) == {"Unavailable"}
    assert 50 < errors["Unavailable"] < 150
    assert run["ops"]["get"]["count"] + errors["Unavailable"] == 400


class StallOnce(Layer):
    """Blocks one get for ``seconds``: a GC pause, a slow disk, a leader election."""

    def __init__(self, at: int, seconds: float) -> None:
        self.at, self.seconds, self.calls = at, seconds, 0
        self.lock = threading.Lock()

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        with self.lock:
            self.calls += 1
            stall = self.calls == self.at
        if stall:
            time.sleep(self.seconds)
        return self.inner.read(key, offset, length)


def test_open_loop_counts_from_intended_start() -> None:
    """A 300 ms stall at 400 ops/s delays ~120 scheduled ops: open loop must show it in
    p90/p99.9; closed loop (coordinated omission) sees one slow op only."""
    wl_open = build_workload(mix="get", duration=1.0, warmup=0.1, rate=400, objects=4)
    with objstore.open("memory").with_layers(StallOnce(150, 0.3)) as store:
        run = _run(store, wl_open)
    lat = run["ops"]["get"]["latency_us"]
    assert lat["p99_9"] > 200_000, lat
    assert lat["p90"] > 20_000, "ops scheduled during the stall must carry its delay"
    wl_closed = build_workload(mix="get", ops=400, warmup=0, objects=4)
    with objstore.open("memory").with_layers(StallOnce(150, 0.3)) as store:
        closed = _run(store, wl_closed)
    c = closed["ops"]["get"]["latency_us"]
    assert c["max"] > 200_000 and c["p90"] < 20_000, c


def test_open_loop_keeps_the_rate() -> None:
    wl = build_workload(mix="put", duration=0.5, warmup=0.1, rate=500, concurrency=2)
    with objstore.open("memory") as store:
        run = _run(store, wl)
    assert 200 <= run["ops"]["put"]["count"] <= 270


class FakeAio(Layer):
    """A memory backend with an 'aio' path completing on a thread pool after 2 ms."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=32)
        self.inflight = 0
        self.peak = 0
        self.lock = threading.Lock()

    def wrap(self, inner: Any) -> Layer:
        super().wrap(inner)
        self.capabilities = inner.capabilities.with_(aio=True)
        return self

    def _go(self, fn: Callable[[], None]) -> None:
        with self.lock:
            self.inflight += 1
            self.peak = max(self.peak, self.inflight)

        def work() -> None:
            time.sleep(0.002)
            with self.lock:
                self.inflight -= 1
            fn()

        self.pool.submit(work)

    def aio_write(
        self,
        key: str,
        data: Buffer,
        mode: WriteMode,
        offset: int,
        on_done: Callable[[ObjstoreError | None], None],
    ) -> None:
        def run() -> None:
            self.inner.write(key, data, mode, offset)
            on_done(None)

        self._go(run)

    def aio_read(
        self,
        key: str,
        offset: int,
        length: int,
        on_done: Callable[[bytes | None, ObjstoreError | None], None],
    ) -> None:
        def run() -> None:
            try:
                on_done(self.inner.read(key, offset, length), None)
            except ObjstoreError as exc:
                on_done(None, exc)

        self._go(run)


def test_aio_driver_keeps_depth_in_flight_and_verifies() -> None:
    fake = FakeAio()
    with objstore.open("memory").with_layers(fake) as store:
        assert store.capabilities.aio
        wl = build_workload(
            mix="put=1,get=2,get-range=1", ops=400, warmup=0, concurrency=8, objects=16, verify=True
        )
        run = _run(store, wl, driver="aio")
    assert fake.peak == 8
    assert sum(op["count"] for op in run["ops"].values()) == 400
    assert run["total"]["errors"] == {}
    assert run["total"]["latency_us"]["p50"] >= 2000


class _Handle:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.err: ObjstoreError | None = None

    def wait(self) -> None:
        self.done.wait()

    def is_complete(self) -> bool:
        return self.done.is_set()

    def error(self) -> ObjstoreError | None:
        return self.err


class FakeAioHandles(FakeAio):
    """FakeAio plus callback-free writes (``aio_write_handle``) for the poll driver."""

    def aio_write_handle(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> _Handle:
        handle = _Handle()

        def run() -> None:
            try:
                self.inner.write(key, data, mode, offset)
            except ObjstoreError as exc:
                handle.err = exc
            handle.done.set()

        self._go(run)
        return handle


def test_poll_driver_for_callback_free_writes() -> None:
    fake = FakeAioHandles()
    with objstore.open("memory").with_layers(fake) as store:
        wl = build_workload(mix="put", ops=300, warmup=0, concurrency=6, mode="create")
        result = run_in_process(store, wl, "aio", new_prefix())
        assert type(make_driver("aio", result.fixture, Clock.start(wl), 6)).__name__ == "PollDriver"
        assert fake.peak == 6
        assert result.partial.ops["put"].count == 300
        assert result.partial.ops["put"].errors == {}, "create mode puts fresh keys"
        assert result.partial.ops["put"].hist.get_min_value() >= 2_000_000
        assert result.fixture.cleanup() == 300
        # A put/get mix still goes through the callback driver.
        mixed = build_workload(mix="put=1,get=1", ops=50, warmup=0, concurrency=4)
        fx = run_in_process(store, mixed, "aio", new_prefix()).fixture
        assert type(make_driver("aio", fx, Clock.start(mixed), 4)).__name__ == "AioDriver"
        fx.cleanup()


def test_aio_driver_rejects_other_ops() -> None:
    with objstore.open("memory").with_layers(FakeAio()) as store, pytest.raises(InvalidArgument):
        run_in_process(store, build_workload(mix="stat", ops=5), "aio", new_prefix())


def test_auto_driver_calibrates_in_warmup() -> None:
    with objstore.open("memory").with_layers(FakeAio()) as store:
        wl = build_workload(mix="put", ops=100, warmup=0.3, concurrency=4, fresh=True)
        candidates = candidate_drivers(wl, store)
        assert candidates == ["aio", "threads"]
        result = run_in_process(store, wl, candidates, new_prefix())
        assert set(result.calibration) == {"aio", "threads"}
        assert result.driver == max(result.calibration, key=lambda k: result.calibration[k])
        assert result.partial.ops["put"].count == 100
        keys = list(store.list(result.fixture.prefix))
        assert len(keys) == len(set(keys)) >= 100, "fresh puts write a new key each time"
        assert result.fixture.cleanup() == len(keys)
    with objstore.open("memory") as plain:
        assert candidate_drivers(build_workload(mix="stat", ops=1, concurrency=8), plain) == [
            "threads"
        ]


def test_open_loop_after_calibration_keeps_the_rate() -> None:
    """The schedule restarts at the measured phase even though op numbers continue."""
    with objstore.open("memory").with_layers(FakeAio()) as store:
        wl = build_workload(mix="get", duration=0.5, warmup=0.3, rate=400, concurrency=4)
        result = run_in_process(store, wl, ["aio", "threads"], new_prefix())
        result.fixture.cleanup()
    assert set(result.calibration) == {"aio", "threads"}
    assert 160 <= result.partial.ops["get"].count <= 215
    assert result.partial.ops["get"].hist.get_value_at_percentile(50) < 50_000_000


def test_verify_catches_corruption() -> None:
    class Corrupt(Layer):
        def read(self, key: str, offset: int, length: int | None) -> bytes:
            data = bytearray(self.inner.read(key, offset, length))
            data[0] ^= 0xFF
            return bytes(data)

    with objstore.open("memory").with_layers(Corrupt()) as store:
        run = _run(store, build_workload(mix="get", ops=20, warmup=0, verify=True, objects=2))
    assert run["ops"]["get"]["errors"] == {"VerifyMismatch": 20}


def test_fixture_payloads_are_bounded() -> None:
    with objstore.open("memory") as store:
        fx = Fixture.build(store, build_workload(size="1MiB", objects=1000), "p/", 1000)
    assert len(fx.payloads) == 16 and len(set(fx.checksums)) == 16


def test_split() -> None:
    assert split(16, 3) == [6, 5, 5]
    assert split(2, 4) == [1, 1, 1, 1]


def test_process_driver_merges_workers() -> None:
    target = BenchTarget.from_name("memory")
    wl = build_workload(
        mix="put=1,get=1",
        ops=200,
        warmup=0,
        concurrency=2,
        driver="process",
        processes=2,
        objects=8,
        verify=True,
    )
    run = run_target(target, wl)
    assert run["driver"] == "process" and run["processes"] == 2
    assert sum(op["count"] for op in run["ops"].values()) == 200
    assert run["verify"] == {"checked": 8, "mismatched": 0, "missing": 0}


def test_posix_target_gets_a_temporary_root() -> None:
    target = BenchTarget.from_name("posix")
    try:
        run = run_target(target, build_workload(mix="put=1,get=1", ops=40, warmup=0, objects=4))
        assert target.temp_root is not None and Path(target.temp_root).is_dir()
        assert run["config"]["options"]["root"] == "<temporary directory>"
        assert run["cleaned_up"] == 4
    finally:
        root = target.temp_root
        target.release()
    assert root is not None and not Path(root).exists()


# -- result file ---------------------------------------------------------------------------


def test_result_json_round_trip(tmp_path: Path) -> None:
    with objstore.open("memory") as store:
        run = _run(store, build_workload(mix="put=1,get=1", ops=100, warmup=0, interval=0.01))
    doc = results.document(build_workload(ops=100).to_json(), [run])
    path = tmp_path / "r.json"
    results.save(doc, path)
    loaded = results.load(path)
    assert loaded["version"] == results.SCHEMA_VERSION
    entry = loaded["runs"][0]["ops"]["get"]
    assert hist.decode(entry["histogram"]).get_total_count() == entry["count"]
    assert sum(loaded["runs"][0]["intervals"]["ops"]["get"]) == entry["count"]
    bad = json.loads(path.read_text())
    bad["version"] = 99
    path.write_text(json.dumps(bad))
    with pytest.raises(results.SchemaError, match="version 99"):
        results.load(path)
    del bad["version"], bad["runs"][0]["ops"]["get"]["histogram"]
    bad["version"] = results.SCHEMA_VERSION
    with pytest.raises(results.SchemaError, match="histogram"):
        results.validate(bad)


def test_partial_wire_round_trip() -> None:
    with objstore.open("memory") as store:
        result = run_in_process(store, build_workload(mix="put", ops=50, warmup=0), "threads", "w/")
        result.fixture.cleanup()
        partial = result.partial
    again = Partial.from_wire(json.loads(json.dumps(partial.to_wire())))
    assert again.ops["put"].count == 50
    assert again.ops["put"].hist.get_total_count() == 50
    again.merge(Partial.from_wire(partial.to_wire()))
    assert again.ops["put"].count == 100


def test_config_is_redacted_and_fingerprinted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BENCH_TEST_TOKEN", "s3cr3t")
    cfg = tmp_path / "mem.toml"
    cfg.write_text(
        'backend = "memory"\nname = "m"\n[options]\ntoken = { env = "BENCH_TEST_TOKEN" }\n'
    )
    target = BenchTarget.from_config(str(cfg))
    red = target.redacted_config()
    assert red["options"]["token"] == "***" and "s3cr3t" not in json.dumps(red)
    assert fingerprint({"fsid": "abc"}, red) == "fsid:abc"
    assert fingerprint({}, red) == fingerprint({}, red) != fingerprint({}, {"x": 1})


# -- compare -------------------------------------------------------------------------------


def test_bootstrap_verdicts() -> None:
    a = [100.0, 101.0, 99.0, 100.5, 99.5]
    b = [150.0, 149.0, 151.0, 152.0, 148.0]
    ratio, low, high = bootstrap_ratio(a, b)
    assert ratio == pytest.approx(1.5, rel=0.01)
    assert ratio is not None and low is not None and high is not None
    assert 1.0 < low <= ratio <= high
    assert verdict(low, high, higher_is_better=True) == "better"
    assert verdict(low, high, higher_is_better=False) == "worse"
    _, low2, high2 = bootstrap_ratio(a, [98.0, 103.0, 100.0, 99.0, 101.0])
    assert low2 is not None and high2 is not None and low2 < 1 < high2
    assert verdict(low2, high2, True) == "~"
    assert bootstrap_ratio([100.0], [200.0]) == (2.0, None, None)
    assert verdict(None, None, True) == "n/a"
    assert bootstrap_ratio([0.0, 0.0], [1.0, 2.0]) == (None, None, None)


def _fake_run(label: str, ops_s: float, p99: float, rep: int) -> dict[str, Any]:
    h = hist.new_histogram()
    h.record_value(int(p99 * 1000))
    entry = {
        "count": 1,
        "bytes": 4096,
        "ops_per_s": ops_s,
        "mib_per_s": ops_s / 256,
        "latency_us": hist.summary_us(h) | {"p99": p99},
        "errors": {},
        "histogram": hist.encode(h),
    }
    return {
        "label": label,
        "backend": label,
        "repetition": rep,
        "driver": "threads",
        "describe": {},
        "config": {},
        "fingerprint": "f",
        "window_s": 1.0,
        "ops": {"put": entry},
        "total": entry,
        "intervals": {"width_s": 1.0, "ops": {"put": [1]}, "bytes": {"put": [4096]}},
    }


def test_compare_sides_from_files(tmp_path: Path) -> None:
    slow = [_fake_run("a", 1000 + d, 900 + d, r) for r, d in enumerate((0, 5, -5, 3))]
    fast = [_fake_run("b", 2000 + d, 400 + d, r) for r, d in enumerate((0, 5, -5, 3))]
    results.save(results.document({}, slow + fast), tmp_path / "ab.json")
    sides = load_sides([str(tmp_path / "ab.json")])
    assert [s.name for s in sides] == ["a", "b"]
    rows = {(r.op, r.metric): r for r in compare_sides(sides[0], sides[1])}
    assert rows[("put", "ops/s")].verdict == "better"
    assert rows[("put", "p99")].verdict == "better", "lower latency is better"
    assert rows[("put", "ops/s")].ratio == pytest.approx(2.0, rel=0.01)
    single = compare_sides(Side("x", slow[:1]), Side("y", fast[:1]))
    assert {r.verdict for r in single} == {"n/a"}


def test_compare_cli(tmp_path: Path) -> None:
    results.save(
        results.document({}, [_fake_run("a", 100 + r, 50, r) for r in range(3)]),
        tmp_path / "a.json",
    )
    results.save(
        results.document({}, [_fake_run("a", 300 + r, 20, r) for r in range(3)]),
        tmp_path / "b.json",
    )
    cmd = {c.name: c for c in COMMANDS}["compare"]
    res = CliRunner().invoke(cmd, [str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report[0]["baseline"] == "a:a" and report[0]["side"] == "b:a"
    ops_row = next(r for r in report[0]["rows"] if r["op"] == "put" and r["metric"] == "ops/s")
    assert ops_row["verdict"] == "better"
    res = CliRunner().invoke(
        cmd, ["--side", f"old={tmp_path / 'a.json'}", "--side", f"new={tmp_path / 'b.json'}"]
    )
    assert res.exit_code == 0 and "better" in res.output


# -- report and the CLI --------------------------------------------------------------------


def test_report_is_self_contained() -> None:
    doc = results.document(
        build_workload(ops=10).to_json(),
        [_fake_run("memory", 10, 5, 0), _fake_run("posix", 5, 9, 0)],
    )
    page = render([doc])
    assert page.count("<svg") == 2 and "memory" in page and "posix" in page
    stripped = page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "http://" not in stripped and "https://" not in stripped and "<script" not in stripped


def test_bench_cli_quick(tmp_path: Path) -> None:
    out, html_path = tmp_path / "bench.json", tmp_path / "report.html"
    cmd = {c.name: c for c in COMMANDS}["bench"]
    res = CliRunner().invoke(
        cmd,
        [
            "-b",
            "memory",
            "-b",
            "posix",
            "--quick",
            "--duration",
            "0.3s",
            "--out",
            str(out),
            "--report",
            str(html_path),
            "--no-progress",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "memory" in res.output and "posix" in res.output and "p99.9" in res.output
    doc = results.load(out)
    assert [r["label"] for r in doc["runs"]] == ["memory", "posix"]
    assert all(r["total"]["count"] > 0 and r["cleaned_up"] == 32 for r in doc["runs"])
    assert "<svg" in html_path.read_text()
    report_cmd = {c.name: c for c in COMMANDS}["report"]
    res = CliRunner().invoke(report_cmd, [str(out), "-o", str(tmp_path / "r2.html")])
    assert res.exit_code == 0 and (tmp_path / "r2.html").stat().st_size > 1000


def test_bench_cli_reports_unknown_backend() -> None:
    cmd = {c.name: c for c in COMMANDS}["bench"]
    res = CliRunner().invoke(cmd, ["-b", "nosuchbackend", "--ops", "5", "--no-progress"])
    assert res.exit_code != 0
