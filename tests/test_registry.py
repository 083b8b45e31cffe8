"""Backend discovery: entry points, allow/block lists, clashes and third-party plugins."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
import pytest

import objstore
from objstore import hookimpl, hookspecs, registry
from objstore.errors import ConfigError, Unavailable
from objstore.registry import (
    ENTRY_POINT_GROUP,
    BackendRegistry,
    build_registry,
    get_registry,
    make_plugin_manager,
    reset_registry,
)
from objstore.spec import Backend, Buffer, Capabilities, ObjectStat, WriteMode

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Env changes plus a registry reloaded from them; the global one is restored after."""
    monkeypatch.delenv("OBJSTORE_PLUGINS", raising=False)
    monkeypatch.delenv("OBJSTORE_DISABLE_PLUGINS", raising=False)
    reset_registry()
    yield monkeypatch
    # Forget what this test loaded; the next user reloads with the restored environment.
    reset_registry()


class EchoBackend(Backend):
    """A third-party backend: everything it stores it keeps in one dict."""

    name = "echo"
    capabilities = Capabilities(write_full=True, ranged_read=True)

    def __init__(self, greeting: str = "hi") -> None:
        self.greeting = greeting
        self.data: dict[str, bytes] = {}

    def write(self, key: str, data: Buffer, mode: WriteMode, offset: int) -> None:
        self.data[key] = bytes(data)

    def read(self, key: str, offset: int, length: int | None) -> bytes:
        return self.data[key][offset : None if length is None else offset + length]

    def delete(self, key: str) -> None:
        del self.data[key]

    def list(self, prefix: str) -> Iterator[str]:
        return iter([k for k in self.data if k.startswith(prefix)])

    def stat(self, key: str) -> ObjectStat:
        return ObjectStat(key, len(self.data[key]), 0.0)

    def describe(self) -> dict[str, str]:
        return {"greeting": self.greeting}


class Plugin:
    """A plugin object registering one backend under ``name``."""

    def __init__(self, name: str, factory: Any = EchoBackend, probe: Any = None) -> None:
        self.name = name
        self.factory = factory
        self.probe = probe

    @hookimpl
    def objstore_register_backends(self, registry: BackendRegistry) -> None:
        registry.add(
            self.name,
            self.factory,
            description="test plugin",
            probe=self.probe,
            install_hint="pip install echo",
            capabilities=EchoBackend.capabilities,
            option_names=("greeting",),
        )


def plugin_manager(*plugins: tuple[str, object]) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return pm


# -- entry points -------------------------------------------------------------------------------


def test_builtins_are_declared_as_entry_points() -> None:
    eps = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert eps["memory"] == "backends.memory"
    assert eps["posix"] == "backends.posix"


def test_builtins_load_through_the_entry_point_group(fresh: pytest.MonkeyPatch) -> None:
    reg = get_registry()
    assert {"memory", "posix"} <= set(reg.names())
    # The plugin name is the entry-point name: they came in through pluggy, like anyone's.
    assert reg.get("memory").plugin == "memory"
    assert reg.get("posix").plugin == "posix"
    assert reg.get("memory").unavailable_reason() is None
    assert reg.get("posix").unavailable_reason() is None
    assert reg.get("posix").option_names == ("root", "xattrs", "fsync")
    caps = reg.get("posix").capabilities
    assert caps is not None and caps.atomic_write_full


def test_core_never_imports_a_backend_by_name() -> None:
    # No special-cased built-ins: objstore/ reaches backends only through entry points.
    offenders = []
    for path in (ROOT / "objstore").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("backends"):
                offenders.append(f"{path}:{node.lineno}")
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
                offenders += [f"{path}:{node.lineno}" for n in names if n.startswith("backends")]
    assert offenders == []


def test_allow_list(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("OBJSTORE_PLUGINS", "memory")
    assert get_registry().names() == ["memory"]
    with pytest.raises(ConfigError, match="unknown backend 'posix'; known backends: memory"):
        objstore.open("posix", root="/tmp/never")


def test_allow_list_with_spaces_and_empty_items(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("OBJSTORE_PLUGINS", " posix , ,memory ")
    assert sorted(get_registry().names()) == ["memory", "posix"]


def test_empty_allow_list_loads_nothing(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("OBJSTORE_PLUGINS", "")
    assert get_registry().names() == []
    with pytest.raises(ConfigError, match="known backends: none"):
        objstore.open("memory")


def test_block_list_covers_builtins(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("OBJSTORE_DISABLE_PLUGINS", "memory,rados")
    names = get_registry().names()
    assert "memory" not in names and "rados" not in names
    assert "posix" in names
    pm = make_plugin_manager()
    assert pm.is_blocked("memory")


def test_block_list_beats_allow_list(fresh: pytest.MonkeyPatch) -> None:
    fresh.setenv("OBJSTORE_PLUGINS", "memory,posix")
    fresh.setenv("OBJSTORE_DISABLE_PLUGINS", "posix")
    assert get_registry().names() == ["memory"]


def test_registry_is_cached_until_reset(fresh: pytest.MonkeyPatch) -> None:
    first = get_registry()
    assert get_registry() is first
    fresh.setenv("OBJSTORE_PLUGINS", "memory")
    assert get_registry() is first  # the environment is read once per load
    reset_registry()
    assert get_registry() is not first and get_registry().names() == ["memory"]


def test_broken_entry_point_is_a_config_error(fresh: pytest.MonkeyPatch) -> None:
    class BrokenEP:
        name = "broken"
        value = "no_such_module_xyz"

        def load(self) -> object:
            raise ImportError("No module named 'no_such_module_xyz'")

    fresh.setattr("importlib.metadata.entry_points", lambda group: [BrokenEP()])
    with pytest.raises(ConfigError, match=r"plugin 'broken'.*failed to import"):
        make_plugin_manager()


def test_duplicate_entry_point_names_are_loud(fresh: pytest.MonkeyPatch) -> None:
    class EP:
        def __init__(self, name: str) -> None:
            self.name = name
            self.value = f"dist.{name}"

        def load(self) -> object:
            return Plugin("dup")

    fresh.setattr("importlib.metadata.entry_points", lambda group: [EP("same"), EP("same")])
    with pytest.raises(ConfigError, match="two plugins claim the entry-point name 'same'"):
        make_plugin_manager()


def test_misspelled_hook_fails_loudly(fresh: pytest.MonkeyPatch) -> None:
    class Typo:
        @hookimpl
        def objstore_register_backend(self, registry: BackendRegistry) -> None:  # no "s"
            pass

    class EP:
        name = "typo"
        value = "typo"

        def load(self) -> object:
            return Typo()

    fresh.setattr("importlib.metadata.entry_points", lambda group: [EP()])
    with pytest.raises(pluggy.PluginValidationError):
        make_plugin_manager()


# -- build_registry -----------------------------------------------------------------------------


def test_name_clash_between_two_plugins_raises() -> None:
    pm = plugin_manager(("first-dist", Plugin("echo")), ("second-dist", Plugin("echo")))
    with pytest.raises(ConfigError) as info:
        build_registry(pm)
    message = str(info.value)
    assert "'echo' registered twice" in message
    assert "first-dist" in message and "second-dist" in message


def test_clash_with_a_builtin_raises() -> None:
    pm = make_plugin_manager()
    pm.register(Plugin("memory"), name="impostor")
    with pytest.raises(ConfigError, match="'memory' registered twice"):
        build_registry(pm)


def test_each_backend_names_its_plugin() -> None:
    pm = plugin_manager(("a", Plugin("alpha")), ("b", Plugin("beta")))
    reg = build_registry(pm)
    assert sorted(reg.names()) == ["alpha", "beta"]
    # Each backend is attributed to the plugin that registered it, whatever the call order.
    assert {info.name: info.plugin for info in reg} == {"alpha": "a", "beta": "b"}
    assert "alpha" in reg and "gamma" not in reg


@pytest.mark.parametrize("bad", ["", "has space", "1abc", "a-b", "a.b"])
def test_backend_names_must_be_identifiers(bad: str) -> None:
    with pytest.raises(ConfigError, match="identifier"):
        BackendRegistry().add(bad, EchoBackend)


def test_unknown_backend_lists_known_ones() -> None:
    reg = build_registry(plugin_manager(("p", Plugin("zeta")), ("q", Plugin("alpha"))))
    with pytest.raises(ConfigError) as info:
        reg.get("nope")
    assert str(info.value) == "unknown backend 'nope'; known backends: alpha, zeta"


def test_unknown_backend_through_open(fresh: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as info:
        objstore.open("nosuchbackend")
    assert "memory" in str(info.value) and "posix" in str(info.value)


def test_third_party_plugin_end_to_end(fresh: pytest.MonkeyPatch) -> None:
    pm = make_plugin_manager()
    pm.register(Plugin("echo"), name="echo-dist")
    fresh.setattr(registry, "_registry", build_registry(pm))
    with objstore.open("echo", greeting="hello") as store:
        store.put("k", b"\x00v")
        assert store.get("k", 1) == b"v"
        assert store.describe() == {"backend": "echo", "greeting": "hello"}
        assert isinstance(store.backend, EchoBackend)
    # Its declared option names are enforced like a built-in's.
    with pytest.raises(ConfigError, match="it accepts: greeting"):
        objstore.open("echo", colour="red")
    # And it sits in the same registry as the built-ins.
    assert {"echo", "memory", "posix"} <= set(get_registry().names())
    assert get_registry().get("echo").plugin == "echo-dist"


def test_factory_as_module_string(fresh: pytest.MonkeyPatch) -> None:
    pm = plugin_manager(("p", Plugin("lazy", factory="tests.test_registry:EchoBackend")))
    fresh.setattr(registry, "_registry", build_registry(pm))
    with objstore.open("lazy") as store:
        assert isinstance(store.backend, EchoBackend)


def test_factory_that_cannot_import_is_unavailable() -> None:
    reg = build_registry(plugin_manager(("p", Plugin("gone", factory="no_such_mod_q:Cls"))))
    with pytest.raises(Unavailable) as info:
        reg.get("gone").load_factory()
    assert "pip install echo" in str(info.value)  # the install hint is shown
    assert info.value.backend == "gone" and info.value.op == "open"
    assert isinstance(info.value.__cause__, ImportError)


def test_probe_results_and_failures_are_reported_not_raised() -> None:
    def broken() -> str | None:
        raise RuntimeError("probe exploded")

    reg = build_registry(
        plugin_manager(
            ("ok", Plugin("fine", probe=lambda: None)),
            ("no", Plugin("absent", probe=lambda: "libfoo not importable")),
            ("bad", Plugin("broken", probe=broken)),
        )
    )
    assert reg.get("fine").unavailable_reason() is None
    assert reg.get("absent").unavailable_reason() == "libfoo not importable"
    reason = reg.get("broken").unavailable_reason()
    assert reason is not None
    assert "probe failed" in reason and "RuntimeError" in reason and "probe exploded" in reason


def test_every_registered_probe_answers(fresh: pytest.MonkeyPatch) -> None:
    # Probes of every installed plugin return None or a reason string, never raise.
    for info in get_registry():
        reason = info.unavailable_reason()
        assert reason is None or (isinstance(reason, str) and reason), info.name
