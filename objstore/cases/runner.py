"""Running conformance cases against a store, for every front end (pytest, avocado, CLI)."""

from __future__ import annotations

import time
import traceback
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from objstore.cases import Case, CaseSkipped
from objstore.errors import ObjstoreError
from objstore.layers import PrefixLayer
from objstore.store import Store

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class Outcome:
    """The result of one case on one backend."""

    case: str
    feature: str
    backend: str
    status: Status
    message: str = ""
    seconds: float = 0.0


class CaseRunner:
    """Runs cases on one open store, each in its own key namespace, cleaning up after each."""

    def __init__(self, store: Store, run_id: str | None = None) -> None:
        self.store = store
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self._counter = 0

    def namespace(self) -> tuple[str, Store]:
        """A fresh prefix and a store view confined to it."""
        self._counter += 1
        prefix = f"ct-{self.run_id}-{self._counter}-"
        view = Store(PrefixLayer(prefix).wrap(self.store.backend), name=self.store.name)
        return prefix, view

    def run(self, case: Case) -> Outcome:
        reason = case.skip_reason(self.store.capabilities)
        if reason:
            return Outcome(case.name, case.feature, self.store.name, "skipped", reason)
        prefix, view = self.namespace()
        start = time.perf_counter()
        status: Status = "passed"
        message = ""
        try:
            case.func(view)
        except CaseSkipped as exc:
            status, message = "skipped", str(exc)
        except AssertionError as exc:
            status = "failed"
            message = f"AssertionError: {exc}" if str(exc) else _where(exc)
        except ObjstoreError as exc:
            status, message = "failed", f"unexpected {type(exc).__name__}: {exc}"
        except Exception as exc:
            status, message = "failed", f"{type(exc).__name__}: {exc}\n{_where(exc)}"
        finally:
            leftover = self.cleanup(prefix)
        if leftover and status == "passed":
            status, message = "failed", f"cleanup failed: {leftover}"
        return Outcome(
            case.name, case.feature, self.store.name, status, message, time.perf_counter() - start
        )

    def run_all(self, cases: Iterable[Case]) -> Iterator[Outcome]:
        for case in cases:
            yield self.run(case)

    def cleanup(self, prefix: str) -> str:
        """Delete everything under ``prefix``; return a description of what failed."""
        problems = []
        try:
            for key in list(self.store.backend.list(prefix)):
                try:
                    self.store.backend.delete(key)
                except ObjstoreError as exc:
                    if type(exc).__name__ != "NotFound":
                        problems.append(f"{key}: {exc}")
        except ObjstoreError as exc:
            problems.append(f"list {prefix!r}: {exc}")
        return "; ".join(problems)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/cases/" in f.filename] or frames
    last = ours[-1]
    return f"at {last.filename.rsplit('/', 2)[-1]}:{last.lineno}: {last.line}"


def summarize(outcomes: Iterable[Outcome]) -> dict[tuple[str, str], Counter[str]]:
    """Counts of each status per (backend, feature)."""
    table: dict[tuple[str, str], Counter[str]] = {}
    for outcome in outcomes:
        table.setdefault((outcome.backend, outcome.feature), Counter())[outcome.status] += 1
    return table
