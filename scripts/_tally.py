"""Add up what the steps of scripts/test-all counted, and print one closing line.

Usage: python scripts/_tally.py RESULTS_DIR [FAILED_STEP ...]
pytest's counts come from its JUnit XML; other steps print `N passed, N failed` lines in
their logs. A step that failed without counting a failure counts as one failure, so a
broken lint or a cluster that did not start can never hide behind green tests.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

COUNTING_STEPS = ("pytest", "ftest", "oracle-local", "oracle-cluster")
"""Steps whose failures are already counted as test failures."""
LINE = re.compile(r"^(?:\w+: )?(\d+) passed, (\d+) failed", re.M)


def main() -> int:
    results = Path(sys.argv[1])
    failed_steps = sys.argv[2:]
    passed = failed = skipped = 0
    junit = results / "pytest.xml"
    if junit.exists():
        for suite in ET.parse(junit).getroot().iter("testsuite"):
            tests = int(suite.get("tests", 0))
            bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skip = int(suite.get("skipped", 0))
            passed += tests - bad - skip
            failed += bad
            skipped += skip
    for name in COUNTING_STEPS[1:]:
        log = results / f"{name}.log"
        if log.exists():
            found = LINE.findall(log.read_text())
            if found:
                p, f = found[-1]
                passed += int(p)
                failed += int(f)
    counted_failures = failed
    for step in failed_steps:
        print(f"step failed: {step}")
        if step not in COUNTING_STEPS or counted_failures == 0:
            failed += 1
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
