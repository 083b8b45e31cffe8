"""Every conformance case on every backend target, through the objstore pytest plugin.

pyproject.toml sets ``objstore_backends = ["all"]``, so the plugin parametrizes
``objstore_target`` over every target ``objstore.testing.targets.discover()`` finds
(``--objstore-backend``/``--objstore-config`` narrow it). A target that cannot run here is
skipped with its reason; with CI=true a skipped cluster backend (rados, rbd, gobridge,
gluster) fails instead.
"""

from __future__ import annotations

import pytest

from objstore.cases import Case, all_cases
from objstore.cases.runner import CaseRunner
from objstore.testing.pytest_plugin import OpenStores
from objstore.testing.targets import Target

CASES = all_cases()


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.slow else []) for c in CASES],
)
def test_case(objstore_target: Target, objstore_open_stores: OpenStores, case: Case) -> None:
    store = objstore_open_stores.get(objstore_target)
    outcome = CaseRunner(store).run(case)
    if outcome.status == "skipped":
        pytest.skip(outcome.message)
    assert outcome.status == "passed", outcome.message
