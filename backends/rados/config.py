"""Options of the rados backend (also the base of the rbd backend's options)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self

from objstore.config import reveal
from objstore.errors import ConfigError

_TIMEOUTS = ("mount_timeout", "osd_op_timeout", "mon_op_timeout")
CEPH_TIMEOUT_OPTIONS = {
    "mount_timeout": "client_mount_timeout",
    "osd_op_timeout": "rados_osd_op_timeout",
    "mon_op_timeout": "rados_mon_op_timeout",
}
"""objstore option -> the ceph config key it sets on the connection."""


@dataclass(frozen=True)
class RadosConfig:
    """How to reach a pool: which cluster, as whom, where, and how long to wait.

    Every option has the same name in a ``configs/*.toml`` ``[options]`` table and as a
    keyword of ``objstore.open("rados", ...)``.
    """

    backend: ClassVar[str] = "rados"

    pool: str = ""
    """Pool name (required)."""
    conffile: str = ""
    """Path of ceph.conf; empty: librados's default search (``$CEPH_CONF``, /etc/ceph/ceph.conf)."""
    cluster: str = "ceph"
    """Cluster name (selects ``$cluster.conf`` and ``$cluster.$name.keyring`` defaults)."""
    user: str = "client.objstore"
    """Ceph entity; a bare id such as ``objstore`` means ``client.objstore``."""
    keyring: str = ""
    """Path of the keyring file; empty: the ``keyring`` setting of the conffile."""
    namespace: str = ""
    """RADOS namespace inside the pool (empty: the default namespace)."""
    mount_timeout: float | None = None
    """Seconds to wait for the monitors when connecting (``client_mount_timeout``)."""
    osd_op_timeout: float | None = None
    """Seconds before an object operation fails with Timeout (``rados_osd_op_timeout``)."""
    mon_op_timeout: float | None = None
    """Seconds before a monitor request fails with Timeout (``rados_mon_op_timeout``)."""

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> Self:
        """Validate options from a config file or keywords; ConfigError names the culprit."""
        name = cls.backend
        unknown = set(options) - set(cls.option_names())
        if unknown:
            raise ConfigError(
                f"{name}: unknown options {sorted(unknown)}; "
                f"known: {', '.join(cls.option_names())}",
                backend=name,
            )
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.name not in options:
                continue
            value = reveal(options[field.name])
            if field.name in _TIMEOUTS:
                values[field.name] = _timeout(name, field.name, value)
            elif not isinstance(value, str):
                raise ConfigError(
                    f"{name}: option {field.name!r} must be a string, not {type(value).__name__}",
                    backend=name,
                )
            else:
                values[field.name] = value
        config = cls(**values)
        if not config.pool:
            raise ConfigError(f"{name}: option 'pool' is required", backend=name)
        if not config.user:
            raise ConfigError(f"{name}: option 'user' must not be empty", backend=name)
        return config

    @property
    def entity(self) -> str:
        """The full ceph entity name librados wants (``client.objstore``)."""
        return self.user if "." in self.user else f"client.{self.user}"

    def ceph_options(self) -> dict[str, str]:
        """Settings applied to the connection on top of the conffile."""
        conf = {}
        if self.keyring:
            conf["keyring"] = self.keyring
        for option, key in CEPH_TIMEOUT_OPTIONS.items():
            value = getattr(self, option)
            if value is not None:
                # ceph parses these as seconds; keep sub-second values exact.
                conf[key] = f"{value:g}"
        return conf


def _timeout(backend: str, name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(
            f"{backend}: option {name!r} must be a number of seconds", backend=backend
        )
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(
            f"{backend}: option {name!r} must be a number of seconds, not {value!r}",
            backend=backend,
        ) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{backend}: option {name!r} must be > 0 seconds", backend=backend)
    return seconds
