"""gobridge: RADOS objects through go-ceph, compiled into libobjstore_gobridge.so and called
with ctypes. Build it with ``scripts/build-gobridge``; nothing native is loaded at import."""

from __future__ import annotations

from typing import Any

from backends.gobridge._native import BUILD_HINT, unavailable_reason
from backends.gobridge.backend import CAPABILITIES
from backends.gobridge.config import GoBridgeConfig
from backends.gobridge.errors import NAME
from objstore import BackendRegistry, hookimpl

__all__ = ["NAME", "objstore_register_backends"]


def probe() -> str | None:
    """None when the library is built and librados is installed (nothing is loaded)."""
    return unavailable_reason()


def url_options(url: Any) -> dict[str, Any]:
    """``gobridge://POOL?conffile=...&keyring=...`` -> options."""
    pool = url.netloc or url.path.strip("/")
    return {"pool": pool} if pool else {}


@hookimpl
def objstore_register_backends(registry: BackendRegistry) -> None:
    registry.add(
        NAME,
        "backends.gobridge.backend:GoBridgeBackend",
        description="Ceph RADOS via go-ceph in a Go c-shared library (ctypes): reads into "
        "caller buffers, goroutine aio; not fork-safe (use spawn).",
        probe=probe,
        install_hint=f"{BUILD_HINT} (needs Go >= 1.23, gcc, librados-dev)",
        capabilities=CAPABILITIES,
        url_options=url_options,
        option_names=GoBridgeConfig.option_names(),
    )
