"""TEST DOUBLE of pydaos (the DAOS Python API) for machines without DAOS.

This is not DAOS and stores nothing durably: every pool and container lives in this
process's memory and vanishes with it. It exists so the ``daos`` backend can be tested
where DAOS cannot be installed (not in Debian, not on PyPI). Anything it reports
(``__objstore_test_double__``) must be shown as a test double, never as DAOS.

It reproduces the observable behaviour of ``pydaos`` as read from daos-stack/daos
(``src/client/pydaos/__init__.py``, ``pydaos_core.py``, ``pydaos_shim.c``), written anew:

* ``DCont(pool=None, cont=None, path=None, open_mode='RW')``: pool and container by
  label or UUID string. Missing pool or container -> ``PyDError`` with DER_INVAL when
  neither (pool, cont) nor path is given, DER_NONEXIST when they do not exist, DER_INVAL
  when the container's layout is not PYTHON, DER_NO_PERM when the ACL refuses the mode;
  ``open_mode`` other than 'RO'/'RW' -> ``InvalidModeError`` (a ValueError), checked
  after the missing-argument check, as upstream.
* ``DCont.get(name)`` / ``cont[name]`` -> ``DDict``, or ``DObjNotFound`` (not a PyDError)
  for a missing name; ``dict(name, v=None, cid="0")`` creates with a conditional insert
  in the root KV (DER_EXIST when the name is taken); an unknown ``cid`` is a KeyError
  (``ObjClassID[cid]``); ``destroy(name)`` removes it (DER_NONEXIST when missing).
  ``array()`` inserts the name, then ``DArray`` raises NotImplementedError, as upstream.
* ``DDict``: ``get`` -> bytes or ``KeyError``; ``put``/``bput`` with a value of ``None``,
  ``""`` or ``b""`` REMOVES the key (the shim calls ``daos_kv_remove`` for size 0), and
  removing a missing key is not an error (so ``del d[k]`` never raises); ``bget`` sets
  a missing key's value to ``None``; values must be ``str`` (stored UTF-8) or ``bytes``
  (a bytearray or memoryview is a TypeError, as ``PyBytes_AsStringAndSize``); ``pop``
  returns nothing; iteration yields ``str`` keys in hash order, in batches behind an
  anchor; ``len``, ``bool``, ``in``, ``==``, ``dump``.
* Keys are C strings: ``bytes`` keys are cut at the first NUL (``PyBytes_AsString``);
  ``str`` keys are cut at the first NUL before CPython 3.13 and refused with ValueError
  from 3.13 on (``PyUnicode_AsUTF8`` changed); lone surrogates raise UnicodeEncodeError.
* ``PyDError(message, rc)``: ``.error`` is a ``DaosErrorCode`` (``.err`` the negative
  rc, ``.name`` such as ``DER_NONEXIST``, ``.message``), ``.message`` is
  ``"<message>: DAOS error code <rc> (<name>): \"<text>\""``, no ``errno``. The codes
  and texts below are DAOS's (``src/include/daos_errno.h``); object-class values are not.
* A read-only container handle refuses every update with DER_NO_PERM.
* Threads: the real shim holds the GIL for the whole of each call (it never calls
  ``Py_BEGIN_ALLOW_THREADS``), so two threads' calls never overlap; the double
  serialises each call on one lock to match. Across processes real DAOS makes each key
  update atomic, not a whole ``bput``; a single-process double cannot show that, so
  callers must not rely on ``bput`` being atomic.

Double-only helpers (the ``dmg``/``daos`` command-line tools' job on a real system):
``create_pool``, ``create_container``, ``destroy_container``, ``set_access``,
``link_path``, ``inject_error``, ``snapshot`` and ``reset``. A pool and container both
labelled ``objstore-test`` exist from import on, as ``objstore.testing.targets`` expects.
"""

from __future__ import annotations

import enum
import hashlib
import sys
import threading
import types
import uuid as uuid_mod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__objstore_test_double__ = True
"""Marks this module as a test double; the daos backend reports it as such."""

DAOS_MAGIC = 0x7A8A

# (name, text) in declaration order; the numbers are base + position + 1 (daos_errno.h).
_GURT_BASE = 1000
_GURT_ERRORS: tuple[tuple[str, str], ...] = (
    ("DER_NO_PERM", "Operation not permitted"),
    ("DER_NO_HDL", "Invalid handle"),
    ("DER_INVAL", "Invalid parameters"),
    ("DER_EXIST", "Entity already exists"),
    ("DER_NONEXIST", "The specified entity does not exist"),
    ("DER_UNREACH", "Unreachable node"),
    ("DER_NOSPACE", "No space on storage target"),
    ("DER_ALREADY", "Operation already performed"),
    ("DER_NOMEM", "Out of memory"),
    ("DER_NOSYS", "Function not implemented"),
    ("DER_TIMEDOUT", "Time out"),
    ("DER_BUSY", "Device or resource busy"),
    ("DER_AGAIN", "Try again"),
    ("DER_PROTO", "Incompatible protocol"),
    ("DER_UNINIT", "Device or resource not initialized"),
    ("DER_TRUNC", "Buffer too short"),
    ("DER_OVERFLOW", "Data too long for defined data type or buffer size"),
    ("DER_CANCELED", "Operation canceled"),
    ("DER_OOG", "Out of group or member list"),
    ("DER_HG", "Transport layer mercury error"),
    ("DER_UNREG", "RPC or protocol version not registered"),
    ("DER_ADDRSTR_GEN", "Failed to generate an address string"),
    ("DER_PMIX", "PMIx layer error"),
    ("DER_IVCB_FORWARD", "Incast variable unavailable locally. Must forward"),
    ("DER_MISC", "Miscellaneous error"),
    ("DER_BADPATH", "Bad path name"),
    ("DER_NOTDIR", "Not a directory"),
    ("DER_CORPC_INCOMPLETE", "Collective RPC failed"),
    ("DER_NO_RAS_RANK", "No rank is subscribed to RAS"),
    ("DER_NOTATTACH", "Service group not attached"),
    ("DER_MISMATCH", "Version mismatch"),
    ("DER_EXCLUDED", "Rank has been excluded"),
    ("DER_NOREPLY", "User provided RPC handler did not send reply back"),
    ("DER_DOS", "Denial of service"),
    ("DER_BAD_TARGET", "Incorrect target for the RPC"),
    ("DER_GRPVER", "Group versioning mismatch"),
    ("DER_HLC_SYNC", "HLC synchronization error"),
    ("DER_NO_SHMEM", "Not enough shared memory free"),
    ("DER_ADD_METRIC_FAILED", "Failed to add the specified metric"),
    ("DER_DURATION_MISMATCH", "Duration end not paired with duration start"),
    ("DER_OP_NOT_PERMITTED", "Operation not permitted for metric type provided"),
    ("DER_EXCEEDS_PATH_LEN", "Path name exceeds permitted length"),
    ("DER_METRIC_NOT_FOUND", "Read failed because metric not found"),
    (
        "DER_SHMEM_PERMS",
        "Unable to access shared memory segment due to incompatible user or group permissions",
    ),
    ("DER_HG_FATAL", "Fatal transport layer mercury error"),
    ("DER_QUOTA_LIMIT", "Quota limit reached"),
)
_DAOS_BASE = 2000
_DAOS_ERRORS: tuple[tuple[str, str], ...] = (
    ("DER_IO", "I / O error"),
    ("DER_FREE_MEM", "Memory free error"),
    ("DER_ENOENT", "Entity not found"),
    ("DER_NOTYPE", "Unknown object type"),
    ("DER_NOSCHEMA", "Unknown object schema"),
    ("DER_NOLOCAL", "Object is not local"),
    ("DER_STALE", "Stale pool map version"),
    ("DER_NOTLEADER", "Not service leader"),
    ("DER_TGT_CREATE", "Target create error"),
    ("DER_EP_RO", "Epoch is read only"),
    ("DER_EP_OLD", "Epoch is too old. All data have been recycled"),
    ("DER_KEY2BIG", "Key is too large"),
    ("DER_REC2BIG", "Record is too large"),
    ("DER_IO_INVAL", "I / O buffers do not match object extents"),
    ("DER_EQ_BUSY", "Event queue is busy"),
    ("DER_DOMAIN", "Domain of cluster component do not match"),
    ("DER_SHUTDOWN", "Service should shut down"),
    ("DER_INPROGRESS", "Operation now in progress"),
    ("DER_NOTAPPLICABLE", "Not applicable"),
    ("DER_NOTREPLICA", "Not a service replica"),
    ("DER_CSUM", "Checksum error"),
    ("DER_DF_INVAL", "Unsupported durable format"),
    ("DER_DF_INCOMPT", "Incompatible durable format version"),
    ("DER_REC_SIZE", "Record size error"),
    ("DER_TX_RESTART", "Transaction should restart"),
    ("DER_DATA_LOSS", "Data lost or not recoverable"),
    ("DER_OP_CANCELED", "Operation canceled"),
    ("DER_TX_BUSY", "TX is not committed"),
    ("DER_AGENT_INCOMPAT", "Agent is incompatible with libdaos"),
    ("DER_NEED_TX", "To be handled via distributed transaction"),
    ("DER_RF", "Failures exceed RF"),
    ("DER_FETCH_AGAIN", "Fetch again"),
    ("DER_TX_UNCERTAIN", "TX status is uncertain"),
    ("DER_AGENT_COMM", "Agent communication error"),
    ("DER_ID_MISMATCH", "ID mismatch"),
    ("DER_TGT_RETRY", "Retry with other target"),
    ("DER_NOTSUPPORTED", "Operation not supported"),
    ("DER_CONTROL_INCOMPAT", "One or more control plane components are incompatible"),
    ("DER_NO_SERVICE", "No service available"),
    ("DER_TX_ID_REUSED", "TX ID may be reused"),
    ("DER_UPDATE_AGAIN", "update again"),
    ("DER_NVME_IO", "NVMe I / O error"),
    ("DER_NO_CERT", "Unable to access one or more certificates"),
    ("DER_BAD_CERT", "Invalid x509 certificate"),
    ("DER_VOS_PARTIAL_UPDATE", "Same epoch partial overwrite of VOS array value disallowed"),
    ("DER_CHKPT_BUSY", "Page is temporarily read only due to checkpointing"),
    ("DER_DIV_BY_ZERO", "Division by zero"),
    ("DER_OVERLOAD_RETRY", "retry later because of overloaded service"),
    ("DER_NOT_RESUME", "Cannot resume former DAOS check instance"),
    ("DER_CONT_NONEXIST", "The specified container does not exist"),
    ("DER_CONT_DESTROYING", "The specified container is being destroyed"),
    ("DER_IGNORE", "current item for iteration or something else should be ignored"),
)


PYDAOS_DICT = 0
PYDAOS_ARRAY = 1


def _build_shim() -> types.ModuleType:
    """A stand-in for the compiled ``pydaos.pydaos_shim``: constants and the error table."""
    shim = types.ModuleType("pydaos_shim", "TEST DOUBLE of pydaos_shim: constants only.")
    errors: dict[int, tuple[str, str]] = {}
    for base, table in ((_GURT_BASE, _GURT_ERRORS), (_DAOS_BASE, _DAOS_ERRORS)):
        for position, (name, text) in enumerate(table, start=1):
            setattr(shim, name, base + position)
            errors[base + position] = (name, text)
    shim.__dict__.update(
        DER_SUCCESS=0,
        DER_UNKNOWN=_GURT_BASE + 500000,
        _errors=errors,
        PYDAOS_DICT=PYDAOS_DICT,
        PYDAOS_ARRAY=PYDAOS_ARRAY,
    )
    # The object-class names the shim exports (oc_define); the values are the double's own.
    names = ["OC_RP_XSF"]
    for prot in ("", "RP_", "RP_SF_", "EC_"):
        names += [f"OC_{prot}{size}" for size in ("TINY", "SMALL", "LARGE", "MAX")]
    for group in (
        "S",
        "RP_2G",
        "RP_3G",
        "RP_4G",
        "RP_5G",
        "RP_6G",
        "EC_2P1G",
        "EC_2P2G",
        "EC_4P1G",
        "EC_4P2G",
        "EC_4P3G",
        "EC_8P1G",
        "EC_8P2G",
        "EC_8P3G",
        "EC_16P1G",
        "EC_16P2G",
        "EC_16P3G",
    ):
        names += [f"OC_{group}{n}" for n in ("1", "2", "4", "8", "16", "32", "X")]
    for value, name in enumerate(dict.fromkeys(names), start=1):
        setattr(shim, name, value)
    return shim


pydaos_shim = _build_shim()

ObjClassID = enum.Enum(  # type: ignore[misc]
    "ObjClassID",
    {key: value for key, value in vars(pydaos_shim).items() if key.startswith("OC_")},
)
"""The object classes by name, as ``pydaos.ObjClassID``."""


def _der(name: str) -> int:
    value: int = getattr(pydaos_shim, name)
    return value


class DaosErrorCode:
    """A DAOS return code with its name and text (not an exception)."""

    def __init__(self, err_num: int) -> None:
        self.err = err_num
        known = pydaos_shim._errors.get(-err_num)
        if known is None:
            self.name = "DER_UNKNOWN"
            self.message = f"Unknown error code {err_num}"
        else:
            self.name, self.message = known

    def __str__(self) -> str:
        return f'DAOS error code {self.err} ({self.name}): "{self.message}"'


class PyDError(Exception):
    """PyDAOS exception when an operation cannot be completed."""

    def __init__(self, message: str, rc: int) -> None:
        # Like upstream: Exception.__init__ is not called, so args stay empty.
        self.error = DaosErrorCode(rc)
        self.message = f"{message}: {self.error}"

    def __str__(self) -> str:
        return self.message


class InvalidModeError(ValueError):
    """Raised by DCont() when open_mode is not valid."""


class DObjNotFound(Exception):
    """Raised by DCont.get when no object has that name."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(name)

    def __str__(self) -> str:
        return f"Failed to open '{self.name}'"


class DaosClient:
    """The process-wide DAOS client (daos_init once); a singleton, as upstream."""

    _instance: DaosClient | None = None
    connected = False

    def __new__(cls) -> DaosClient:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
            cls._instance.connected = True
        return cls._instance

    @classmethod
    def cleanup(cls) -> None:
        cls._instance = None


# -- the simulated cluster -------------------------------------------------------------


@dataclass
class _Object:
    otype: int
    cid: int
    kv: dict[bytes, bytes] = field(default_factory=dict)


@dataclass
class _Container:
    label: str
    uuid: str
    layout: str = "PYTHON"
    readable: bool = True
    writable: bool = True
    root: dict[bytes, _Object] = field(default_factory=dict)


@dataclass
class _Pool:
    label: str
    uuid: str
    containers: dict[str, _Container] = field(default_factory=dict)


_LOCK = threading.RLock()
"""Held for the whole of every shim-level call: the real shim never releases the GIL."""
_POOLS: dict[str, _Pool] = {}
_PATHS: dict[str, tuple[str, str]] = {}
_FAULTS: dict[str, list[int]] = {}

DEFAULT_POOL = "objstore-test"
DEFAULT_CONTAINER = "objstore-test"


def _find_pool(pool: str) -> _Pool | None:
    for candidate in _POOLS.values():
        if pool in (candidate.label, candidate.uuid):
            return candidate
    return None


def _find_container(pool: _Pool, cont: str) -> _Container | None:
    for candidate in pool.containers.values():
        if cont in (candidate.label, candidate.uuid):
            return candidate
    return None


def create_pool(label: str, uuid: str | None = None) -> str:
    """Create a pool (``dmg pool create``); return its UUID. DER_EXIST if the label is taken."""
    with _LOCK:
        if _find_pool(label) is not None:
            raise PyDError("failed to create pool", -_der("DER_EXIST"))
        pool = _Pool(label, uuid or str(uuid_mod.uuid4()))
        _POOLS[pool.uuid] = pool
        return pool.uuid


def create_container(
    pool: str, label: str, *, layout: str = "PYTHON", uuid: str | None = None
) -> str:
    """Create a container (``daos cont create --type PYTHON``); return its UUID."""
    with _LOCK:
        found = _find_pool(pool)
        if found is None:
            raise PyDError("failed to create container", -_der("DER_NONEXIST"))
        if _find_container(found, label) is not None:
            raise PyDError("failed to create container", -_der("DER_EXIST"))
        cont = _Container(label, uuid or str(uuid_mod.uuid4()), layout=layout)
        found.containers[cont.uuid] = cont
        return cont.uuid


def destroy_container(pool: str, cont: str) -> None:
    """Destroy a container and everything in it."""
    with _LOCK:
        found = _find_pool(pool)
        target = _find_container(found, cont) if found else None
        if found is None or target is None:
            raise PyDError("failed to destroy container", -_der("DER_NONEXIST"))
        del found.containers[target.uuid]


def set_access(pool: str, cont: str, *, read: bool = True, write: bool = True) -> None:
    """Change the container ACL for this (only) user: open without the right -> DER_NO_PERM."""
    with _LOCK:
        target = _container_or_raise(pool, cont, "failed to set ACL")
        target.readable, target.writable = read, write


def link_path(path: str, pool: str, cont: str) -> None:
    """Make ``path`` resolve to the container, like ``daos cont create --path``."""
    with _LOCK:
        _PATHS[path] = (pool, cont)


def inject_error(op: str, rc: int, times: int = 1) -> None:
    """Make the next ``times`` shim calls named ``op`` fail with ``rc`` (negative DER code).

    ``op`` is one of the shim's entry points: cont_open, cont_get, cont_newobj,
    cont_destroyobj, kv_get, kv_put, kv_iter.
    """
    with _LOCK:
        _FAULTS.setdefault(op, []).extend([rc] * times)


def snapshot(
    pool: str = DEFAULT_POOL, cont: str = DEFAULT_CONTAINER
) -> dict[str, dict[str, bytes]]:
    """A copy of every dictionary in a container: {name: {key: value}} (for assertions)."""
    with _LOCK:
        target = _container_or_raise(pool, cont, "failed to snapshot")
        return {
            name.decode(): {k.decode("utf-8", "surrogateescape"): v for k, v in obj.kv.items()}
            for name, obj in target.root.items()
        }


def reset() -> None:
    """Forget every pool, container, path and fault; recreate ``objstore-test``."""
    with _LOCK:
        _POOLS.clear()
        _PATHS.clear()
        _FAULTS.clear()
        create_pool(DEFAULT_POOL)
        create_container(DEFAULT_POOL, DEFAULT_CONTAINER)


def _container_or_raise(pool: str, cont: str, what: str) -> _Container:
    found = _find_pool(pool)
    target = _find_container(found, cont) if found else None
    if target is None:
        raise PyDError(what, -_der("DER_NONEXIST"))
    return target


def _fault(op: str) -> int:
    pending = _FAULTS.get(op)
    return pending.pop(0) if pending else 0


def _c_string(value: object, what: str) -> bytes:
    """A Python str/bytes as the shim's ``char *``: cut at NUL, as the C API sees it."""
    if isinstance(value, str):
        raw = value.encode("utf-8")  # lone surrogates: UnicodeEncodeError, as PyUnicode_AsUTF8
        if b"\0" in raw and sys.version_info >= (3, 13):
            raise ValueError("embedded null character")
    elif isinstance(value, bytes):
        raw = value
    else:
        raise TypeError(f"expected bytes, {type(value).__name__} found")
    return raw.split(b"\0", 1)[0]


def _arg_str(value: object, position: int) -> str:
    """PyArg_ParseTuple "s": a str without NUL."""
    if not isinstance(value, str):
        raise TypeError(f"argument {position} must be str, not {type(value).__name__}")
    if "\0" in value:
        raise ValueError("embedded null character")
    return value


# -- the public pydaos API ------------------------------------------------------------------


def _get_object_id(cid: str) -> int:
    if cid == "0":
        return 0
    value: int = ObjClassID[cid].value  # an unknown class name is a KeyError, as upstream
    return value


class _Handle:
    """What cont_open returns: the container plus whether it was opened read-only."""

    def __init__(self, cont: _Container, read_only: bool) -> None:
        self.cont = cont
        self.read_only = read_only


class DCont:
    """A DAOS container of the PYTHON layout, by pool and container label/UUID or by path."""

    def __init__(
        self,
        pool: str | None = None,
        cont: str | None = None,
        path: str | None = None,
        open_mode: str = "RW",
    ) -> None:
        self._hdl: _Handle | None = None
        self._dc = DaosClient()
        if path is None and (pool is None or cont is None):
            raise PyDError("invalid pool or container UUID", -_der("DER_INVAL"))
        if open_mode == "RO":
            read_only = True
        elif open_mode == "RW":
            read_only = False
        else:
            raise InvalidModeError('open_mode is neither "RO" or "RW"')
        with _LOCK:
            if path is not None:
                self.pool: str | None = None
                self.cont: str | None = None
                resolved = _PATHS.get(_arg_str(path, 2))
                if resolved is None:
                    # duns_resolve_path reports a plain errno (ENOENT), not a DER code.
                    raise PyDError("failed to access container", 2)
                rc, hdl = self._open(*resolved, read_only)
            else:
                assert pool is not None and cont is not None
                self.pool, self.cont = pool, cont
                rc, hdl = self._open(_arg_str(pool, 2), _arg_str(cont, 3), read_only)
        if rc:
            raise PyDError("failed to access container", rc)
        self._hdl = hdl

    @staticmethod
    def _open(pool: str, cont: str, read_only: bool) -> tuple[int, _Handle | None]:
        rc = _fault("cont_open")
        if rc:
            return rc, None
        found = _find_pool(pool)
        if found is None:
            return -_der("DER_NONEXIST"), None
        target = _find_container(found, cont)
        if target is None:
            return -_der("DER_NONEXIST"), None
        if not target.readable or (not read_only and not target.writable):
            return -_der("DER_NO_PERM"), None
        if target.layout != "PYTHON":
            return -_der("DER_INVAL"), None
        return 0, _Handle(target, read_only)

    def _handle(self) -> _Handle:
        assert self._hdl is not None
        return self._hdl

    def get(self, name: str) -> DDict | DArray:
        """The object called ``name``; DObjNotFound when there is none."""
        hdl = self._handle()
        with _LOCK:
            key = _arg_str(name, 3).encode()
            rc = _fault("cont_get")
            obj = hdl.cont.root.get(key)
        if rc:
            raise PyDError("failed to look up name", rc)
        if obj is None:
            raise DObjNotFound(name)
        if obj.otype == PYDAOS_DICT:
            return DDict(name, hdl, obj, self)
        return DArray(name, hdl, obj, self)

    def __getitem__(self, name: str) -> DDict | DArray:
        return self.get(name)

    def _newobj(self, name: str, cid: str, otype: int, what: str) -> _Object:
        hdl = self._handle()
        class_id = _get_object_id(cid)
        with _LOCK:
            key = _arg_str(name, 3).encode()
            rc = _fault("cont_newobj")
            if not rc and hdl.read_only:
                rc = -_der("DER_NO_PERM")
            if not rc and key in hdl.cont.root:  # DAOS_COND_KEY_INSERT
                rc = -_der("DER_EXIST")
            if not rc:
                obj = hdl.cont.root[key] = _Object(otype, class_id)
        if rc:
            raise PyDError(what, rc)
        return obj

    def dict(self, name: str, v: dict[Any, Any] | None = None, cid: str = "0") -> DDict:
        """Create a new DDict called ``name`` (DER_EXIST if taken), then bput ``v``."""
        obj = self._newobj(name, cid, PYDAOS_DICT, "failed to create DAOS dict")
        dd = DDict(name, self._handle(), obj, self)
        dd.bput(v)
        return dd

    def array(self, name: str, v: list[Any] | None = None, cid: str = "0") -> DArray:
        """Create a DArray; like upstream, the name is taken and then NotImplementedError."""
        obj = self._newobj(name, cid, PYDAOS_ARRAY, "failed to create DAOS array")
        return DArray(name, self._handle(), obj, self)

    def destroy(self, name: str) -> None:
        """Remove ``name`` from the container and destroy the object."""
        hdl = self._handle()
        with _LOCK:
            key = _arg_str(name, 3).encode()
            rc = _fault("cont_destroyobj")
            obj = hdl.cont.root.get(key)
            if not rc and obj is None:
                rc = -_der("DER_NONEXIST")
            if not rc and obj is not None and obj.otype == PYDAOS_ARRAY:
                rc = -_der("DER_INVAL")
            if not rc and hdl.read_only:
                rc = -_der("DER_NO_PERM")
            if not rc and obj is not None:
                del hdl.cont.root[key]
                obj.kv.clear()
        if rc:
            raise PyDError("failed to destroy DAOS dict", rc)

    def __str__(self) -> str:
        return f"{self.pool}/{self.cont}"

    def __repr__(self) -> str:
        return f"daos://{self.pool}/{self.cont}"


class _DObj:
    def __init__(self, name: str, hdl: _Handle, obj: _Object, cont: DCont) -> None:
        self._dc = DaosClient()
        self.name = name
        self.cont = cont  # keeps the container open while objects are, as upstream
        self._hdl = hdl
        self._obj = obj
        self._open()

    def _open(self) -> None:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.name


class DDictIter:
    """Iterates a DDict's keys in batches behind an anchor, like ``kv_iter``."""

    def __init__(self, ddict: DDict) -> None:
        self._entries: list[str] = []
        self._nr = 256
        self._anchor: bytes | None = None
        self._done = False
        self._kv = ddict

    def __iter__(self) -> DDictIter:
        return self

    def __next__(self) -> str:
        if self._entries:
            return self._entries.pop()
        if self._done:
            raise StopIteration
        rc, batch, anchor = self._kv._iter_batch(self._nr, self._anchor)
        if rc:
            raise PyDError("failed to enumerate Dictionary", rc)
        self._entries.extend(batch)
        if len(batch) == self._nr:
            self._nr *= 2
        self._anchor = anchor
        if anchor is None:
            self._done = True
        if self._entries:
            return self._entries.pop()
        raise StopIteration


def _hash_order(key: bytes) -> bytes:
    # DAOS enumerates a hashed KV in dkey-hash order; any stable scrambled order will do.
    return hashlib.blake2b(key, digest_size=8).digest() + key


class DDict(_DObj):
    """A DAOS key-value object. Values come back as bytes; None or empty removes a key."""

    value_size = 1024 * 1024

    def _open(self) -> None:
        self.oh = id(self._obj)

    def get(self, key: str | bytes) -> bytes:
        """The value of ``key``; KeyError when it has none."""
        d: dict[str | bytes, bytes | None] = {key: None}
        self.bget(d)
        value = d[key]
        if value is None:
            raise KeyError(key)
        return value

    def __getitem__(self, key: str | bytes) -> bytes:
        return self.get(key)

    def put(self, key: str | bytes, val: str | bytes | None) -> None:
        """Insert or update; a value of None or empty removes the key."""
        self.bput({key: val})

    def __setitem__(self, key: str | bytes, val: str | bytes | None) -> None:
        self.put(key, val)

    def __delitem__(self, key: str | bytes) -> None:
        self.put(key, None)

    def pop(self, key: str | bytes) -> None:
        """Remove ``key`` (returns nothing, and a missing key is not an error)."""
        self.put(key, None)

    def bget(
        self, d: dict[Any, Any] | None, value_size: int | None = None
    ) -> dict[Any, Any] | None:
        """Fill every key of ``d`` with its value, or None when missing."""
        if d is None:
            return d
        if value_size is None:
            value_size = self.value_size
        if not isinstance(value_size, int):
            raise TypeError(
                f"'{type(value_size).__name__}' object cannot be interpreted as an integer"
            )
        if not isinstance(d, dict):
            raise TypeError(f"argument 3 must be dict, not {type(d).__name__}")
        with _LOCK:
            rc = _fault("kv_get")
            if rc:
                raise PyDError("failed to retrieve KV value", rc)
            if not self._hdl.cont.readable:
                raise PyDError("failed to retrieve KV value", -_der("DER_NO_PERM"))
            for key in list(d):
                d[key] = self._obj.kv.get(_c_string(key, "key"))
        return d

    def bput(self, d: dict[Any, Any] | None) -> None:
        """Put every pair of ``d``; None or empty values remove their keys."""
        if d is None:
            return
        if not isinstance(d, dict):
            raise TypeError(f"argument 3 must be dict, not {type(d).__name__}")
        with _LOCK:
            rc = _fault("kv_put")
            if not rc and self._hdl.read_only:
                rc = -_der("DER_NO_PERM")
            if rc:
                raise PyDError("failed to store KV value", rc)
            for key, value in d.items():
                if value is None:
                    raw = b""
                elif isinstance(value, str):
                    raw = value.encode("utf-8")
                elif isinstance(value, bytes):
                    raw = value
                else:
                    raise TypeError(f"expected bytes, {type(value).__name__} found")
                ckey = _c_string(key, "key")
                if raw:
                    self._obj.kv[ckey] = raw
                else:
                    self._obj.kv.pop(ckey, None)  # daos_kv_remove without a condition

    def _iter_batch(self, nr: int, anchor: bytes | None) -> tuple[int, list[str], bytes | None]:
        with _LOCK:
            rc = _fault("kv_iter")
            if rc:
                return rc, [], None
            ordered = sorted(_hash_order(k) for k in self._obj.kv)
        if anchor is not None:
            ordered = [h for h in ordered if h > anchor]
        batch = ordered[:nr]
        keys = [h[8:].decode("utf-8") for h in batch]
        next_anchor = batch[-1] if len(ordered) > nr else None
        return 0, keys, next_anchor

    def dump(self) -> dict[str, bytes | None]:
        """Every pair, fetched into a Python dict."""
        d: dict[str, bytes | None] = dict.fromkeys(self)
        self.bget(d)
        return d

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def __contains__(self, key: object) -> bool:
        try:
            self.get(key)  # type: ignore[arg-type]
        except KeyError:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping) or len(other) != len(self):
            return False
        try:
            return all(self[key] == other[key] for key in other)
        except KeyError:
            return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[str]:
        return DDictIter(self)

    def __repr__(self) -> str:
        return f"[{self.name}]"


class DArray(_DObj):
    """Not usable upstream either: opening one raises NotImplementedError."""

    def _open(self) -> None:
        raise NotImplementedError


def check(pool: str | None = None, cont: str | None = None, path: str | None = None) -> None:
    """The container checker: the double only validates the arguments and the container."""
    DaosClient()
    if path is None and (pool is None or cont is None):
        raise PyDError("invalid pool or container labels", -_der("DER_INVAL"))
    with _LOCK:
        if path is not None:
            resolved = _PATHS.get(path)
            if resolved is None:
                raise PyDError("failed to access container", 2)
            pool, cont = resolved
        assert pool is not None and cont is not None
        _container_or_raise(pool, cont, "failed to access container")


reset()
