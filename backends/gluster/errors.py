"""libgfapi reports errno values: the shared errno table applies, with two refinements.

* ``glfs_init`` failing with ENOENT means the *volume* does not exist (a config mistake),
  not a missing object, so it becomes :class:`~objstore.errors.ConfigError`.
* ENOTCONN/ECONNREFUSED/ETIMEDOUT come from the shared table: a stopped brick gives
  ENOTCONN at once (:class:`~objstore.errors.Unavailable`), a hung one after
  ``ping_timeout`` seconds.
"""

from __future__ import annotations

import errno

from backends.gluster._native import GlfsInitError
from objstore.errors import ConfigError, ErrorTable


def _volume_missing(exc: BaseException) -> bool:
    return isinstance(exc, GlfsInitError) and exc.errno == errno.ENOENT


ERRORS = ErrorTable(backend="gluster", rules=[(_volume_missing, ConfigError)])
