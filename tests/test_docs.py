"""The docs are complete: every backend, option, capability, hook and command is documented."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from pathlib import Path

import click
import pytest

from objstore import hookspecs
from objstore.registry import get_registry
from objstore.spec import Capabilities

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = sorted(info.name for info in get_registry())


def test_every_builtin_backend_is_registered() -> None:
    assert set(BACKENDS) >= {"memory", "posix", "rados", "rbd", "gobridge", "gluster", "daos"}


@pytest.mark.parametrize("name", BACKENDS)
def test_backend_has_page_and_readme(name: str) -> None:
    assert (ROOT / "docs" / "backends" / f"{name}.md").is_file(), f"docs/backends/{name}.md missing"
    assert (ROOT / "backends" / name / "README.md").is_file()


@pytest.mark.parametrize("name", BACKENDS)
def test_backend_options_documented(name: str) -> None:
    page = (ROOT / "docs" / "backends" / f"{name}.md").read_text()
    info = get_registry().get(name)
    assert info.option_names, f"{name} registers no option_names"
    missing = [opt for opt in info.option_names if f"`{opt}`" not in page]
    assert not missing, f"docs/backends/{name}.md does not document options {missing}"


@pytest.mark.parametrize("name", BACKENDS)
def test_backend_readme_checklist_matches_capabilities(name: str) -> None:
    readme = (ROOT / "backends" / name / "README.md").read_text()
    caps = get_registry().get(name).capabilities
    assert caps is not None, f"{name} registers no static capabilities"
    listed = {flag: mark for mark, flag in re.findall(r"^- \[([ x])\] (\w+)", readme, re.M)}
    for flag, value in caps.flags().items():
        assert flag in listed, f"backends/{name}/README.md checklist lacks {flag}"
        assert (listed[flag] == "x") == value, (
            f"{name} README says {flag}={listed[flag]!r}, code says {value}"
        )


@pytest.mark.parametrize("name", BACKENDS)
def test_backend_folder_shape(name: str) -> None:
    folder = ROOT / "backends" / name
    for part in ("__init__.py", "config.py", "backend.py", "errors.py", "README.md"):
        assert (folder / part).is_file(), f"backends/{name}/{part} missing"
    module = importlib.import_module(f"backends.{name}")
    assert getattr(module, "NAME", None) == name


def test_every_capability_in_spec() -> None:
    spec = (ROOT / "docs" / "spec.md").read_text()
    missing = [f.name for f in dataclasses.fields(Capabilities) if f"`{f.name}`" not in spec]
    assert not missing, f"docs/spec.md lacks capabilities {missing}"


def test_every_hook_documented_with_signature() -> None:
    guide = (ROOT / "docs" / "plugins.md").read_text()
    hooks = [n for n in dir(hookspecs) if n.startswith("objstore_")]
    assert hooks
    for hook in hooks:
        params = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
        assert f"{hook}({params})" in guide, f"docs/plugins.md lacks {hook}({params})"
        assert getattr(hookspecs, hook).__doc__, f"hookspec {hook} has no docstring"


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


def test_every_cli_command_has_help() -> None:
    from objstore.cli import main

    for name, command in _commands(main):
        assert (command.help or "").strip(), f"`objstore {name}` has no --help text"


def test_readme_has_two_setup_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "scripts/quickstart" in readme and "scripts/test-all" in readme
    assert (ROOT / ".ci" / "run").read_text().count("scripts/test-all") == 1
