"""Options of the posix backend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from objstore.errors import ConfigError

XATTR_MODES = ("auto", "native", "sidecar")


@dataclass(frozen=True)
class PosixConfig:
    root: Path
    """Directory holding the objects; created when missing."""
    xattrs: str = "auto"
    """Where metadata lives: ``native`` user xattrs, ``sidecar`` JSON files, or ``auto``
    (native when the filesystem supports user xattrs, else sidecar)."""
    fsync: bool = False
    """fsync data and directory on write-full and create, for durability across power loss."""

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> PosixConfig:
        unknown = set(options) - set(cls.option_names())
        if unknown:
            raise ConfigError(f"posix: unknown options {sorted(unknown)}")
        root = options.get("root")
        if not root:
            raise ConfigError("posix: option 'root' (a directory) is required")
        xattrs = options.get("xattrs", "auto")
        if xattrs not in XATTR_MODES:
            raise ConfigError(f"posix: xattrs must be one of {XATTR_MODES}, not {xattrs!r}")
        fsync = options.get("fsync", False)
        if isinstance(fsync, str) and fsync.lower() in ("true", "false", "1", "0"):
            # URL query options (posix:///data?fsync=true) arrive as strings.
            fsync = fsync.lower() in ("true", "1")
        if not isinstance(fsync, bool):
            raise ConfigError("posix: fsync must be true or false")
        return cls(root=Path(str(root)).expanduser(), xattrs=xattrs, fsync=fsync)

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))
