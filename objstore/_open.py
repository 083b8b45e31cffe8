"""``objstore.open``: the one entry point that turns a name, URL or config into a Store."""

from __future__ import annotations

import inspect
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from objstore.config import load_config, parse_url, redact
from objstore.errors import ConfigError, InvalidArgument, ObjstoreError
from objstore.registry import get_registry
from objstore.store import Store


def open(
    target: str | os.PathLike[str] | None = None,
    /,
    *,
    backend: str | None = None,
    config: str | os.PathLike[str] | None = None,
    layers: Iterable[Any] = (),
    **options: Any,
) -> Store:
    """Open a store.

    ``target`` may be a backend name (``"memory"``), a URL (``"posix:///tmp/data"``) or
    a config file path (``"configs/posix.toml"``). ``backend=`` and ``config=`` say the
    same explicitly. Keyword ``options`` override those from the config or URL.

    >>> store = objstore.open("posix", root="/tmp/objstore-demo")
    >>> store = objstore.open(config="configs/ceph-local.toml")
    """
    merged: dict[str, Any] = {}
    display: str | None = None
    if target is not None:
        text = os.fspath(target)
        if "://" in text:
            backend_from, url_options = parse_url(text)
            backend = backend or backend_from
            merged.update(url_options)
        elif text.endswith(".toml") or os.sep in text or Path(text).is_file():
            config = config or text
        else:
            backend = backend or text
    if config is not None:
        cfg = load_config(config)
        if backend and backend != cfg.backend:
            raise ConfigError(f"config {config} is for backend {cfg.backend!r}, not {backend!r}")
        backend = cfg.backend
        display = cfg.name
        merged = {**cfg.options, **merged}
    if backend is None:
        raise ConfigError("name a backend, a URL or a config file")
    merged.update(options)
    info = get_registry().get(backend)
    factory = info.load_factory()
    _check_options(factory, merged, backend, info.option_names)
    try:
        instance = factory(**merged)
    except ObjstoreError as exc:
        exc.backend = exc.backend or backend
        exc.op = exc.op or "open"
        raise
    except TypeError as exc:
        raise InvalidArgument(
            f"bad options {sorted(redact(merged))}: {exc}", backend=backend, op="open"
        ) from exc
    store = Store(instance, name=display or backend)
    if layers:
        store = store.with_layers(*layers)
    return store


def _check_options(
    factory: Any, options: dict[str, Any], backend: str, declared: tuple[str, ...] = ()
) -> None:
    # The registered option names win: backends taking **options (all built-ins do)
    # would otherwise get no check here and an error that does not say what is accepted.
    if declared:
        accepted: list[str] = list(declared)
    else:
        try:
            params = inspect.signature(factory).parameters
        except (TypeError, ValueError):
            return
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return
        accepted = [n for n in params if n != "self"]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        known = ", ".join(accepted) or "none"
        raise ConfigError(
            f"unknown option(s) {unknown} for backend {backend!r}; it accepts: {known}",
            backend=backend,
            op="open",
        )
