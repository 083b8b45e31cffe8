"""Test data shared by the cases: deterministic binary payloads full of NULs."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator

KiB = 1024
MiB = 1024 * KiB

SIZES: dict[str, int] = {
    "0": 0,
    "1": 1,
    "4KiB-1": 4 * KiB - 1,
    "4KiB": 4 * KiB,
    "4MiB": 4 * MiB,
}
"""Sizes every mode is tried with (64 MiB is streamed, in the stream feature)."""


def payload(size: int, seed: int = 0) -> bytes:
    """``size`` deterministic bytes; every 7th byte is NUL so truncation at NUL shows."""
    data = bytearray(random.Random(seed).randbytes(size))
    data[::7] = bytes(len(data[::7]))
    return bytes(data)


def chunks(total: int, chunk: int, seed: int = 0) -> Iterator[bytes]:
    """``total`` bytes of payload in chunks, generated lazily (for 64 MiB streams)."""
    done = 0
    part = 0
    while done < total:
        size = min(chunk, total - done)
        yield payload(size, seed * 100_003 + part)
        done += size
        part += 1


def digest(parts: Iterator[bytes] | list[bytes]) -> tuple[int, str]:
    """(size, sha256) of a sequence of chunks."""
    h = hashlib.sha256()
    size = 0
    for part in parts:
        h.update(part)
        size += len(part)
    return size, h.hexdigest()
