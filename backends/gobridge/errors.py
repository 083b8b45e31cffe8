"""The one place where gobridge's native errors become objstore's taxonomy.

Every ``gb_*`` call returns 0 or a negative errno (librados' own codes pass through go-ceph
unchanged); :mod:`backends.gobridge._native` raises :class:`GoBridgeError` for it, and
:data:`ERRORS` maps that onto the taxonomy. The shared errno table
(:data:`objstore.errors.ERRNO_CLASSES`) covers librados' codes; the rules below add what
only the bridge produces.
"""

from __future__ import annotations

import errno
from collections.abc import Callable

from objstore.errors import BackendError, ErrorTable, InvalidArgument, Matcher, ObjstoreError

NAME = "gobridge"

PANIC = errno.ENOTRECOVERABLE
"""A Go panic recovered inside an export (a bridge bug, never a librados code)."""


class GoBridgeError(Exception):
    """A failed ``gb_*`` call: positive ``errno`` and the message the bridge wrote."""

    def __init__(self, code: int, message: str, function: str = "") -> None:
        self.errno = abs(code)
        self.function = function
        name = errno.errorcode.get(self.errno, str(self.errno))
        text = message or f"{function} failed"
        super().__init__(f"{text} [{function}: {name}]" if function else f"{text} [{name}]")


def _has_code(*codes: int) -> Callable[[BaseException], bool]:
    def match(exc: BaseException) -> bool:
        return isinstance(exc, GoBridgeError) and exc.errno in codes

    return match


RULES: list[tuple[Matcher, type[ObjstoreError]]] = [
    # An unknown, zero or closed handle: the caller used a store after closing it.
    (_has_code(errno.EBADF), InvalidArgument),
    (_has_code(PANIC), BackendError),
]

ERRORS = ErrorTable(backend=NAME, rules=RULES)
"""Applied with ``ERRORS.mapped(op, key)`` around every native call."""
