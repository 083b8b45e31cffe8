"""The backend spec: what every objstore backend implements.

A backend subclasses :class:`Backend` and implements its abstract methods. It receives
arguments that :class:`objstore.store.Store` has already validated (key is a non-empty
``str`` within limits, offsets and lengths are non-negative ints, the mode is a
:class:`WriteMode` the backend declared), so a backend only translates calls to its
native API and maps errors through its ``errors.py`` table.

The exact semantics every backend must meet are written in ``docs/spec.md``.
"""

from __future__ import annotations

import builtins
import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from objstore.errors import InvalidArgument, ObjstoreError, Unsupported

Buffer = bytes | bytearray | memoryview


class WriteMode(StrEnum):
    """How :meth:`Store.put` writes. The values are the seed's spellings."""

    WRITE = "w"
    """Write the data at ``offset``; bytes around it are kept; a gap past the end reads as zeros."""
    WRITE_FULL = "wf"
    """Replace the whole object with the data (atomically where ``atomic_write_full``)."""
    APPEND = "wa"
    """Append the data at the current end of the object."""
    CREATE = "create"
    """Create the object with the data; AlreadyExists if it exists."""

    @classmethod
    def parse(cls, value: str | WriteMode) -> WriteMode:
        """Accept an enum member, its value (``w``/``wf``/``wa``/``create``) or its name."""
        if isinstance(value, WriteMode):
            return value
        if isinstance(value, str):
            text = value.strip()
            for mode in cls:
                if text == mode.value or text.upper() == mode.name:
                    return mode
        choices = ", ".join(m.value for m in cls)
        raise InvalidArgument(f"unknown write mode {value!r}; expected one of {choices}", op="put")


@dataclass(frozen=True)
class Capabilities:
    """What a backend supports, declared once as data. Everything defaults to off.

    Calling an operation a backend lacks raises :class:`~objstore.errors.Unsupported`.
    """

    write_full: bool = False
    """Mode ``wf`` works."""
    atomic_write_full: bool = False
    """A reader never sees a half-replaced object during ``wf``."""
    offset_write: bool = False
    """Mode ``w`` at any offset, zero-filling gaps."""
    append: bool = False
    """Mode ``wa``."""
    atomic_append: bool = False
    """Concurrent appends from many writers never interleave or get lost."""
    create_exclusive: bool = False
    """Mode ``create`` fails with AlreadyExists, atomically, even under races."""
    ranged_read: bool = False
    """``get`` with offset/length reads only that range."""
    read_into: bool = False
    """The backend reads straight into a caller's buffer (no intermediate copy)."""
    metadata: bool = False
    """Named attributes (xattrs): get, set, list, remove."""
    list_prefix: bool = False
    """``list`` filters by prefix."""
    stream_write_atomic: bool = False
    """``put_stream`` in mode ``wf`` replaces the object atomically."""
    snapshots: bool = False
    """Snapshots of an object can be created, listed and read (rbd)."""
    thread_safe: bool = False
    """One store may be used from many threads at once."""
    process_safe: bool = True
    """A store (and its library) may be used in a forked child. False for the Go bridge."""
    aio: bool = False
    """The backend has a native asynchronous path (:meth:`Backend.aio_write`/``aio_read``)."""
    persistent: bool = False
    """Data outlives the process."""
    max_key_bytes: int = 0
    """Longest key in UTF-8 bytes; 0 means no declared limit."""
    max_object_size: int = 0
    """Largest object in bytes; 0 means no declared limit."""
    max_xattr_name_bytes: int = 0
    """Longest attribute name in UTF-8 bytes; 0 means no declared limit."""
    max_xattr_value_bytes: int = 0
    """Largest attribute value in bytes; 0 means no declared limit."""
    key_chars: str = ""
    """Characters refused in keys beyond NUL (e.g. a backend that cannot store '\\n')."""

    def with_(self, **changes: Any) -> Capabilities:
        return dataclasses.replace(self, **changes)

    def flags(self) -> dict[str, bool]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.type == "bool"}

    def limits(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.type == "int"}

    def mode_supported(self, mode: WriteMode) -> bool:
        return {
            WriteMode.WRITE: self.offset_write,
            WriteMode.WRITE_FULL: self.write_full,
            WriteMode.APPEND: self.append,
            WriteMode.CREATE: self.create_exclusive,
        }[mode]


CAPABILITY_FOR_MODE: dict[WriteMode, str] = {
    WriteMode.WRITE: "offset_write",
    WriteMode.WRITE_FULL: "write_full",
    WriteMode.APPEND: "append",
    WriteMode.CREATE: "create_exclusive",
}


@dataclass(frozen=True)
class ObjectStat:
    """What :meth:`Store.stat` returns."""

    key: str
    size: int
    mtime: float
    """Seconds since the epoch, as precise as the backend keeps it."""


class Backend(ABC):
    """The contract a backend plugin implements.

    Arguments arrive validated by :class:`~objstore.store.Store`. Implementations raise
    taxonomy errors (through their ``ErrorTable``), never native exceptions.
    """

    name: ClassVar[str] = "backend"
    capabilities: Capabilities = Capabilities()

    @abstractmethod
    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        """Write ``data`` in ``mode``; ``offset`` is only meaningful for ``WRITE``."""

    @abstractmethod
    def read(self, key: str, offset: int, length: int | None) -> bytes:
        """Bytes ``[offset, offset+length)``, clipped to the object; ``None`` means to the end."""

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        """Fill ``buffer`` from ``offset``; return the number of bytes placed (0 past the end).

        The default copies through :meth:`read`; backends with a native path override it.
        """
        data = self.read(key, offset, len(buffer))
        buffer[: len(data)] = data
        return len(data)

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; NotFound if it does not exist."""

    @abstractmethod
    def list(self, prefix: str) -> Iterator[str]:
        """Yield every key starting with ``prefix``, each exactly once, in any order."""

    @abstractmethod
    def stat(self, key: str) -> ObjectStat:
        """Size and modification time; NotFound if missing."""

    def get_xattr(self, key: str, name: str) -> bytes:
        raise Unsupported("metadata is not supported", op="get_xattr", key=key)

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        raise Unsupported("metadata is not supported", op="set_xattr", key=key)

    def list_xattrs(self, key: str) -> builtins.list[str]:
        raise Unsupported("metadata is not supported", op="list_xattrs", key=key)

    def remove_xattr(self, key: str, name: str) -> None:
        raise Unsupported("metadata is not supported", op="remove_xattr", key=key)

    def write_stream(
        self, key: str, chunks: Iterable[Buffer], mode: WriteMode, offset: int = 0
    ) -> int:
        """Write a sequence of chunks as one object, starting at ``offset``; return bytes written.

        The default writes the first chunk in ``mode``, then each later chunk at the next
        offset (or appends it when the backend has no offset writes). That is not atomic.
        Backends that can stage and swap (temp file + rename) override it and declare
        ``stream_write_atomic``.
        """
        total = 0
        started = False
        for chunk in chunks:
            if not started:
                self.write(key, chunk, mode, offset)
                started = True
            elif mode is WriteMode.APPEND or not self.capabilities.offset_write:
                self.write(key, chunk, WriteMode.APPEND, 0)
            else:
                self.write(key, chunk, WriteMode.WRITE, offset + total)
            total += len(chunk)
        if not started:
            self.write(key, b"", mode, offset)
        return total

    # -- optional native asynchronous path (capability ``aio``) ----------------------------
    # The benchmark drives many operations in flight through these when a backend has
    # them (python-rados aio, goroutines in the Go bridge). ``on_done`` may run on a
    # native thread; it must be quick and must not raise.

    def aio_write(
        self,
        key: str,
        data: Buffer,
        mode: WriteMode,
        offset: int,
        on_done: Callable[[ObjstoreError | None], None],
    ) -> None:
        """Start a write; call ``on_done(None)`` or ``on_done(error)`` when it completes."""
        raise Unsupported("no native asynchronous path", op="aio_write", key=key)

    def aio_read(
        self,
        key: str,
        offset: int,
        length: int,
        on_done: Callable[[bytes | None, ObjstoreError | None], None],
    ) -> None:
        """Start a read; call ``on_done(data, None)`` or ``on_done(None, error)``."""
        raise Unsupported("no native asynchronous path", op="aio_read", key=key)

    def aio_flush(self) -> None:  # noqa: B027 - a no-op is right for backends without aio
        """Wait until every operation started with ``aio_*`` has completed."""

    def describe(self) -> dict[str, str]:
        """Versions and identity for reports (library versions, cluster fsid...). No secrets."""
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold something to release
        """Release connections and handles. Called once by the store."""
