"""Options of the memory backend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from objstore.errors import ConfigError


@dataclass(frozen=True)
class MemoryConfig:
    max_object_size: int = 0
    """Refuse objects larger than this many bytes (0: no limit). Useful to test limits."""

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> MemoryConfig:
        unknown = set(options) - set(cls.option_names())
        if unknown:
            raise ConfigError(f"memory: unknown options {sorted(unknown)}")
        value = options.get("max_object_size", 0)
        if isinstance(value, str) and value.isdigit():
            value = int(value)  # from a URL query: memory://?max_object_size=1024
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError("memory: max_object_size must be a non-negative int")
        return cls(max_object_size=value)

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))
