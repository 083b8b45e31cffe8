"""The objstore pytest plugin (entry point ``pytest11: objstore``).

Write tests against all your backends::

    import pytest

    @pytest.mark.objstore_requires("append")
    def test_my_log_format(store):
        store.put("log", b"line\\n", "wa")
        assert store.get("log").endswith(b"line\\n")

and run them with ``pytest --objstore-backend memory --objstore-config configs/my-ceph.toml``.
Each test using the ``store`` fixture runs once per backend, with the backend as its id;
a test whose required capabilities a backend lacks is skipped with the reason.
Without options, ``store`` runs on ``memory``. This module imports nothing heavy.
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
    return targets or discover(["memory"])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "store" in metafunc.fixturenames:
        targets = _targets(metafunc.config)
        metafunc.parametrize("objstore_target", targets, ids=[t.id for t in targets], indirect=True)


@pytest.fixture
def objstore_target(request: pytest.FixtureRequest) -> Target:
    target: Target = request.param
    return target


@pytest.fixture
def store(objstore_target: Target, request: pytest.FixtureRequest) -> Iterator[Store]:
    """An open store on one configured backend (closed after the test)."""
    from objstore.errors import ObjstoreError
    from objstore.testing.skips import skip_or_fail

    if objstore_target.skip_reason:
        skip_or_fail(objstore_target.skip_reason, objstore_target.backend)
    try:
        opened = objstore_target.open()
    except ObjstoreError as exc:
        skip_or_fail(f"cannot open {objstore_target.describe()}: {exc}", objstore_target.backend)
    marker = request.node.get_closest_marker("objstore_requires")
    if marker is not None:
        missing = [c for c in marker.args if not getattr(opened.capabilities, c)]
        if missing:
            opened.close()
            pytest.skip(f"{objstore_target.id} lacks capability {', '.join(missing)}")
    with opened:
        yield opened
