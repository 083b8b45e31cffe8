"""daos: objects as chunks in pydaos dictionaries of a DAOS container (PYTHON layout).

Needs ``pydaos`` from a DAOS client install (not on PyPI, not in Debian). Nothing is
imported here: the backend loads pydaos when a store is opened.
"""

from __future__ import annotations

import importlib
from typing import Any

from backends.daos.backend import CAPABILITIES
from backends.daos.config import DaosConfig
from objstore import BackendRegistry, hookimpl

NAME = "daos"
UNAVAILABLE = "pydaos not importable"


def probe() -> str | None:
    """None when ``import pydaos`` works here, else exactly ``"pydaos not importable"``."""
    try:
        importlib.import_module("pydaos")
    except Exception:  # ImportError, or OSError from a missing libdaos.so
        return UNAVAILABLE
    return None


def url_options(url: Any) -> dict[str, Any]:
    """``daos://POOL/CONTAINER`` -> pool and container options."""
    options: dict[str, Any] = {}
    if url.netloc:
        options["pool"] = url.netloc
    container = url.path.strip("/")
    if container:
        options["container"] = container
    return options


@hookimpl
def objstore_register_backends(registry: BackendRegistry) -> None:
    registry.add(
        NAME,
        "backends.daos.backend:DaosBackend",
        description="DAOS container through pydaos: objects as chunks in two DDicts.",
        probe=probe,
        install_hint="install the DAOS client (daos-client), which ships pydaos",
        capabilities=CAPABILITIES,
        url_options=url_options,
        option_names=DaosConfig.option_names(),
    )
