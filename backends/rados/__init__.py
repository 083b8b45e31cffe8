"""rados: objects in a Ceph RADOS pool through python-rados (Debian's python3-rados)."""

from __future__ import annotations

import importlib.util
from typing import Any

from backends.rados.backend import CAPABILITIES, INSTALL_HINT
from backends.rados.config import RadosConfig
from objstore import BackendRegistry, hookimpl

NAME = "rados"


def probe() -> str | None:
    """None when python-rados can be imported here, else why not (nothing is loaded)."""
    if importlib.util.find_spec("rados") is None:
        return "python3-rados not importable"
    return None


def url_options(url: Any) -> dict[str, Any]:
    """``rados://POOL?conffile=...&keyring=...`` -> options."""
    pool = url.netloc or url.path.strip("/")
    return {"pool": pool} if pool else {}


@hookimpl
def objstore_register_backends(registry: BackendRegistry) -> None:
    registry.add(
        NAME,
        "backends.rados.backend:RadosBackend",
        description="Ceph RADOS objects via python-rados: one connection and ioctx per store, aio.",
        probe=probe,
        install_hint=INSTALL_HINT,
        capabilities=CAPABILITIES,
        url_options=url_options,
        option_names=RadosConfig.option_names(),
    )
