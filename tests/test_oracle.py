"""The differential oracle: passes on correct backends, and catches a broken one."""

from __future__ import annotations

import re

import objstore
from objstore.layers import Layer
from objstore.store import Store
from objstore.testing.oracle import OracleResult, run_oracle
from objstore.testing.targets import discover


class DropNulLayer(Layer):
    """A broken backend: reads lose their NUL bytes (a C-string bug)."""

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self.inner.read(key, offset, length).replace(b"\x00", b"")


class SilentDeleteLayer(Layer):
    """A broken backend: deleting a missing object succeeds quietly."""

    def delete(self, key: str) -> None:
        if self.inner.list(key) and key in set(self.inner.list(key)):
            self.inner.delete(key)


class TruncatingLayer(Layer):
    """A broken backend: reads stop 64 KiB into the object (a lost second chunk)."""

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        data = self.inner.read(key, offset, length)
        return data[: max(0, (64 << 10) - offset)]


def _broken(layer: Layer) -> Store:
    return objstore.open("memory").with_layers(layer)


def _steps(result: OracleResult) -> list[str]:
    return [line for line in result.report.splitlines() if re.match(r"\s+\d+\. ", line)]


def test_memory_passes() -> None:
    result = run_oracle(discover(["memory"])[0], examples=50, seed=1)
    assert result.passed, result.report
    assert result.examples >= 50
    assert result.backend == "memory"


def test_posix_passes() -> None:
    result = run_oracle(discover(["posix"])[0], examples=25, seed=2)
    assert result.passed, result.report


def test_catches_dropped_nuls_with_a_short_sequence() -> None:
    result = run_oracle(lambda: _broken(DropNulLayer()), examples=200, seed=3)
    assert not result.passed
    steps = _steps(result)
    # Shrunk to: a put of data with NULs and the read-back that loses them.
    assert len(steps) == 2, result.report
    assert "put(" in steps[0] and "spec:" in steps[-1], result.report


def test_catches_a_silent_delete() -> None:
    result = run_oracle(lambda: _broken(SilentDeleteLayer()), examples=200, seed=4)
    assert not result.passed
    steps = _steps(result)
    assert len(steps) == 1 and "delete(" in steps[0] and "raises NotFound" in steps[0], (
        result.report
    )


def test_catches_truncated_reads() -> None:
    result = run_oracle(lambda: _broken(TruncatingLayer()), examples=200, seed=5)
    assert not result.passed
    steps = _steps(result)
    assert "get(" in steps[-1] and "spec:" in steps[-1], result.report
    print(result.report)


def test_seed_reproduces_the_same_report() -> None:
    first = run_oracle(lambda: _broken(SilentDeleteLayer()), examples=100, seed=7)
    second = run_oracle(lambda: _broken(SilentDeleteLayer()), examples=100, seed=7)
    assert not first.passed and first.report == second.report
