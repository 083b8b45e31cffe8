"""Options of the daos backend."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from objstore.config import reveal
from objstore.errors import ConfigError

DEFAULT_CHUNK_SIZE = 1024 * 1024
"""1 MiB: pydaos's own ``DDict.value_size``, so one chunk comes back in one round trip."""
MAX_CHUNK_SIZE = 64 * 1024 * 1024
_OCLASS = re.compile(r"^(0|OC_[A-Z0-9_]+)$")
_NAMESPACE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class DaosConfig:
    """Where objects live and how they are laid out. Needs pool and container, or path."""

    pool: str = ""
    """Pool label or UUID."""
    container: str = ""
    """Container label or UUID; the container must have the PYTHON layout."""
    path: str = ""
    """Unified-namespace path of the container, instead of pool and container."""
    open_mode: str = "RW"
    """``RW`` or ``RO`` (read-only: every write raises PermissionDenied)."""
    chunk_size: int = DEFAULT_CHUNK_SIZE
    """Bytes per chunk value of new objects; an existing object keeps its own chunk size."""
    oclass: str = "0"
    """Object class of the dictionaries created (``OC_SX``, ``OC_RP_3GX``...); 0: DAOS picks."""
    namespace: str = "objstore"
    """Prefix of the dictionary names, so several stores can share a container."""
    pydaos_module: str = "pydaos"
    """Module providing the pydaos API; tests pass ``tests.pydaos_double``."""

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> DaosConfig:
        """Validate options from a config file, URL query (strings) or keywords."""
        unknown = set(options) - set(cls.option_names())
        if unknown:
            raise ConfigError(f"daos: unknown options {sorted(unknown)}")
        values = {name: reveal(value) for name, value in options.items()}
        text = {n: values[n] for n in values if n != "chunk_size"}
        for name, value in text.items():
            if not isinstance(value, str):
                raise ConfigError(
                    f"daos: option {name!r} must be a string, not {type(value).__name__}"
                )
            if "\x00" in value:
                raise ConfigError(f"daos: option {name!r} must not contain NUL")
        config = cls(**text, chunk_size=_chunk_size(values.get("chunk_size", DEFAULT_CHUNK_SIZE)))
        if not config.path and not (config.pool and config.container):
            raise ConfigError("daos: give pool and container (labels or UUIDs), or path")
        if config.open_mode.upper() not in ("RW", "RO"):
            raise ConfigError(f"daos: open_mode must be RW or RO, not {config.open_mode!r}")
        if not _OCLASS.match(config.oclass):
            raise ConfigError(f"daos: oclass must be 0 or an OC_* name, not {config.oclass!r}")
        if not _NAMESPACE.match(config.namespace):
            raise ConfigError("daos: namespace must be 1-64 letters, digits, '_', '.' or '-'")
        return dataclasses.replace(config, open_mode=config.open_mode.upper())

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))


def _chunk_size(value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CHUNK_SIZE:
        raise ConfigError(
            f"daos: chunk_size must be an int from 1 to {MAX_CHUNK_SIZE}, not {value!r}"
        )
    return value
