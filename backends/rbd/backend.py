"""The rbd backend: every object is an RBD image (python-rbd over librbd).

An image is a block device with a size, so object semantics are built from ``resize``
and ``write``:

* ``w`` writes at an offset and grows the image when the write ends past its size;
* ``wf`` resizes the image to the data's length and rewrites it (not atomic);
* ``wa`` writes at the current size (not atomic against other writers);
* ``create`` creates the image (exclusive in the pool's rbd directory), then writes.

Snapshots are an extra of this backend (``create_snapshot``, ``list_snapshots``,
``read_snapshot``, ``remove_snapshot``), reached through ``store.backend``.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backends.rados.backend import INSTALL_HINT, connect, load_rados
from backends.rados.errors import native
from backends.rbd.config import RbdConfig
from backends.rbd.errors import ERRORS
from objstore.errors import AlreadyExists, InvalidArgument, NotFound, ObjstoreError
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

CAPABILITIES = Capabilities(
    write_full=True,
    atomic_write_full=False,  # resize + write: a reader can see the image in between
    offset_write=True,
    append=True,
    atomic_append=False,  # size read + resize + write: two clients could interleave
    create_exclusive=True,  # image creation is exclusive in the rbd directory
    ranged_read=True,
    read_into=False,
    metadata=True,  # image metadata (metadata_get/metadata_set)
    list_prefix=True,  # filtered on the client over the pool's image list
    stream_write_atomic=False,
    snapshots=True,
    thread_safe=True,  # size changes are serialised inside one store
    process_safe=False,  # librados threads do not survive fork()
    aio=False,
    persistent=True,
    max_key_bytes=2041,  # the image's id object is "rbd_id.<name>": 2048 - 7
    key_chars="/@",  # the rbd CLI reads pool/namespace/image@snapshot specs
)

BUSY_RETRY_SECONDS = 5.0
"""How long delete retries an image another client (or thread) holds open."""
_BUSY = native("ImageBusy")
_HAS_SNAPSHOTS = native("ImageHasSnapshots")

METADATA_RESERVED_PREFIX = "conf_"
"""librbd treats metadata keys ``conf_*`` as per-image config overrides."""
BINARY_MARKER = "objstore-b64:"
"""librbd metadata values are C strings: a value that is empty, not NUL-free UTF-8, or
starts with this marker is stored base64-encoded behind the marker."""


def encode_value(value: bytes) -> str:
    """Metadata value as librbd can store it, round-tripping every byte string.

    Empty values are encoded too: python-rbd's ``metadata_list`` skips empty values.
    """
    if not value:
        return BINARY_MARKER
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text or text.startswith(BINARY_MARKER):
        return BINARY_MARKER + base64.b64encode(value).decode("ascii")
    return text


def decode_value(text: str) -> bytes:
    """Inverse of :func:`encode_value`."""
    if text.startswith(BINARY_MARKER):
        try:
            return base64.b64decode(text[len(BINARY_MARKER) :], validate=True)
        except binascii.Error:
            pass  # written by another tool that happened to use the marker: raw text
    return text.encode("utf-8")


def _bytes(data: Buffer) -> bytes:
    return data if type(data) is bytes else bytes(data)


class RbdBackend(Backend):
    """Objects as RBD images in one pool (optionally an rbd namespace)."""

    name = "rbd"
    capabilities = CAPABILITIES

    def __init__(self, **options: Any) -> None:
        self.config = RbdConfig.from_mapping(options)
        load_rados()
        with ERRORS.mapped("open"):
            import rbd
        self._mod = rbd
        self._rbd = rbd.RBD()
        self._cluster, self._ioctx = connect(self.config, self.name)
        # Size changes are read-modify-write (size, resize, write); within one store they
        # are serialised so concurrent writers never shrink each other's data.
        self._size_lock = threading.Lock()

    # -- helpers ----------------------------------------------------------------------

    @contextmanager
    def _image(
        self, key: str, op: str, *, read_only: bool = False, snapshot: str | None = None
    ) -> Iterator[Any]:
        """An open image, closed on exit; errors inside are mapped for ``op``."""
        with ERRORS.mapped(op, key):
            image = self._mod.Image(self._ioctx, key, snapshot=snapshot, read_only=read_only)
            try:
                yield image
            finally:
                image.close()

    def _open_rw(self, key: str) -> Any:
        """Open image ``key`` for writing, creating an empty one when it is missing."""
        try:
            with ERRORS.mapped("put", key):
                return self._mod.Image(self._ioctx, key)
        except NotFound:
            pass
        try:
            with ERRORS.mapped("put", key):
                self._rbd.create(self._ioctx, key, 0)
        except AlreadyExists:
            pass  # another writer created it between our open and our create
        with ERRORS.mapped("put", key):
            return self._mod.Image(self._ioctx, key)

    # -- the spec -----------------------------------------------------------------------

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        payload = _bytes(data)
        if mode is WriteMode.CREATE:
            with ERRORS.mapped("put", key):
                self._rbd.create(self._ioctx, key, len(payload))
            if payload:
                with self._image(key, "put") as image:
                    image.write(payload, 0)
            return
        with self._size_lock:
            image = self._open_rw(key)
            try:
                with ERRORS.mapped("put", key):
                    size = image.size()
                    if mode is WriteMode.WRITE_FULL:
                        position = 0
                        if size != len(payload):
                            image.resize(len(payload))
                    else:
                        position = size if mode is WriteMode.APPEND else offset
                        end = position + len(payload)
                        # An empty write never extends (the spec's model).
                        if payload and end > size:
                            image.resize(end)
                    if payload:
                        image.write(payload, position)
            finally:
                image.close()

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self._read(key, offset, length, None, "get")

    def _read(
        self, key: str, offset: int, length: int | None, snapshot: str | None, op: str
    ) -> bytes:
        with self._image(key, op, read_only=True, snapshot=snapshot) as image:
            size = image.size()
            available = max(0, size - offset)
            count = available if length is None else min(length, available)
            if count == 0:
                # librbd refuses reads that start past the end (EINVAL).
                return b""
            data: bytes = image.read(offset, count)
            return data

    def delete(self, key: str) -> None:
        # RBD.remove refuses an image that has snapshots (the object goes with them: purge
        # and retry) or that a client has open (EBUSY; our own short-lived opens from other
        # threads, e.g. a concurrent delete, close within milliseconds: retry briefly).
        # Within one store deletes are serialised: concurrent librbd removes of one image
        # each open it and see each other as watchers (EBUSY), a livelock.
        with self._size_lock:
            self._delete(key)

    def _delete(self, key: str) -> None:
        deadline = time.monotonic() + BUSY_RETRY_SECONDS
        while True:
            try:
                with ERRORS.mapped("delete", key):
                    self._rbd.remove(self._ioctx, key)
                return
            except ObjstoreError as exc:
                cause = exc.__cause__ or exc
                if _HAS_SNAPSHOTS(cause):
                    self._purge_snapshots(key)
                elif _BUSY(cause) and time.monotonic() < deadline:
                    time.sleep(0.05)
                else:
                    raise

    def _purge_snapshots(self, key: str) -> None:
        with self._image(key, "delete") as image:
            for snap in builtins.list(image.list_snaps()):
                if image.is_protected_snap(snap["name"]):
                    image.unprotect_snap(snap["name"])
                image.remove_snap(snap["name"])

    def list(self, prefix: str) -> Iterator[str]:
        # rbd list reads the pool's rbd directory: missing caps raise, never an empty list.
        with ERRORS.mapped("list"):
            names: builtins.list[str] = self._rbd.list(self._ioctx)
        return (name for name in names if name.startswith(prefix))

    def stat(self, key: str) -> ObjectStat:
        with self._image(key, "stat", read_only=True) as image:
            size = image.size()
            # modify_timestamp() is a naive *local* datetime in python-rbd 16.2, so
            # .timestamp() (which assumes local time) gives the right epoch. librbd
            # updates it at most every rbd_mtime_update_interval (60 s).
            mtime = image.modify_timestamp().timestamp()
        return ObjectStat(key=key, size=size, mtime=mtime)

    # -- metadata -----------------------------------------------------------------------

    def _check_name(self, key: str, name: str, op: str) -> None:
        if name.startswith(METADATA_RESERVED_PREFIX):
            raise InvalidArgument(
                f"attribute names starting with {METADATA_RESERVED_PREFIX!r} are rbd image "
                "config overrides",
                backend=self.name,
                op=op,
                key=key,
            )

    def get_xattr(self, key: str, name: str) -> bytes:
        self._check_name(key, name, "get_xattr")
        with self._image(key, "get_xattr", read_only=True) as image:
            return decode_value(image.metadata_get(name))

    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        self._check_name(key, name, "set_xattr")
        with self._image(key, "set_xattr") as image:
            image.metadata_set(name, encode_value(value))

    def list_xattrs(self, key: str) -> builtins.list[str]:
        with self._image(key, "list_xattrs", read_only=True) as image:
            return [
                name
                for name, _value in image.metadata_list()
                if not name.startswith(METADATA_RESERVED_PREFIX)
            ]

    def remove_xattr(self, key: str, name: str) -> None:
        self._check_name(key, name, "remove_xattr")
        with self._image(key, "remove_xattr") as image:
            image.metadata_remove(name)

    # -- snapshots (capability ``snapshots``) ---------------------------------------------

    def create_snapshot(self, key: str, snapshot: str) -> None:
        """Snapshot image ``key`` as ``snapshot``; AlreadyExists if that name is taken."""
        with self._image(key, "create_snapshot") as image:
            image.create_snap(snapshot)

    def list_snapshots(self, key: str) -> builtins.list[str]:
        """Names of the snapshots of image ``key``, oldest first."""
        with self._image(key, "list_snapshots", read_only=True) as image:
            return [snap["name"] for snap in image.list_snaps()]

    def read_snapshot(
        self, key: str, snapshot: str, offset: int = 0, length: int | None = None
    ) -> bytes:
        """Bytes of ``key`` as they were at ``snapshot`` (clipped to its size then)."""
        if offset < 0 or (length is not None and length < 0):
            raise InvalidArgument(
                "offset and length must not be negative",
                backend=self.name,
                op="read_snapshot",
                key=key,
            )
        return self._read(key, offset, length, snapshot, "read_snapshot")

    def remove_snapshot(self, key: str, snapshot: str) -> None:
        """Delete one snapshot of ``key``; NotFound when it does not exist."""
        with self._image(key, "remove_snapshot") as image:
            if snapshot not in {snap["name"] for snap in image.list_snaps()}:
                raise NotFound(
                    f"snapshot {snapshot!r} does not exist",
                    backend=self.name,
                    op="remove_snapshot",
                    key=key,
                )
            image.remove_snap(snapshot)

    # -- identity and lifetime ----------------------------------------------------------

    def describe(self) -> dict[str, str]:
        version = self._cluster.version()
        major, minor, extra = self._rbd.version()
        return {
            "librados": f"{version.major}.{version.minor}.{version.extra}",
            "librbd": f"{major}.{minor}.{extra}",
            "fsid": str(self._cluster.get_fsid()),
            "pool": self.config.pool,
            "namespace": self.config.namespace,
            "user": self.config.entity,
        }

    def close(self) -> None:
        self._ioctx.close()
        self._cluster.shutdown()


__all__ = ["CAPABILITIES", "INSTALL_HINT", "RbdBackend"]
