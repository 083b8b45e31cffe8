"""The memory backend: a dict of bytearrays behind one lock."""

from __future__ import annotations

import builtins
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from backends.memory.config import MemoryConfig
from objstore.errors import AlreadyExists, InvalidArgument, NotFound
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

CAPABILITIES = Capabilities(
    write_full=True,
    atomic_write_full=True,
    offset_write=True,
    append=True,
    atomic_append=True,
    create_exclusive=True,
    ranged_read=True,
    read_into=True,
    metadata=True,
    list_prefix=True,
    stream_write_atomic=True,
    thread_safe=True,
)


@dataclass
class _Object:
    data: bytearray
    mtime: float
    xattrs: dict[str, bytes] = field(default_factory=dict)


class MemoryBackend(Backend):
    """Objects in a dict; every operation holds one lock, so each is atomic."""

    name = "memory"

    def __init__(self, **options: Any) -> None:
        self.config = MemoryConfig.from_mapping(options)
        self.capabilities = CAPABILITIES.with_(max_object_size=self.config.max_object_size)
        self._objects: dict[str, _Object] = {}
        self._lock = threading.Lock()

    def _get(self, key: str, op: str) -> _Object:
        obj = self._objects.get(key)
        if obj is None:
            raise NotFound("object not found", backend=self.name, op=op, key=key)
        return obj

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        now = time.time()
        with self._lock:
            obj = self._objects.get(key)
            if mode is WriteMode.WRITE_FULL or mode is WriteMode.CREATE:
                if obj is not None and mode is WriteMode.CREATE:
                    raise AlreadyExists("object exists", backend=self.name, op="put", key=key)
                if obj is None:
                    self._objects[key] = _Object(bytearray(data), now)
                else:
                    obj.data = bytearray(data)
                    obj.mtime = now
                return
            limit = self.config.max_object_size
            if limit and mode is WriteMode.APPEND:
                # The store checks offset + len(data), but only the backend knows where
                # an append ends: check here, under the lock, before anything changes.
                end = (len(obj.data) if obj is not None else 0) + len(data)
                if end > limit:
                    raise InvalidArgument(
                        f"object would be {end} bytes; memory allows at most {limit}",
                        backend=self.name,
                        op="put",
                        key=key,
                    )
            if obj is None:
                obj = self._objects[key] = _Object(bytearray(), now)
            if mode is WriteMode.APPEND:
                obj.data += data
            elif data:  # an empty write creates the object but never extends it
                end = offset + len(data)
                if offset > len(obj.data):
                    obj.data.extend(bytes(offset - len(obj.data)))
                obj.data[offset:end] = data
            obj.mtime = now

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        with self._lock:
            data = self._get(key, "get").data
            end = len(data) if length is None else offset + length
            return bytes(data[offset:end])

    def read_into(self, key: str, offset: int, buffer: memoryview) -> int:
        with self._lock:
            data = self._get(key, "get_into").data
            chunk = memoryview(data)[offset : offset + len(buffer)]
            n = len(chunk)
            buffer[:n] = chunk
            chunk.release()
            return n

    def delete(self, key: str) -> None:
        with self._lock:
            if self._objects.pop(key, None) is None:
                raise NotFound("object not found", backend=self.name, op="delete", key=key)

    def list(self, prefix: str) -> Iterator[str]:
        with self._lock:
            keys = [k for k in self._objects if k.startswith(prefix)]
        return iter(keys)

    def stat(self, key: str) -> ObjectStat:
        with self._lock:
            obj = self._get(key, "stat")
            return ObjectStat(key=key, size=len(obj.data), mtime=obj.mtime)

    def get_xattr(self, key: str, name: str) -> bytes:
        with self._lock:
            value = self._get(key, "get_xattr").xattrs.get(name)
        if value is None:
            raise NotFound(
                f"attribute {name!r} not set", backend=self.name, op="get_xattr", key=key
            )
        return value

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        with self._lock:
            self._get(key, "set_xattr").xattrs[name] = bytes(value)

    def list_xattrs(self, key: str) -> builtins.list[str]:
        with self._lock:
            return list(self._get(key, "list_xattrs").xattrs)

    def remove_xattr(self, key: str, name: str) -> None:
        with self._lock:
            if self._get(key, "remove_xattr").xattrs.pop(name, None) is None:
                raise NotFound(
                    f"attribute {name!r} not set", backend=self.name, op="remove_xattr", key=key
                )

    def write_stream(self, key: str, chunks: Any, mode: WriteMode, offset: int = 0) -> int:
        # Stage outside the lock, then swap: readers see the old or the new object.
        if mode is not WriteMode.WRITE_FULL and mode is not WriteMode.CREATE:
            return super().write_stream(key, chunks, mode, offset)
        staged = bytearray()
        for chunk in chunks:
            staged += chunk
        self.write(key, staged, mode, 0)
        return len(staged)

    def describe(self) -> dict[str, str]:
        return {"objects": str(len(self._objects))}
