"""The bridge between the avocado suite (``ftests/``) and the case library.

Two halves, neither importing avocado at module level:

* :func:`run_feature` is what one avocado test does: open the backend a variant names,
  run every case of one feature through :class:`~objstore.cases.runner.CaseRunner` and
  return the outcomes. The avocado class in ``ftests/objstore_base.py`` only adapts it
  (CANCEL, FAIL naming the failing cases, whiteboard).
* :func:`run_job` runs the whole suite through avocado's Job API (what ``objstore ftest``
  does) and reads the per-case outcomes back from ``results.json``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from objstore.cases import select
from objstore.cases.runner import CaseRunner, Outcome
from objstore.errors import ObjstoreError
from objstore.testing.targets import PROJECT_ROOT, Target, discover

FTESTS_DIR = PROJECT_ROOT / "ftests"
BACKENDS_YAML = FTESTS_DIR / "backends.yaml"
BACKENDS = ("memory", "posix", "rados", "rbd", "gobridge", "gluster", "daos")
"""The variants of ``ftests/backends.yaml``, in report order."""


@dataclass
class FeatureRun:
    """What one avocado test (one feature on one backend) found."""

    backend: str
    feature: str
    target: str = ""
    """The target as described to the user (config path, test-double marker)."""
    cancel_reason: str | None = None
    """Set when the backend cannot run here; no case ran."""
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def counts(self) -> Counter[str]:
        return Counter(o.status for o in self.outcomes)

    def failure_message(self) -> str:
        """One line per failing case, naming it exactly."""
        total = len(self.outcomes)
        lines = [f"{len(self.failed)} of {total} {self.feature} cases failed on {self.backend}:"]
        lines += [
            f"  {o.case}: {o.message.splitlines()[0] if o.message else ''}" for o in self.failed
        ]
        return "\n".join(lines)

    def to_json(self) -> str:
        """The whiteboard text: read back by :func:`read_results`."""
        return json.dumps(
            {
                "backend": self.backend,
                "feature": self.feature,
                "target": self.target,
                "cancel_reason": self.cancel_reason,
                "outcomes": [asdict(o) for o in self.outcomes],
            }
        )


def resolve_target(backend: str, config: str | None = None) -> Target:
    """The target a variant names: a config file path, or a backend name from discover()."""
    wanted = config or backend
    found = discover([wanted])
    if not found:
        return Target(backend, backend, skip_reason=f"no target named {wanted!r}")
    return found[0]


def run_feature(
    backend: str, feature: str, config: str | None = None, include_slow: bool = True
) -> FeatureRun:
    """Run every case of ``feature`` on the variant's backend; never raises for a case."""
    target = resolve_target(backend, config)
    run = FeatureRun(backend=backend, feature=feature, target=target.describe())
    if target.skip_reason:
        run.cancel_reason = target.skip_reason
        return run
    try:
        store = target.open()
    except ObjstoreError as exc:
        run.cancel_reason = f"cannot open {target.describe()}: {exc}"
        return run
    with store:
        runner = CaseRunner(store)
        for case in select(features=[feature], include_slow=include_slow):
            outcome = runner.run(case)
            run.outcomes.append(
                Outcome(
                    outcome.case,
                    outcome.feature,
                    backend,
                    outcome.status,
                    outcome.message,
                    outcome.seconds,
                )
            )
    return run


# -- the Job API side (objstore ftest) ------------------------------------------------------


@dataclass
class JobReport:
    """The avocado job's results, per test and per case."""

    exit_code: int
    results_dir: Path
    tests: list[dict[str, Any]]
    """One entry per avocado test: id, status, backend, feature, fail_reason."""
    outcomes: list[Outcome]

    def test_counts(self) -> Counter[str]:
        return Counter(t["status"] for t in self.tests)


def write_variants(
    path: Path, backends: list[str], configs: list[str], include_slow: bool = True
) -> Path:
    """A yaml-to-mux file with one variant per backend name and per config file."""
    slow = f"    include_slow: {str(include_slow).lower()}"
    lines = ["backends: !mux"]
    for name in backends:
        lines += [f"  {name}:", f"    backend: {name}", slow]
    for config in configs:
        stem = Path(config).stem.replace(".", "_")
        lines += [
            f"  {stem}:",
            f"    backend: {stem}",
            f"    config: {Path(config).resolve()}",
            slow,
        ]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_job(
    backends: list[str],
    configs: list[str],
    results_dir: Path,
    include_slow: bool = True,
    tags: list[str] | None = None,
) -> JobReport:
    """Run ``ftests/`` over the chosen variants with one task at a time (backends are shared).

    Writes ``results.json``, xunit ``results.xml`` and ``results.html`` into ``results_dir``
    (avocado's own job directory goes under ``results_dir/jobs``).
    """
    from avocado.core.job import Job

    results_dir.mkdir(parents=True, exist_ok=True)
    variants = write_variants(results_dir / "variants.yaml", backends, configs, include_slow)
    config: dict[str, Any] = {
        "resolver.references": [str(FTESTS_DIR)],
        "yaml_to_mux.files": [str(variants)],
        # Every test of every backend shares the same pools and clusters: one at a time.
        "run.max_parallel_tasks": 1,
        "run.results_dir": str(results_dir / "jobs"),
        "job.run.result.json.output": str(results_dir / "results.json"),
        "job.run.result.xunit.output": str(results_dir / "results.xml"),
        "job.run.result.html.output": str(results_dir / "results.html"),
        "job.run.result.html.enabled": True,
    }
    if tags:
        config["filter.by_tags.tags"] = tags
    # The tests import the project; make sure a spawned test finds it even when objstore
    # is not installed (running from a checkout).
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    with Job.from_config(job_config=config) as job:
        exit_code = job.run()
    return read_results(results_dir / "results.json", exit_code, results_dir)


def read_results(path: Path, exit_code: int = 0, results_dir: Path | None = None) -> JobReport:
    """Parse avocado's ``results.json``; each test's whiteboard holds its case outcomes."""
    data = json.loads(path.read_text())
    tests: list[dict[str, Any]] = []
    outcomes: list[Outcome] = []
    for test in data.get("tests", []):
        board: dict[str, Any] = {}
        try:
            board = json.loads(test.get("whiteboard") or "{}")
        except json.JSONDecodeError:
            board = {}
        backend = board.get("backend") or _variant_backend(test.get("id", ""))
        feature = board.get("feature") or test.get("id", "").rsplit(".test_", 1)[-1].split(";")[0]
        tests.append(
            {
                "id": test.get("id", ""),
                "status": test.get("status", "?"),
                "backend": backend,
                "feature": feature,
                "fail_reason": test.get("fail_reason") or "",
                "target": board.get("target", ""),
            }
        )
        for raw in board.get("outcomes", []):
            outcomes.append(Outcome(**raw))
    return JobReport(exit_code, results_dir or path.parent, tests, outcomes)


def _variant_backend(test_id: str) -> str:
    # ids look like "1-ftests/conformance.py:Conformance.test_put;run-backends-memory-6f2a"
    _, _, variant = test_id.partition(";")
    parts = variant.split("-")
    return parts[2] if len(parts) > 3 else "?"
