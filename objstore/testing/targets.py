"""Which backends a test run exercises, and how each one is opened.

One place decides this for pytest, avocado and ``objstore check``:

* ``memory`` and ``posix`` (a fresh temporary root per store) always run;
* ``daos`` runs on the real pydaos when it imports and ``DAOS_POOL``/``DAOS_CONT`` are
  set, otherwise on the pydaos test double in ``tests/pydaos_double.py`` (reports say so);
* ``rados``, ``rbd``, ``gobridge`` and ``gluster`` run when ``objstore cluster ... up``
  has written ``configs/<name>-local.toml``. Otherwise they are skipped with the reason,
  and with ``CI=true`` that skip is a failure.

``OBJSTORE_TEST_CONFIGS`` (colon-separated paths) adds a user's own config files.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from objstore.config import load_config
from objstore.store import Store

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = Path(os.environ.get("OBJSTORE_CONFIG_DIR", PROJECT_ROOT / "configs"))
CLUSTER_BACKENDS = ("rados", "rbd", "gobridge", "gluster")
"""Backends whose skip fails a CI run: their servers are started by the project itself."""
DAOS_DOUBLE_MODULE = "objstore_pydaos_test_double"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@dataclass
class Target:
    """One backend configuration to test."""

    id: str
    backend: str
    options: dict[str, Any] = field(default_factory=dict)
    config: Path | None = None
    url: str | None = None
    """Opened with objstore.open(url) when set (``posix:///tmp/x``)."""
    skip_reason: str | None = None
    """Set when this target cannot run here."""
    test_double: bool = False
    """True when the backend runs over a test double (DAOS without DAOS)."""

    @property
    def must_run(self) -> bool:
        """In CI, a skip of this target is a failure."""
        return in_ci() and self.backend in CLUSTER_BACKENDS

    def open(self) -> Store:
        """A fresh store for this target (a new temporary root for posix)."""
        import objstore

        options = dict(self.options)
        if self.url is not None:
            return objstore.open(self.url, **options)
        if self.backend == "posix" and "root" not in options:
            options["root"] = tempfile.mkdtemp(prefix="objstore-posix-")
        if self.config is not None:
            return objstore.open(config=self.config, **options)
        return objstore.open(self.backend, **options)

    def open_or_reason(self) -> tuple[Store | None, str | None]:
        """``(store, None)``, or ``(None, why)`` when the target cannot run or open here."""
        from objstore.errors import ObjstoreError

        if self.skip_reason:
            return None, self.skip_reason
        try:
            return self.open(), None
        except ObjstoreError as exc:
            return None, str(exc)

    def describe(self) -> str:
        where = f" ({self.config})" if self.config else ""
        double = " [TEST DOUBLE of pydaos]" if self.test_double else ""
        return f"{self.id}{where}{double}"


def _load_daos_double() -> str | None:
    """Import tests/pydaos_double.py under a private name and return that name.

    By file path, not as ``tests.pydaos_double``: avocado's html plugin installs a
    top-level ``tests`` package in site-packages that would shadow ours.
    """
    if DAOS_DOUBLE_MODULE in sys.modules:
        return DAOS_DOUBLE_MODULE
    path = PROJECT_ROOT / "tests" / "pydaos_double.py"
    spec = importlib.util.spec_from_file_location(DAOS_DOUBLE_MODULE, path)
    if spec is None or spec.loader is None or not path.is_file():
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[DAOS_DOUBLE_MODULE] = module
    spec.loader.exec_module(module)
    return DAOS_DOUBLE_MODULE


def _daos_target() -> Target:
    pool, cont = os.environ.get("DAOS_POOL"), os.environ.get("DAOS_CONT")
    if importlib.util.find_spec("pydaos") is not None and pool and cont:
        return Target("daos", "daos", {"pool": pool, "container": cont})
    module = _load_daos_double()
    if module is None:
        return Target("daos", "daos", skip_reason="tests/pydaos_double.py not found")
    return Target(
        "daos",
        "daos",
        {"pool": "objstore-test", "container": "objstore-test", "pydaos_module": module},
        test_double=True,
    )


def _cluster_target(backend: str) -> Target:
    config = CONFIG_DIR / f"{backend}-local.toml"
    if not config.is_file():
        system = "gluster" if backend == "gluster" else "ceph"
        return Target(
            backend,
            backend,
            config=config,
            skip_reason=f"{config.name} missing: run `objstore cluster {system} up` first",
        )
    try:
        cfg = load_config(config)
    except Exception as exc:
        return Target(backend, backend, config=config, skip_reason=f"{config}: {exc}")
    return Target(backend, cfg.backend, config=config)


def discover(names: list[str] | None = None) -> list[Target]:
    """Every target, or only those whose id is in ``names``."""
    targets = [Target("memory", "memory"), Target("posix", "posix"), _daos_target()]
    targets += [_cluster_target(name) for name in CLUSTER_BACKENDS]
    for extra in filter(None, os.environ.get("OBJSTORE_TEST_CONFIGS", "").split(":")):
        path = Path(extra)
        cfg = load_config(path)
        targets.append(Target(path.stem, cfg.backend, config=path))
    if names:
        by_id = {t.id: t for t in targets}
        chosen = []
        for name in names:
            path = Path(name)
            if name in by_id:
                chosen.append(by_id[name])
            elif "://" in name:
                chosen.append(Target(name, name.split("://", 1)[0], url=name))
            elif path.suffix == ".toml" or path.is_file():
                chosen.append(Target(path.stem, load_config(path).backend, config=path))
            else:  # a backend from a third-party plugin, with its default options
                chosen.append(Target(name, name))
        return chosen
    return targets
