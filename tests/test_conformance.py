"""Every conformance case on every backend target (objstore.testing.targets).

A target that cannot run here is skipped with its reason; with CI=true a skipped
cluster backend (rados, rbd, gobridge, gluster) fails instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from objstore.cases import Case, all_cases
from objstore.cases.runner import CaseRunner
from objstore.errors import ObjstoreError
from objstore.testing.skips import skip_or_fail
from objstore.testing.targets import Target, discover

TARGETS = discover()
CASES = all_cases()


@pytest.fixture(scope="module", params=TARGETS, ids=[t.id for t in TARGETS])
def runner(request: pytest.FixtureRequest) -> Iterator[CaseRunner]:
    target: Target = request.param
    if target.skip_reason:
        skip_or_fail(target.skip_reason, target.backend)
    try:
        store = target.open()
    except ObjstoreError as exc:
        skip_or_fail(f"cannot open {target.describe()}: {exc}", target.backend)
    with store:
        yield CaseRunner(store)


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else []) for c in CASES],
)
def test_case(runner: CaseRunner, case: Case) -> None:
    outcome = runner.run(case)
    if outcome.status == "skipped":
        pytest.skip(outcome.message)
    assert outcome.status == "passed", outcome.message
