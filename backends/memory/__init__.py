"""memory: a thread-safe in-process backend. Needs nothing; data lives as long as the store."""

from __future__ import annotations

from backends.memory.backend import CAPABILITIES
from backends.memory.config import MemoryConfig
from objstore import BackendRegistry, hookimpl

NAME = "memory"


@hookimpl
def objstore_register_backends(registry: BackendRegistry) -> None:
    registry.add(
        NAME,
        "backends.memory.backend:MemoryBackend",
        description="In-process dict of bytearrays; thread-safe; for tests and first runs.",
        capabilities=CAPABILITIES,
        option_names=MemoryConfig.option_names(),
    )
