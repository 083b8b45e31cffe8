"""Options of the gluster backend."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from objstore.errors import ConfigError

LOG_LEVELS: dict[str, int] = {
    # gf_loglevel_t in libglusterfs/src/glusterfs/logging.h
    "none": 0,
    "emerg": 1,
    "alert": 2,
    "critical": 3,
    "error": 4,
    "warning": 5,
    "notice": 6,
    "info": 7,
    "debug": 8,
    "trace": 9,
}


def _number(name: str, value: Any, *, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"gluster: {name} must be a number, not {type(value).__name__}")
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"gluster: {name} must be a number, not {value!r}") from None
    if number < minimum:
        raise ConfigError(f"gluster: {name} must be at least {minimum:g} (got {number:g})")
    return number


@dataclass(frozen=True)
class GlusterConfig:
    """Where the volume is and how the libgfapi client behaves."""

    volume: str
    """Name of the GlusterFS volume (required)."""
    host: str = "localhost"
    """The volfile server: any glusterd of the trusted pool."""
    port: int = 24007
    """glusterd's management port."""
    subdir: str = "objstore"
    """Directory inside the volume that holds the objects (created on open). Nested
    paths like ``tenants/a`` are allowed; ``..`` is not."""
    ping_timeout: int = 10
    """Seconds without an answer from a brick before the client drops the connection
    and fails the pending operations with ENOTCONN (gluster's default is 42)."""
    frame_timeout: int = 60
    """Seconds any single operation may wait for its reply (gluster's default is 1800)."""
    strict_consistency: bool = True
    """Turn off the client caches that can serve stale data (md-cache, quick-read:
    up to 1 s) and make close wait for write-behind (flush-behind off), so a read or
    stat after a write - from any client or thread - sees it. False keeps the volume's
    cache settings: faster metadata, looser consistency."""
    log_file: str = "/dev/null"
    """libgfapi's log file; ``/dev/null`` keeps it quiet."""
    log_level: str = "warning"
    """One of none, emerg, alert, critical, error, warning, notice, info, debug, trace."""

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> GlusterConfig:
        """Validate options from a config file, a URL (strings) or keywords."""
        unknown = set(options) - set(cls.option_names())
        if unknown:
            raise ConfigError(
                f"gluster: unknown options {sorted(unknown)}; "
                f"known: {', '.join(cls.option_names())}"
            )
        volume = options.get("volume")
        if not isinstance(volume, str) or not volume.strip() or "/" in volume:
            raise ConfigError("gluster: option 'volume' (a volume name) is required")
        host = str(options.get("host", cls.host)).strip()
        if not host:
            raise ConfigError("gluster: host must not be empty")
        port_value = _number("port", options.get("port", cls.port), minimum=1)
        if port_value != int(port_value) or port_value > 65535:
            raise ConfigError(f"gluster: port must be an integer 1-65535 (got {port_value:g})")
        port = int(port_value)
        subdir = normalize_subdir(options.get("subdir", cls.subdir))
        # gluster's client xlator takes whole seconds; ping-timeout 0 would disable it.
        ping = int(
            _number("ping_timeout", options.get("ping_timeout", cls.ping_timeout), minimum=1)
        )
        frame = int(
            _number("frame_timeout", options.get("frame_timeout", cls.frame_timeout), minimum=5)
        )
        strict = options.get("strict_consistency", cls.strict_consistency)
        if isinstance(strict, str) and strict.lower() in ("true", "false", "1", "0", "yes", "no"):
            strict = strict.lower() in ("true", "1", "yes")  # from a URL query
        if not isinstance(strict, bool):
            raise ConfigError("gluster: strict_consistency must be true or false")
        log_file = str(options.get("log_file", cls.log_file))
        level = str(options.get("log_level", cls.log_level)).lower()
        if level not in LOG_LEVELS:
            raise ConfigError(
                f"gluster: log_level must be one of {list(LOG_LEVELS)}, not {level!r}"
            )
        return cls(
            volume=volume.strip(),
            host=host,
            port=port,
            subdir=subdir,
            ping_timeout=ping,
            frame_timeout=frame,
            strict_consistency=strict,
            log_file=log_file,
            log_level=level,
        )

    @classmethod
    def option_names(cls) -> tuple[str, ...]:
        """Every option this backend accepts."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @property
    def log_level_number(self) -> int:
        """The gf_loglevel_t value for :attr:`log_level`."""
        return LOG_LEVELS[self.log_level]

    @property
    def xlator_options(self) -> tuple[tuple[str, str, str], ...]:
        """(xlator pattern, key, value) triples passed to ``glfs_set_xlator_option``."""
        options = [
            ("*-client-*", "ping-timeout", str(self.ping_timeout)),
            ("*-client-*", "frame-timeout", str(self.frame_timeout)),
        ]
        if self.strict_consistency:
            options += [
                ("*-md-cache", "pass-through", "true"),
                ("*-quick-read", "pass-through", "true"),
                ("*-write-behind", "flush-behind", "off"),
            ]
        return tuple(options)


def normalize_subdir(value: Any) -> str:
    """``"/a//b/"`` -> ``"a/b"``; ``""`` means the volume root. Refuses ``.``/``..`` parts."""
    if not isinstance(value, str):
        raise ConfigError(f"gluster: subdir must be a string, not {type(value).__name__}")
    if "\x00" in value:
        raise ConfigError("gluster: subdir must not contain NUL")
    parts = [p for p in value.split("/") if p]
    if any(p in (".", "..") for p in parts):
        raise ConfigError(f"gluster: subdir {value!r} must not contain '.' or '..'")
    return "/".join(parts)
