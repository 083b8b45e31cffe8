"""Options of the gobridge backend: the same names and meanings as the rados backend's."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from objstore.config import reveal
from objstore.errors import ConfigError

NAME = "gobridge"
_TIMEOUTS = ("mount_timeout", "osd_op_timeout", "mon_op_timeout")


@dataclass(frozen=True)
class GoBridgeConfig:
    """How the bridge reaches a pool. Each option has the same name in a ``configs/*.toml``
    ``[options]`` table and as a keyword of ``objstore.open("gobridge", ...)``."""

    pool: str = ""
    """Pool name (required)."""
    conffile: str = ""
    """Path of ceph.conf; empty: librados's default search (``$CEPH_CONF``, /etc/ceph/ceph.conf)."""
    cluster: str = "ceph"
    """Cluster name."""
    user: str = "client.objstore"
    """Ceph entity; a bare id such as ``objstore`` means ``client.objstore``."""
    keyring: str = ""
    """Path of the keyring file; empty: the ``keyring`` setting of the conffile."""
    namespace: str = ""
    """RADOS namespace inside the pool (empty: the default namespace)."""
    mount_timeout: float = 10.0
    """Seconds to wait for the monitors when connecting (``client_mount_timeout``)."""
    osd_op_timeout: float = 30.0
    """Seconds before an object operation fails with Timeout (``rados_osd_op_timeout``).
    Never 0 here: without it a call to a dead osd would block forever."""
    mon_op_timeout: float = 30.0
    """Seconds before a monitor request fails with Timeout (``rados_mon_op_timeout``)."""

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> GoBridgeConfig:
        """Validate options from a config file or keywords; ConfigError names the culprit."""
        unknown = set(options) - set(cls.option_names())
        if unknown:
            raise ConfigError(
                f"{NAME}: unknown options {sorted(unknown)}; "
                f"known: {', '.join(cls.option_names())}",
                backend=NAME,
            )
        values: dict[str, Any] = {}
        for name, raw in options.items():
            value = reveal(raw)
            if name in _TIMEOUTS:
                values[name] = _seconds(name, value)
            elif isinstance(value, str):
                if "\x00" in value:
                    raise ConfigError(f"{NAME}: option {name!r} contains NUL", backend=NAME)
                values[name] = value
            else:
                raise ConfigError(
                    f"{NAME}: option {name!r} must be a string, not {type(value).__name__}",
                    backend=NAME,
                )
        config = cls(**values)
        if not config.pool:
            raise ConfigError(f"{NAME}: option 'pool' is required", backend=NAME)
        if not config.user:
            raise ConfigError(f"{NAME}: option 'user' must not be empty", backend=NAME)
        return config

    @property
    def entity(self) -> str:
        """The full ceph entity name librados wants (``client.objstore``)."""
        return self.user if "." in self.user else f"client.{self.user}"


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{NAME}: option {name!r} must be a number of seconds", backend=NAME)
    try:
        seconds = float(value)
    except ValueError:
        raise ConfigError(
            f"{NAME}: option {name!r} must be a number of seconds, not {value!r}", backend=NAME
        ) from None
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{NAME}: option {name!r} must be > 0 seconds", backend=NAME)
    return seconds
