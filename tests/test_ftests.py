"""The avocado suite (ftests/): discovery, variants, CANCEL vs CI failure, and `objstore ftest`.

Each avocado test costs about a second of process start, so these runs pick one small
feature (``-t delete``) on one backend.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from objstore.cases.runner import Outcome
from objstore.testing.avocado_runner import (
    BACKENDS,
    BACKENDS_YAML,
    FTESTS_DIR,
    FeatureRun,
    run_feature,
    write_variants,
)

ROOT = FTESTS_DIR.parent
AVOCADO = Path(sys.executable).with_name("avocado")


def _avocado(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(AVOCADO), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_yaml_lists_every_backend() -> None:
    text = BACKENDS_YAML.read_text()
    assert "backends: !mux" in text
    for name in BACKENDS:
        assert re.search(rf"^  {name}:\n    backend: {name}$", text, re.M), name


def test_discovery_finds_one_test_per_feature() -> None:
    result = _avocado("list", "ftests/")
    assert result.returncode == 0, result.stderr
    tests = re.findall(r"Conformance\.test_(\w+)", result.stdout)
    from objstore.cases import FEATURES

    assert sorted(tests) == sorted(FEATURES), result.stdout + result.stderr


def test_feature_tags() -> None:
    result = _avocado("list", "-t", "metadata", "ftests/")
    assert re.findall(r"Conformance\.test_(\w+)", result.stdout) == ["metadata"], result.stdout


def test_plain_avocado_run_on_one_variant(tmp_path: Path) -> None:
    result = _avocado(
        "run",
        "ftests/",
        "-m",
        "ftests/backends.yaml",
        "--mux-filter-only",
        "/run/backends/memory",
        "-t",
        "delete",
        "--max-parallel-tasks",
        "1",
        "--job-results-dir",
        str(tmp_path),
        "--json",
        str(tmp_path / "r.json"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["pass"] == 1 and data["total"] == 1, data
    board = json.loads(data["tests"][0]["whiteboard"])
    assert board["backend"] == "memory" and board["feature"] == "delete"
    assert board["outcomes"] and all(o["status"] == "passed" for o in board["outcomes"])


@pytest.mark.parametrize(("ci", "status"), [("", "CANCEL"), ("true", "FAIL")])
def test_missing_cluster_backend_cancels_or_fails_in_ci(
    tmp_path: Path, ci: str, status: str
) -> None:
    variants = write_variants(tmp_path / "v.yaml", ["rados"], [])
    empty = tmp_path / "no-configs"
    empty.mkdir()
    result = _avocado(
        "run",
        "ftests/",
        "-m",
        str(variants),
        "-t",
        "delete",
        "--job-results-dir",
        str(tmp_path),
        "--json",
        str(tmp_path / "r.json"),
        env={"CI": ci, "OBJSTORE_CONFIG_DIR": str(empty)},
    )
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["tests"][0]["status"] == status, result.stdout
    assert "rados-local.toml missing" in data["tests"][0]["fail_reason"]


def test_failure_message_names_each_failing_case() -> None:
    run = FeatureRun(
        "posix",
        "put",
        outcomes=[
            Outcome("put.a", "put", "posix", "passed"),
            Outcome(
                "put.w.missing.size_0", "put", "posix", "failed", "AssertionError: size 3\nmore"
            ),
            Outcome("put.b", "put", "posix", "failed", "unexpected NotFound"),
        ],
    )
    text = run.failure_message()
    assert text.splitlines() == [
        "2 of 3 put cases failed on posix:",
        "  put.w.missing.size_0: AssertionError: size 3",
        "  put.b: unexpected NotFound",
    ]


def test_run_feature_unknown_backend_is_a_cancel() -> None:
    run = run_feature("nosuchbackend", "delete")
    assert run.cancel_reason and "nosuchbackend" in run.cancel_reason
    assert run.outcomes == []


def test_objstore_ftest_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("objstore")),
            "ftest",
            "-b",
            "memory",
            "-t",
            "delete",
            "--results",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for name in ("results.json", "results.xml", "results.html"):
        assert (tmp_path / name).is_file(), name
    last = result.stdout.strip().splitlines()[-1]
    match = re.fullmatch(r"(\d+) passed, 0 failed", last)
    assert match and int(match.group(1)) >= 10, last
    assert "avocado: 1 tests: 1 PASS" in result.stdout
