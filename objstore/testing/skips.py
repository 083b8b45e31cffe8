"""Skipping tests that need a missing component, loudly, and never in CI for cluster backends."""

from __future__ import annotations

from typing import NoReturn

from objstore.testing.targets import CLUSTER_BACKENDS, in_ci


def skip_or_fail(reason: str, backend: str | None = None) -> NoReturn:
    """Skip the current pytest test with ``reason``; with ``CI=true`` a skip of a cluster
    backend (rados, rbd, gobridge, gluster) fails instead, so CI never goes green on a
    backend that did not run."""
    import pytest

    text = f"{backend}: {reason}" if backend else reason
    print(f"SKIP {text}")
    if in_ci() and (backend is None or backend in CLUSTER_BACKENDS):
        pytest.fail(f"CI=true and a required component is missing: {text}", pytrace=False)
    pytest.skip(text)
