"""The base class of the objstore avocado suite (not a test itself).

Each avocado test runs every conformance case of one feature on the backend its
variant names (``ftests/backends.yaml``: ``backend`` and optionally ``config``), so a
failure names the exact failing cases while the suite stays at one test per feature
per backend (each avocado test costs about a second of process start).
"""

from __future__ import annotations

from avocado import Test

from objstore.testing.avocado_runner import run_feature
from objstore.testing.targets import CLUSTER_BACKENDS, in_ci


class ObjstoreFeatureTest(Test):  # type: ignore[misc]
    """Runs one feature's cases through the case runner.

    :avocado: disable
    """

    def run_feature(self, feature: str) -> None:
        backend = str(self.params.get("backend", default="memory"))
        config = self.params.get("config", default=None)
        include_slow = bool(self.params.get("include_slow", default=True))
        run = run_feature(backend, feature, str(config) if config else None, include_slow)
        self.whiteboard = run.to_json()
        if run.cancel_reason is not None:
            reason = f"{backend}: {run.cancel_reason}"
            if in_ci() and backend in CLUSTER_BACKENDS:
                # CI must never go green on a cluster backend that did not run.
                self.fail(f"CI=true and the backend is unavailable: {reason}")
            self.cancel(reason)
        self.log.info("target: %s", run.target)
        for outcome in run.outcomes:
            self.log.info(
                "%-7s %s %.3fs %s",
                outcome.status.upper(),
                outcome.case,
                outcome.seconds,
                outcome.message,
            )
        counts = run.counts()
        self.log.info(
            "%s on %s: %d passed, %d failed, %d skipped",
            feature,
            backend,
            counts["passed"],
            counts["failed"],
            counts["skipped"],
        )
        if run.failed:
            self.fail(run.failure_message())
