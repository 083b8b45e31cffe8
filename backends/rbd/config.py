"""Options of the rbd backend: the same connection options as rados (pool holds images)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from backends.rados.config import RadosConfig


@dataclass(frozen=True)
class RbdConfig(RadosConfig):
    """Same options and meanings as :class:`~backends.rados.config.RadosConfig`.

    ``pool`` must be initialised for rbd (``rbd pool init``); ``namespace`` is an rbd
    namespace, which must exist (``rbd namespace create``).
    """

    backend: ClassVar[str] = "rbd"
