"""posix: objects as files in one local directory. Needs nothing but a writable path."""

from __future__ import annotations

from typing import Any
from urllib.parse import SplitResult, unquote

from backends.posix.backend import CAPABILITIES
from backends.posix.config import PosixConfig
from objstore import BackendRegistry, hookimpl

NAME = "posix"


def _url_options(url: SplitResult) -> dict[str, Any]:
    # posix:///abs/path  or  posix://relative/path
    path = unquote(url.netloc + url.path)
    return {"root": path} if path else {}


@hookimpl
def objstore_register_backends(registry: BackendRegistry) -> None:
    registry.add(
        NAME,
        "backends.posix.backend:PosixBackend",
        description="Objects as files under one root directory; atomic write-full by rename.",
        capabilities=CAPABILITIES,
        url_options=_url_options,
        option_names=PosixConfig.option_names(),
    )
