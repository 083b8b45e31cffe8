"""Every objstore hook, in one module. All are named ``objstore_*``.

A plugin is a module (or object) listed under the ``objstore`` entry-point group that
implements one or more of these hooks with :data:`hookimpl`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from objstore.registry import BackendRegistry

PROJECT = "objstore"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def objstore_register_backends(registry: BackendRegistry) -> None:
    """Register backend factories.

    Called once, when the registry first loads plugins (at the first
    :func:`objstore.open`, ``objstore backends`` and so on).

    :param registry: call :meth:`BackendRegistry.add` once per backend the plugin
        provides. Registration must stay cheap: do not import native libraries here;
        give the factory as a ``"module:Class"`` string and an availability probe.
    :return: nothing; the registry collects what was added.

    .. versionadded:: 0.1
    """
