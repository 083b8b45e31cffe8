"""The objstore pytest plugin (entry point ``pytest11: objstore``).

Write tests against all your backends::

    import pytest

    @pytest.mark.objstore_requires("append")
    def test_my_log_format(store):
        store.put("log", b"line\\n", "wa")
        assert store.get("log").endswith(b"line\\n")

and run them with ``pytest --objstore-backend memory --objstore-config configs/my-ceph.toml``.
Each test using the ``store`` fixture runs once per backend, with the backend as its id,
in its own key prefix that is emptied afterwards (safe on a shared pool). A test whose
required capabilities a backend lacks is skipped with the reason. A backend that cannot
be opened is skipped with the reason (with ``CI=true`` a cluster backend fails instead).
Without options, ``store`` runs on ``memory``. ``objstore_target`` gives the raw
:class:`~objstore.testing.targets.Target`. This module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from objstore.store import Store
    from objstore.testing.targets import Target


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("objstore", "objstore backends for the `store` fixture")
    group.addoption(
        "--objstore-backend",
        action="append",
        default=[],
        metavar="NAME",
        help="run `store` tests on this backend (memory, posix, daos, rados...; repeatable)",
    )
    group.addoption(
        "--objstore-config",
        action="append",
        default=[],
        metavar="PATH",
        help="run `store` tests on the store this config file describes (repeatable)",
    )


    parser.addini(
        "objstore_backends",
        type="args",
        default=[],
        help="backends for `store` when no --objstore-* option is given; 'all' means every "
        "target objstore.testing.targets discovers (default: memory)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "objstore_requires(*capabilities): skip on backends lacking these capabilities",
    )


def _targets(config: pytest.Config) -> list[Target]:
    from objstore.config import load_config
    from objstore.testing.targets import Target, discover

    names: list[str] = config.getoption("--objstore-backend") or []
    configs: list[str] = config.getoption("--objstore-config") or []
    targets = discover(names) if names else []
    for path in configs:
        targets.append(Target(Path(path).stem, load_config(path).backend, config=Path(path)))
    if targets:
        return targets
    defaults: list[str] = config.getini("objstore_backends")
    if defaults == ["all"]:
        return discover()
    return discover(defaults or ["memory"])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "objstore_target" in metafunc.fixturenames:
        targets = _targets(metafunc.config)
        metafunc.parametrize("objstore_target", targets, ids=[t.id for t in targets], indirect=True)


@pytest.fixture
def objstore_target(request: pytest.FixtureRequest) -> Target:
    """The backend target (name, config, options) this test instance runs on."""
    target: Target = request.param
    return target


class OpenStores:
    """One open store per target for the whole session: connecting to a cluster is slow."""

    def __init__(self) -> None:
        self.stores: dict[str, Store] = {}
        self.failures: dict[str, str] = {}

    def get(self, target: Target) -> Store:
        from objstore.errors import ObjstoreError
        from objstore.testing.skips import skip_or_fail

        if target.skip_reason:
            skip_or_fail(target.skip_reason, target.backend)
        if target.id in self.failures:
            skip_or_fail(self.failures[target.id], target.backend)
        if target.id not in self.stores:
            try:
                self.stores[target.id] = target.open()
            except ObjstoreError as exc:
                self.failures[target.id] = f"cannot open {target.describe()}: {exc}"
                skip_or_fail(self.failures[target.id], target.backend)
        return self.stores[target.id]

    def close(self) -> None:
        for opened in self.stores.values():
            opened.close()
        self.stores.clear()


@pytest.fixture(scope="session")
def objstore_open_stores() -> Iterator[OpenStores]:
    """The session's open stores, closed at the end of the session."""
    stores = OpenStores()
    yield stores
    stores.close()


@pytest.fixture
def store(
    objstore_target: Target, objstore_open_stores: OpenStores, request: pytest.FixtureRequest
) -> Iterator[Store]:
    """An open store on one configured backend, confined to a fresh key prefix.

    Every key the test writes lives under ``pytest-<random>-`` (a :class:`PrefixLayer`),
    so tests never see each other's objects, even in a shared pool, and everything
    under the prefix is deleted after the test. Tests marked
    ``@pytest.mark.objstore_requires("append", ...)`` are skipped on backends lacking a
    capability; an unknown capability name is an error.
    """
    import contextlib
    import uuid

    from objstore.errors import ObjstoreError
    from objstore.layers import PrefixLayer
    from objstore.spec import Capabilities
    from objstore.store import Store

    base = objstore_open_stores.get(objstore_target)
    for marker in request.node.iter_markers("objstore_requires"):
        unknown = [c for c in marker.args if not hasattr(Capabilities(), c)]
        if unknown:
            pytest.fail(
                f"objstore_requires: unknown capability {', '.join(unknown)}", pytrace=False
            )
        missing = [c for c in marker.args if not getattr(base.capabilities, c)]
        if missing:
            pytest.skip(f"{objstore_target.id} lacks capability {', '.join(missing)}")
    prefix = f"pytest-{uuid.uuid4().hex[:10]}-"
    # The view shares the session's backend; it is never closed (that would close the
    # backend for every later test), only emptied.
    view = Store(PrefixLayer(prefix).wrap(base.backend), name=base.name)
    yield view
    for key in list(base.backend.list(prefix)):
        # A key that cannot be deleted stays under this test's private prefix.
        with contextlib.suppress(ObjstoreError):
            base.backend.delete(key)
