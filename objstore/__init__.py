"""objstore: one API, one conformance suite and one benchmark for object stores.

>>> import objstore
>>> with objstore.open("memory") as store:
...     store.put("k", b"\\x00binary\\x00")
...     assert store.get("k") == b"\\x00binary\\x00"
"""

from objstore._open import open
from objstore.config import Secret, load_config
from objstore.errors import (
    AlreadyExists,
    BackendError,
    ConfigError,
    InvalidArgument,
    NotFound,
    ObjstoreError,
    PermissionDenied,
    Timeout,
    Unavailable,
    Unsupported,
)
from objstore.hookspecs import hookimpl
from objstore.registry import BackendRegistry, get_registry
from objstore.spec import Backend, Capabilities, ObjectStat, WriteMode
from objstore.store import Store

__version__ = "0.1.0"

__all__ = [
    "AlreadyExists",
    "Backend",
    "BackendError",
    "BackendRegistry",
    "Capabilities",
    "ConfigError",
    "InvalidArgument",
    "NotFound",
    "ObjectStat",
    "ObjstoreError",
    "PermissionDenied",
    "Secret",
    "Store",
    "Timeout",
    "Unavailable",
    "Unsupported",
    "WriteMode",
    "get_registry",
    "hookimpl",
    "load_config",
    "open",
]
