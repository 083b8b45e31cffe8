"""The store every caller uses: one validated API in front of any backend.

:class:`Store` checks arguments and capabilities once, here, so every backend gets the
same edge-case behaviour (``docs/spec.md``) and only translates to its native API.
"""

from __future__ import annotations

import builtins
import io
from collections.abc import Iterable, Iterator
from typing import IO, Any

from objstore.errors import InvalidArgument, NotFound, Unsupported
from objstore.spec import CAPABILITY_FOR_MODE, Backend, Buffer, Capabilities, ObjectStat, WriteMode

DEFAULT_CHUNK = 4 * 1024 * 1024
_MODES: dict[str, WriteMode] = {m.value: m for m in WriteMode}


class Store:
    """An open object store. Use it as a context manager, or call :meth:`close`.

    >>> import objstore
    >>> with objstore.open("memory") as store:
    ...     store.put("greeting", b"hello")
    ...     store.get("greeting", offset=1, length=3)
    b'ell'
    """

    def __init__(self, backend: Backend, *, name: str | None = None) -> None:
        self._backend = backend
        self.name = name or backend.name
        self.capabilities: Capabilities = backend.capabilities
        self._mode_allowed = {m: self.capabilities.mode_supported(m) for m in WriteMode}
        self._closed = False

    # -- plumbing ---------------------------------------------------------------------

    @property
    def backend(self) -> Backend:
        """The backend (or outermost layer) this store drives."""
        return self._backend

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<objstore.Store {self.name} ({state})>"

    def close(self) -> None:
        """Release the backend's connections. Safe to call twice."""
        if not self._closed:
            self._closed = True
            self._backend.close()

    def describe(self) -> dict[str, str]:
        """Backend identity and versions for reports; never contains secrets."""
        return {"backend": self.name, **self._backend.describe()}

    def _check_open(self, op: str, key: str | None) -> None:
        if self._closed:
            raise InvalidArgument("store is closed", backend=self.name, op=op, key=key)

    def _key(self, key: object, op: str) -> str:
        if self._closed:
            self._check_open(op, key if isinstance(key, str) else None)
        if not isinstance(key, str):
            raise InvalidArgument(
                f"key must be str, not {type(key).__name__}", backend=self.name, op=op
            )
        if not key:
            raise InvalidArgument("key must not be empty", backend=self.name, op=op, key=key)
        if "\x00" in key:
            raise InvalidArgument("key must not contain NUL", backend=self.name, op=op, key=key)
        caps = self.capabilities
        if caps.max_key_bytes or caps.key_chars:
            try:
                size = len(key.encode("utf-8"))
            except UnicodeEncodeError:
                raise InvalidArgument(
                    "key must be valid UTF-8 (no lone surrogates)",
                    backend=self.name,
                    op=op,
                    key=key,
                ) from None
            if caps.max_key_bytes and size > caps.max_key_bytes:
                raise InvalidArgument(
                    f"key is {size} bytes; {self.name} allows at most {caps.max_key_bytes}",
                    backend=self.name,
                    op=op,
                    key=key,
                )
            bad = [c for c in caps.key_chars if c in key]
            if bad:
                raise InvalidArgument(
                    f"key contains characters {self.name} cannot store: {bad!r}",
                    backend=self.name,
                    op=op,
                    key=key,
                )
        elif not key.isascii():
            try:
                key.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument(
                    "key must be valid UTF-8 (no lone surrogates)",
                    backend=self.name,
                    op=op,
                    key=key,
                ) from None
        return key

    def _non_negative(self, value: object, what: str, op: str, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(
                f"{what} must be an int, not {type(value).__name__}",
                backend=self.name,
                op=op,
                key=key,
            )
        if value < 0:
            raise InvalidArgument(
                f"{what} must not be negative (got {value})", backend=self.name, op=op, key=key
            )
        return value

    def _require(self, capability: str, op: str, key: str | None) -> None:
        if not getattr(self.capabilities, capability):
            raise Unsupported(
                f"{self.name} does not support {capability}", backend=self.name, op=op, key=key
            )

    def _data(self, data: object, op: str, key: str) -> Buffer:
        if isinstance(data, bytes | bytearray):
            return data
        if isinstance(data, str):
            raise InvalidArgument(
                "data must be bytes-like; encode str first", backend=self.name, op=op, key=key
            )
        try:
            view = data if isinstance(data, memoryview) else memoryview(data)  # type: ignore[arg-type]
        except TypeError:
            raise InvalidArgument(
                f"data must be bytes-like, not {type(data).__name__}",
                backend=self.name,
                op=op,
                key=key,
            ) from None
        if view.ndim != 1 or view.itemsize != 1:
            # len() of an array('i') view counts items, not bytes: size limits, offsets
            # and backends all reason in bytes, so hand them a flat byte view.
            view = view.cast("B") if view.c_contiguous else memoryview(view.tobytes())
        return view

    def _mode(self, mode: str | WriteMode, key: str) -> WriteMode:
        try:
            parsed = WriteMode.parse(mode)
        except InvalidArgument as exc:
            exc.backend, exc.key = self.name, key
            raise
        self._require(CAPABILITY_FOR_MODE[parsed], "put", key)
        return parsed

    def _size_limit(self, end: int, op: str, key: str) -> None:
        limit = self.capabilities.max_object_size
        if limit and end > limit:
            raise InvalidArgument(
                f"object would be {end} bytes; {self.name} allows at most {limit}",
                backend=self.name,
                op=op,
                key=key,
            )

    # -- the spec -----------------------------------------------------------------------

    def put(
        self, key: str, data: Buffer, mode: str | WriteMode = WriteMode.WRITE_FULL, offset: int = 0
    ) -> None:
        """Write ``data`` to ``key``.

        :param mode: ``"wf"`` (default) replaces the object; ``"w"`` writes at ``offset``,
            zero-filling any gap past the end; ``"wa"`` appends; ``"create"`` fails with
            AlreadyExists when the object exists. ``w`` and ``wa`` create a missing object.
        :param offset: only for ``"w"``; must be 0 for other modes.
        """
        key = self._key(key, "put")
        # Fast path for the common call (enum or seed spelling, offset 0, bytes): every
        # check below still runs, just without helper calls; the slow path explains errors.
        parsed = _MODES.get(mode) if isinstance(mode, str) else None
        if parsed is None or not self._mode_allowed[parsed]:
            parsed = self._mode(mode, key)
        if offset.__class__ is not int or offset < 0:
            offset = self._non_negative(offset, "offset", "put", key)
        if offset and parsed is not WriteMode.WRITE:
            raise InvalidArgument(
                f"offset is only valid with mode 'w', not {parsed.value!r}",
                backend=self.name,
                op="put",
                key=key,
            )
        buf = data if data.__class__ is bytes else self._data(data, "put", key)
        if self.capabilities.max_object_size:
            self._size_limit(offset + len(buf), "put", key)
        self._backend.write(key, buf, parsed, offset)

    def get(self, key: str, offset: int = 0, length: int | None = None) -> bytes:
        """Read ``length`` bytes from ``offset`` (to the end when ``length`` is None).

        Reading past the end returns the bytes that exist, possibly ``b""``.
        """
        key = self._key(key, "get")
        offset = self._non_negative(offset, "offset", "get", key)
        if length is not None:
            length = self._non_negative(length, "length", "get", key)
        if (offset or length is not None) and not self.capabilities.ranged_read:
            self._require("ranged_read", "get", key)
        return self._backend.read(key, offset, length)

    def get_into(self, key: str, buffer: Buffer, offset: int = 0) -> int:
        """Read into a caller-owned writable buffer from ``offset``; return bytes placed.

        Fills at most ``len(buffer)`` bytes; returns fewer at the end of the object.
        Backends declaring ``read_into`` copy straight from the wire into ``buffer``.
        """
        key = self._key(key, "get_into")
        offset = self._non_negative(offset, "offset", "get_into", key)
        try:
            view = buffer if isinstance(buffer, memoryview) else memoryview(buffer)
        except TypeError:
            raise InvalidArgument(
                f"buffer must be a writable bytes-like object, not {type(buffer).__name__}",
                backend=self.name,
                op="get_into",
                key=key,
            ) from None
        if view.readonly:
            raise InvalidArgument(
                "buffer must be writable (bytearray, memoryview of one, mmap...)",
                backend=self.name,
                op="get_into",
                key=key,
            )
        if view.format != "B" or view.ndim != 1:
            if not view.c_contiguous:
                raise InvalidArgument(
                    "buffer must be contiguous", backend=self.name, op="get_into", key=key
                )
            view = view.cast("B")
        if offset and not self.capabilities.ranged_read:
            self._require("ranged_read", "get_into", key)
        return self._backend.read_into(key, offset, view)

    def delete(self, key: str, *, missing_ok: bool = False) -> None:
        """Remove ``key``. A missing object raises NotFound unless ``missing_ok``."""
        key = self._key(key, "delete")
        try:
            self._backend.delete(key)
        except NotFound:
            if not missing_ok:
                raise

    def list(self, prefix: str = "") -> Iterator[str]:
        """Iterate over every key starting with ``prefix``, each once, in no set order."""
        self._check_open("list", None)
        if not isinstance(prefix, str):
            raise InvalidArgument(
                f"prefix must be str, not {type(prefix).__name__}", backend=self.name, op="list"
            )
        if "\x00" in prefix:
            raise InvalidArgument("prefix must not contain NUL", backend=self.name, op="list")
        if prefix and not self.capabilities.list_prefix:
            return (k for k in self._backend.list("") if k.startswith(prefix))
        return self._backend.list(prefix)

    def stat(self, key: str) -> ObjectStat:
        """Size and modification time of ``key``; NotFound if missing."""
        return self._backend.stat(self._key(key, "stat"))

    def exists(self, key: str) -> bool:
        """True when ``key`` exists."""
        try:
            self.stat(key)
        except NotFound:
            return False
        return True

    # -- metadata -----------------------------------------------------------------------

    def _xattr_name(self, name: object, op: str, key: str) -> str:
        self._require("metadata", op, key)
        if not isinstance(name, str) or not name or "\x00" in name:
            raise InvalidArgument(
                "attribute name must be a non-empty str without NUL",
                backend=self.name,
                op=op,
                key=key,
            )
        limit = self.capabilities.max_xattr_name_bytes
        if limit and len(name.encode("utf-8", "surrogatepass")) > limit:
            raise InvalidArgument(
                f"attribute name longer than {limit} bytes", backend=self.name, op=op, key=key
            )
        return name

    def get_xattr(self, key: str, name: str) -> bytes:
        """The value of attribute ``name``; NotFound when the object or attribute is missing."""
        key = self._key(key, "get_xattr")
        return self._backend.get_xattr(key, self._xattr_name(name, "get_xattr", key))

    def set_xattr(self, key: str, name: str, value: Buffer | str) -> None:
        """Set attribute ``name`` (str values are stored UTF-8). The object must exist."""
        key = self._key(key, "set_xattr")
        name = self._xattr_name(name, "set_xattr", key)
        raw = (
            value.encode("utf-8")
            if isinstance(value, str)
            else bytes(self._data(value, "set_xattr", key))
        )
        limit = self.capabilities.max_xattr_value_bytes
        if limit and len(raw) > limit:
            raise InvalidArgument(
                f"attribute value is {len(raw)} bytes; {self.name} allows at most {limit}",
                backend=self.name,
                op="set_xattr",
                key=key,
            )
        self._backend.set_xattr(key, name, raw)

    def list_xattrs(self, key: str) -> builtins.list[str]:
        """Names of the attributes of ``key``, sorted."""
        key = self._key(key, "list_xattrs")
        self._require("metadata", "list_xattrs", key)
        return sorted(self._backend.list_xattrs(key))

    def get_xattrs(self, key: str) -> dict[str, bytes]:
        """Every attribute of ``key`` with its value."""
        return {name: self.get_xattr(key, name) for name in self.list_xattrs(key)}

    def remove_xattr(self, key: str, name: str) -> None:
        """Remove attribute ``name``; NotFound when it is not set."""
        key = self._key(key, "remove_xattr")
        self._backend.remove_xattr(key, self._xattr_name(name, "remove_xattr", key))

    # -- streaming ----------------------------------------------------------------------

    def put_stream(
        self,
        key: str,
        source: IO[bytes] | Buffer | Iterable[Buffer],
        mode: str | WriteMode = WriteMode.WRITE_FULL,
        *,
        offset: int = 0,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> int:
        """Write an object far larger than memory from a file or an iterable of chunks.

        Memory use stays bounded by ``chunk_size``. Returns the bytes written. In mode
        ``wf`` the replace is atomic only where ``stream_write_atomic`` is declared.
        """
        key = self._key(key, "put_stream")
        parsed = self._mode(mode, key)
        offset = self._non_negative(offset, "offset", "put_stream", key)
        chunk_size = self._chunk_size(chunk_size, "put_stream", key)
        if offset and parsed is not WriteMode.WRITE:
            raise InvalidArgument(
                "offset is only valid with mode 'w'", backend=self.name, op="put_stream", key=key
            )
        if not (
            self.capabilities.stream_write_atomic
            or self.capabilities.offset_write
            or self.capabilities.append
        ):
            self._require("append", "put_stream", key)
        chunks = _chunks_of(source, chunk_size)
        if self.capabilities.max_object_size:
            chunks = self._limited(chunks, offset, key)
        return self._backend.write_stream(key, chunks, parsed, offset)

    def _limited(self, chunks: Iterator[Buffer], offset: int, key: str) -> Iterator[Buffer]:
        end = offset
        for chunk in chunks:
            end += len(chunk)
            self._size_limit(end, "put_stream", key)
            yield chunk

    def get_stream(
        self,
        key: str,
        *,
        offset: int = 0,
        length: int | None = None,
        chunk_size: int = DEFAULT_CHUNK,
    ) -> Iterator[bytes]:
        """Yield the object (or a range of it) in chunks of at most ``chunk_size`` bytes.

        The object's size is read first, so a missing key raises NotFound at once.
        """
        key = self._key(key, "get_stream")
        offset = self._non_negative(offset, "offset", "get_stream", key)
        if length is not None:
            length = self._non_negative(length, "length", "get_stream", key)
        chunk_size = self._chunk_size(chunk_size, "get_stream", key)
        size = self._backend.stat(key).size
        end = size if length is None else min(size, offset + length)
        if self.capabilities.ranged_read:
            return self._ranged_chunks(key, offset, end, chunk_size)
        data = self._backend.read(key, 0, None)[offset:end]
        return (data[i : i + chunk_size] for i in range(0, len(data), chunk_size))

    def _ranged_chunks(self, key: str, start: int, end: int, chunk_size: int) -> Iterator[bytes]:
        position = start
        while position < end:
            chunk = self._backend.read(key, position, min(chunk_size, end - position))
            if not chunk:  # the object shrank while we read it
                return
            position += len(chunk)
            yield chunk

    def get_to_file(self, key: str, target: IO[bytes], *, chunk_size: int = DEFAULT_CHUNK) -> int:
        """Copy the whole object into a binary file object in bounded chunks; return the size."""
        total = 0
        for chunk in self.get_stream(key, chunk_size=chunk_size):
            target.write(chunk)
            total += len(chunk)
        return total

    def _chunk_size(self, value: object, op: str, key: str) -> int:
        size = self._non_negative(value, "chunk_size", op, key)
        if size == 0:
            raise InvalidArgument("chunk_size must be positive", backend=self.name, op=op, key=key)
        return size

    # -- layers -------------------------------------------------------------------------

    def with_layers(self, *layers: Any) -> Store:
        """A new store on the same backend wrapped by ``layers`` (innermost first).

        The returned store owns the backend; close only one of the two.
        """
        backend: Backend = self._backend
        for layer in layers:
            backend = layer.wrap(backend)
        return Store(backend, name=self.name)


def _chunks_of(source: IO[bytes] | Buffer | Iterable[Buffer], chunk_size: int) -> Iterator[Buffer]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), chunk_size):
            yield view[start : start + chunk_size]
        return
    read = getattr(source, "readinto", None)
    if read is not None and isinstance(source, io.IOBase | io.BufferedIOBase):
        # One reusable buffer: memory stays at chunk_size no matter how big the object.
        buffer = bytearray(chunk_size)
        view = memoryview(buffer)
        while True:
            filled = _fill(source, view)
            if not filled:
                return
            yield bytes(view[:filled])
            if filled < chunk_size:
                return
    reader = getattr(source, "read", None)
    if reader is not None:
        while True:
            block = reader(chunk_size)
            if not block:
                return
            if not isinstance(block, bytes | bytearray | memoryview):
                # A text-mode file reads str: refuse it here, not deep inside a backend.
                raise InvalidArgument(
                    f"stream source must be binary; read() returned {type(block).__name__}"
                )
            yield block
    for block in source:
        if not isinstance(block, bytes | bytearray | memoryview):
            raise InvalidArgument(f"stream chunks must be bytes-like, not {type(block).__name__}")
        yield block


def _fill(source: Any, view: memoryview) -> int:
    """readinto until the view is full or the source ends (pipes return short reads)."""
    filled = 0
    while filled < len(view):
        n = source.readinto(view[filled:])
        if not n:
            break
        filled += n
    return filled
