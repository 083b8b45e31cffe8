"""Backend discovery through pluggy entry points.

Built-in backends (memory, posix, rados, ...) are listed in objstore's own ``objstore``
entry-point group, exactly as a third-party package lists its own. Two environment
variables make runs deterministic:

* ``OBJSTORE_PLUGINS``: comma-separated allow-list of entry-point names; only these load.
* ``OBJSTORE_DISABLE_PLUGINS``: comma-separated block-list.
"""

from __future__ import annotations

import importlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pluggy

from objstore import hookspecs
from objstore.errors import ConfigError, Unavailable
from objstore.spec import Backend, Capabilities

ENTRY_POINT_GROUP = "objstore"

Probe = Callable[[], str | None]
"""Returns ``None`` when the backend can be used here, else the reason it cannot."""


@dataclass(frozen=True)
class BackendInfo:
    """One registered backend."""

    name: str
    factory: str | Callable[..., Backend]
    """``"module:Class"`` (imported on first open) or a callable taking the options as keywords."""
    plugin: str
    description: str = ""
    probe: Probe | None = None
    install_hint: str = ""
    capabilities: Capabilities | None = None
    """Static capabilities, shown by ``objstore backends`` without opening anything."""
    url_options: Callable[[Any], dict[str, Any]] | None = None
    """Turns a parsed URL (``urllib.parse.SplitResult``) into options, for ``NAME://...``."""
    option_names: tuple[str, ...] = ()
    """Options the backend accepts, for docs and ``--help``."""

    def unavailable_reason(self) -> str | None:
        """Why this backend cannot be used here, or None when it can."""
        if self.probe is None:
            return None
        try:
            return self.probe()
        except Exception as exc:  # a broken probe must not break `objstore backends`
            return f"availability probe failed: {type(exc).__name__}: {exc}"

    def load_factory(self) -> Callable[..., Backend]:
        if callable(self.factory):
            return self.factory
        module_name, _, attr = self.factory.partition(":")
        try:
            module = importlib.import_module(module_name)
            factory: Callable[..., Backend] = getattr(module, attr)
        except Exception as exc:
            hint = f" ({self.install_hint})" if self.install_hint else ""
            raise Unavailable(
                f"cannot load backend {self.name!r} from {self.factory}: {exc}{hint}",
                backend=self.name,
                op="open",
            ) from exc
        return factory


class BackendRegistry:
    """The backends known to this process. Plugins call :meth:`add`."""

    def __init__(self) -> None:
        self._backends: dict[str, BackendInfo] = {}
        self._current_plugin = "<direct>"

    def add(
        self,
        name: str,
        factory: str | Callable[..., Backend],
        *,
        description: str = "",
        probe: Probe | None = None,
        install_hint: str = "",
        capabilities: Capabilities | None = None,
        url_options: Callable[[Any], dict[str, Any]] | None = None,
        option_names: tuple[str, ...] = (),
    ) -> BackendInfo:
        """Register a backend under ``name``. A name may be taken only once."""
        if not name.isidentifier():
            raise ConfigError(f"backend name {name!r} must be an identifier")
        if name in self._backends:
            other = self._backends[name].plugin
            raise ConfigError(
                f"backend {name!r} registered twice: by {other!r} and by {self._current_plugin!r}"
            )
        info = BackendInfo(
            name=name,
            factory=factory,
            plugin=self._current_plugin,
            description=description,
            probe=probe,
            install_hint=install_hint,
            capabilities=capabilities,
            url_options=url_options,
            option_names=option_names,
        )
        self._backends[name] = info
        return info

    def get(self, name: str) -> BackendInfo:
        try:
            return self._backends[name]
        except KeyError:
            known = ", ".join(sorted(self._backends)) or "none"
            raise ConfigError(f"unknown backend {name!r}; known backends: {known}") from None

    def names(self) -> list[str]:
        return list(self._backends)

    def __iter__(self) -> Iterator[BackendInfo]:
        return iter(self._backends.values())

    def __contains__(self, name: object) -> bool:
        return name in self._backends


def _env_list(name: str) -> set[str] | None:
    raw = os.environ.get(name)
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def make_plugin_manager() -> pluggy.PluginManager:
    """A plugin manager with objstore's hookspecs and the entry points the environment allows."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    allowed = _env_list("OBJSTORE_PLUGINS")
    for name in _env_list("OBJSTORE_DISABLE_PLUGINS") or ():
        pm.set_blocked(name)
    from importlib.metadata import entry_points

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if allowed is not None and ep.name not in allowed:
            continue
        if pm.is_blocked(ep.name):
            continue
        if pm.get_plugin(ep.name) is not None:
            # pluggy would silently skip a second entry point of the same name; a clash
            # between two distributions must be loud.
            raise ConfigError(f"two plugins claim the entry-point name {ep.name!r}")
        try:
            plugin = ep.load()
        except Exception as exc:
            raise ConfigError(f"plugin {ep.name!r} ({ep.value}) failed to import: {exc}") from exc
        pm.register(plugin, name=ep.name)
    pm.check_pending()
    return pm


def build_registry(pm: pluggy.PluginManager) -> BackendRegistry:
    """Ask every plugin to register its backends."""
    registry = BackendRegistry()
    for impl in reversed(pm.hook.objstore_register_backends.get_hookimpls()):
        registry._current_plugin = impl.plugin_name
        impl.function(registry=registry)
    registry._current_plugin = "<direct>"
    return registry


_lock = threading.Lock()
_registry: BackendRegistry | None = None


def get_registry() -> BackendRegistry:
    """The process-wide registry, loaded on first use."""
    global _registry
    with _lock:
        if _registry is None:
            _registry = build_registry(make_plugin_manager())
        return _registry


def reset_registry() -> None:
    """Forget the loaded registry (tests change OBJSTORE_PLUGINS and reload)."""
    global _registry
    with _lock:
        _registry = None
