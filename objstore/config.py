"""Opening stores from a backend name, a config file or a URL.

A config file (``configs/*.toml``) names one backend and its options::

    backend = "rados"
    [options]
    pool = "objstore"
    conffile = "${OBJSTORE_CEPH_DIR}/ceph.conf"     # ${VAR} and ${VAR:-default} expand
    keyring = "${OBJSTORE_CEPH_DIR}/client.objstore.keyring"
    password = { env = "MY_PASSWORD" }             # secrets come from env or a file...
    token = { file = "/run/secrets/token" }        # ...never inline

Secret values are :class:`Secret` objects: their ``repr``/``str`` is ``***`` so they never
reach logs, errors or reports; a backend calls :meth:`Secret.reveal` where it needs them.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from objstore.errors import ConfigError

_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SECRET_NAME = re.compile(r"(^|_)(key|secret|password|passwd|token|credential)s?$", re.I)


class Secret:
    """A secret value that prints as ``***``."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "") -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))


def is_secret_name(name: str) -> bool:
    """Option names whose values must never be inline or printed."""
    return bool(_SECRET_NAME.search(name))


def expand_env(text: str, where: str = "config") -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}``; an unset VAR without default is an error.

    As in the shell, ``${VAR:-default}`` also uses the default when VAR is set but empty
    (CI systems often export empty variables).
    """

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if default is not None and not value:
            return default
        if value is None:
            raise ConfigError(f"{where}: environment variable {name} is not set")
        return value

    return _ENV.sub(substitute, text)


def _resolve(name: str, value: Any, where: str) -> Any:
    if isinstance(value, dict) and set(value) <= {"env", "file"} and len(value) == 1:
        if "env" in value:
            var = value["env"]
            if var not in os.environ:
                raise ConfigError(f"{where}: option {name!r} reads ${var}, which is not set")
            return Secret(os.environ[var], source=f"env:{var}")
        path = Path(expand_env(str(value["file"]), where)).expanduser()
        try:
            return Secret(path.read_text().strip(), source=f"file:{path}")
        except OSError as exc:
            raise ConfigError(f"{where}: option {name!r}: cannot read {path}: {exc}") from exc
    if isinstance(value, str):
        if is_secret_name(name):
            raise ConfigError(
                f"{where}: option {name!r} looks like a secret; give it as "
                f'{{ env = "VAR" }} or {{ file = "path" }}, never inline'
            )
        return expand_env(value, f"{where}: option {name!r}")
    if isinstance(value, list):
        return [_resolve(name, item, where) for item in value]
    if isinstance(value, dict):
        return {k: _resolve(k, v, where) for k, v in value.items()}
    return value


@dataclass
class StoreConfig:
    """A parsed config file: which backend, with which options."""

    backend: str
    options: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    source: str = ""


def load_config(path: str | os.PathLike[str]) -> StoreConfig:
    """Read a ``configs/*.toml`` file, expanding ``${ENV}`` and resolving secrets."""
    file = Path(path).expanduser()
    try:
        data = tomllib.loads(file.read_text())
    except FileNotFoundError:
        raise ConfigError(f"config file {file} does not exist") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {file}: {exc}") from exc
    return config_from_mapping(data, where=str(file))


def config_from_mapping(data: Mapping[str, Any], where: str = "config") -> StoreConfig:
    backend = data.get("backend")
    if not isinstance(backend, str) or not backend:
        raise ConfigError(f"{where}: needs a top-level 'backend = \"NAME\"'")
    unknown = set(data) - {"backend", "options", "name", "description"}
    if unknown:
        raise ConfigError(
            f"{where}: unknown top-level keys {sorted(unknown)}; put them in [options]"
        )
    raw = data.get("options", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [options] must be a table")
    options = {k: _resolve(k, v, where) for k, v in raw.items()}
    name = data.get("name")
    return StoreConfig(
        backend=backend, options=options, name=name if isinstance(name, str) else None, source=where
    )


def parse_url(url: str) -> tuple[str, dict[str, Any]]:
    """``memory://``, ``posix:///path``, ``rados://pool?conffile=...`` -> (backend, options).

    The registry's ``url_options`` for the backend interprets the location; query
    parameters always become options.
    """
    from objstore.registry import get_registry

    parts = urlsplit(url)
    if not parts.scheme:
        raise ConfigError(f"{url!r} is not a URL (expected NAME://...)")
    if parts.password is not None:
        # Never echo the URL here: it holds the secret.
        raise ConfigError(
            f"a {parts.scheme}:// URL must not carry a password; use a config file with "
            '{ env = "VAR" } or { file = "path" }'
        )
    info = get_registry().get(parts.scheme)
    options: dict[str, Any] = {}
    if info.url_options is not None:
        options.update(info.url_options(parts))
    elif parts.netloc or parts.path.strip("/"):
        raise ConfigError(f"backend {parts.scheme!r} takes no location in its URL: {url!r}")
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if is_secret_name(name):
            raise ConfigError(f"URL option {name!r} looks like a secret; use a config file")
        options[name] = value
    return parts.scheme, options


def redact(options: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``options`` safe for logs and reports: secrets become ``***``."""
    out: dict[str, Any] = {}
    for name, value in options.items():
        if isinstance(value, Secret) or is_secret_name(name):
            out[name] = "***"
        elif isinstance(value, Mapping):
            out[name] = redact(value)
        else:
            out[name] = value
    return out


def reveal(value: Any) -> Any:
    """The plain value of an option that may be a :class:`Secret`."""
    return value.reveal() if isinstance(value, Secret) else value
