"""gluster: objects as files in a GlusterFS volume, through our own ctypes binding of libgfapi.

Nothing native is imported here: libgfapi loads when a store is opened.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, unquote

from backends.gluster.backend import CAPABILITIES
from backends.gluster.config import GlusterConfig
from objstore import BackendRegistry, hookimpl

NAME = "gluster"
INSTALL_HINT = "apt-get install libgfapi0 (the server side: glusterfs-server)"


def _probe() -> str | None:
    from backends.gluster._native import library_problem

    return library_problem()


def _url_options(url: SplitResult) -> dict[str, Any]:
    # gluster://HOST[:PORT]/VOLUME[/SUBDIR]
    options: dict[str, Any] = {}
    if url.hostname:
        options["host"] = url.hostname
    if url.port:
        options["port"] = url.port
    volume, _, subdir = unquote(url.path).strip("/").partition("/")
    if volume:
        options["volume"] = volume
    if subdir:
        options["subdir"] = subdir
    return options


@hookimpl
def objstore_register_backends(registry: BackendRegistry) -> None:
    """Register the gluster backend."""
    registry.add(
        NAME,
        "backends.gluster.backend:GlusterBackend",
        description="Files in a GlusterFS volume via libgfapi (ctypes); atomic wf by rename.",
        probe=_probe,
        install_hint=INSTALL_HINT,
        capabilities=CAPABILITIES,
        url_options=_url_options,
        option_names=GlusterConfig.option_names(),
    )
