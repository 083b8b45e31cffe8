"""The spec as a few pure functions: the reference every backend is compared against.

Conformance cases compute expected bytes with :func:`apply_write` and :func:`read_range`,
and the differential oracle drives a :class:`ReferenceStore` beside a real backend. Kept
deliberately naive (immutable bytes, no locks) so that it is obviously right.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from objstore.errors import AlreadyExists, InvalidArgument, NotFound
from objstore.spec import WriteMode


def apply_write(old: bytes | None, data: bytes, mode: WriteMode, offset: int = 0) -> bytes:
    """The object's bytes after ``put(data, mode, offset)`` on an object holding ``old``
    (``None`` when missing)."""
    if offset < 0:
        raise InvalidArgument("negative offset")
    if mode is WriteMode.CREATE:
        if old is not None:
            raise AlreadyExists("object exists")
        return data
    if mode is WriteMode.WRITE_FULL:
        return data
    current = old or b""
    if mode is WriteMode.APPEND:
        return current + data
    if not data:
        return current
    if offset > len(current):
        current = current + bytes(offset - len(current))
    return current[:offset] + data + current[offset + len(data) :]


def read_range(data: bytes, offset: int = 0, length: int | None = None) -> bytes:
    """What ``get(offset, length)`` returns: clipped to the object, never an error."""
    if offset < 0 or (length is not None and length < 0):
        raise InvalidArgument("negative offset or length")
    end = len(data) if length is None else offset + length
    return data[offset:end]


@dataclass
class ReferenceObject:
    data: bytes = b""
    xattrs: dict[str, bytes] = field(default_factory=dict)


@dataclass
class ReferenceStore:
    """An in-memory model of the whole spec (data, list, stat sizes, metadata)."""

    objects: dict[str, ReferenceObject] = field(default_factory=dict)

    def put(self, key: str, data: bytes, mode: WriteMode, offset: int = 0) -> None:
        if offset and mode is not WriteMode.WRITE:
            raise InvalidArgument("offset only with mode w")
        obj = self.objects.get(key)
        new = apply_write(obj.data if obj else None, data, mode, offset)
        if obj is None:
            self.objects[key] = ReferenceObject(new)
        else:
            obj.data = new

    def _get(self, key: str) -> ReferenceObject:
        if key not in self.objects:
            raise NotFound("object not found")
        return self.objects[key]

    def get(self, key: str, offset: int = 0, length: int | None = None) -> bytes:
        return read_range(self._get(key).data, offset, length)

    def delete(self, key: str) -> None:
        self._get(key)
        del self.objects[key]

    def list(self, prefix: str = "") -> set[str]:
        return {k for k in self.objects if k.startswith(prefix)}

    def size(self, key: str) -> int:
        return len(self._get(key).data)

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        self._get(key).xattrs[name] = value

    def get_xattr(self, key: str, name: str) -> bytes:
        attrs = self._get(key).xattrs
        if name not in attrs:
            raise NotFound("attribute not set")
        return attrs[name]

    def remove_xattr(self, key: str, name: str) -> None:
        attrs = self._get(key).xattrs
        if name not in attrs:
            raise NotFound("attribute not set")
        del attrs[name]

    def list_xattrs(self, key: str) -> builtins.list[str]:
        return sorted(self._get(key).xattrs)
