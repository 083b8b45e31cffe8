"""Mapping object keys onto file names, for backends that store objects as files.

Keys are flat: ``a/b`` is one object, not a file inside a directory ``a``, so that ``a``
and ``a/b`` can both exist as the spec requires. The encoding is a reversible,
minimal percent-encoding:

* ``%`` becomes ``%25`` and ``/`` becomes ``%2F``;
* a leading ``.`` becomes ``%2E``, so no key can be ``.``, ``..`` or a hidden name
  (the backends keep their temp files under names that start with ``.``);
* NUL never reaches this layer (the store refuses it).

Every other character, Unicode included, is kept, so names stay readable. Because a
file name is at most 255 bytes, a key may be at most 255 bytes *after* encoding:
``/`` and ``%`` cost three bytes each.
"""

from __future__ import annotations

from objstore.errors import InvalidArgument

NAME_MAX = 255


def encode_key(key: str) -> str:
    """The file name that stores ``key``."""
    name = key.replace("%", "%25").replace("/", "%2F")
    if name.startswith("."):
        name = "%2E" + name[1:]
    return name


def decode_key(name: str) -> str:
    """The key stored in file name ``name`` (the inverse of :func:`encode_key`)."""
    if name.startswith("%2E"):
        name = "." + name[3:]
    return name.replace("%2F", "/").replace("%25", "%")


def encoded_size(key: str) -> int:
    """Bytes the encoded name takes on disk."""
    return len(encode_key(key).encode("utf-8"))


def file_name(key: str, *, backend: str, op: str) -> str:
    """The encoded file name of ``key``; InvalidArgument when it exceeds ``NAME_MAX`` bytes."""
    name = encode_key(key)
    size = len(name.encode("utf-8"))
    if size > NAME_MAX:
        raise InvalidArgument(
            f"key is {size} bytes once encoded ('/' and '%' take 3); {backend} allows {NAME_MAX}",
            backend=backend,
            op=op,
            key=key,
        )
    return name
