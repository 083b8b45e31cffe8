"""rbd: every object is an RBD image, through python-rbd (Debian's python3-rbd)."""

from __future__ import annotations

import importlib.util
from typing import Any

from backends.rbd.backend import CAPABILITIES, INSTALL_HINT
from backends.rbd.config import RbdConfig
from objstore import BackendRegistry, hookimpl

NAME = "rbd"


def probe() -> str | None:
    """None when python-rados and python-rbd can be imported here, else why not."""
    for module in ("rados", "rbd"):
        if importlib.util.find_spec(module) is None:
            return f"python3-{module} not importable"
    return None


def url_options(url: Any) -> dict[str, Any]:
    """``rbd://POOL?conffile=...`` -> options."""
    pool = url.netloc or url.path.strip("/")
    return {"pool": pool} if pool else {}


@hookimpl
def objstore_register_backends(registry: BackendRegistry) -> None:
    registry.add(
        NAME,
        "backends.rbd.backend:RbdBackend",
        description="Ceph RBD: each object is an image (resize + write); metadata; snapshots.",
        probe=probe,
        install_hint=INSTALL_HINT.replace("python3-rados", "python3-rados python3-rbd"),
        capabilities=CAPABILITIES,
        url_options=url_options,
        option_names=RbdConfig.option_names(),
    )
