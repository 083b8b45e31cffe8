"""Human sizes and durations: ``4KiB``, ``1M``, ``2.5s``, ``500ms``."""

from __future__ import annotations

import re

from objstore.errors import InvalidArgument

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?)(b?)\s*$", re.I)
_POWER = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$", re.I)
_SECONDS = {"ms": 0.001, "s": 1.0, "": 1.0, "m": 60.0, "h": 3600.0}


def parse_size(text: str | int) -> int:
    """Bytes in ``text``: ``4096``, ``4k``/``4KiB`` (1024-based), ``4KB`` (1000-based).

    A bare suffix letter (``4k``, ``1M``) is binary, as in fio and ``rados bench -b``;
    only an explicit ``KB``/``MB`` without ``i`` is decimal.
    """
    if isinstance(text, int):
        if text < 0:
            raise InvalidArgument(f"size must not be negative: {text}")
        return text
    match = _SIZE.match(text)
    if not match:
        raise InvalidArgument(f"not a size: {text!r} (try 4096, 4KiB, 4MiB, 1G)")
    number, unit, binary, byte = match.groups()
    power = _POWER[unit.lower()]
    base = 1000 if (unit and byte and not binary) else 1024
    value = float(number) * base**power
    if value != int(value):
        raise InvalidArgument(f"size {text!r} is not a whole number of bytes")
    return int(value)


def format_size(n: int) -> str:
    """``4096`` -> ``4KiB``; exact binary units when they divide, else bytes."""
    for unit, power in (("TiB", 4), ("GiB", 3), ("MiB", 2), ("KiB", 1)):
        step = 1024**power
        if n >= step and n % step == 0:
            return f"{n // step}{unit}"
    return f"{n}B"


def parse_duration(text: str | float) -> float:
    """Seconds in ``text``: ``10``, ``2.5s``, ``500ms``, ``1m``."""
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION.match(text)
    if not match:
        raise InvalidArgument(f"not a duration: {text!r} (try 10s, 500ms, 1m)")
    return float(match.group(1)) * _SECONDS[match.group(2).lower()]
