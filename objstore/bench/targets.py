"""What ``objstore bench`` runs against: a backend name or a config file, plus options."""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import objstore
from objstore.config import load_config, redact
from objstore.registry import get_registry
from objstore.store import Store

FINGERPRINT_KEYS = ("fsid", "cluster_fsid", "cluster_id", "volume_id", "pool_uuid", "uuid")
"""``describe()`` fields that identify a cluster, in order of preference."""


@dataclass
class BenchTarget:
    """One backend to benchmark; picklable, so spawned workers can open it themselves."""

    label: str
    backend: str
    config: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    temp_root: str | None = None
    """A temporary ``root`` made for a backend that takes one and was given none."""

    @classmethod
    def from_name(cls, name: str, options: dict[str, Any] | None = None) -> BenchTarget:
        return cls(label=name, backend=name, options=dict(options or {}))

    @classmethod
    def from_config(cls, path: str, options: dict[str, Any] | None = None) -> BenchTarget:
        cfg = load_config(path)
        label = cfg.name or Path(path).stem
        return cls(label=label, backend=cfg.backend, config=path, options=dict(options or {}))

    def _needs_temp_root(self) -> bool:
        if "root" in self.options:
            return False
        if self.config is not None and "root" in load_config(self.config).options:
            return False
        try:
            info = get_registry().get(self.backend)
        except Exception:
            return False
        return "root" in info.option_names

    def prepare(self) -> None:
        """Give a root-taking backend without a root a fresh temporary directory."""
        if self.temp_root is None and self._needs_temp_root():
            self.temp_root = tempfile.mkdtemp(prefix=f"objstore-bench-{self.backend}-")

    def open(self) -> Store:
        options = dict(self.options)
        if self.temp_root is not None:
            options["root"] = self.temp_root
        if self.config is not None:
            return objstore.open(config=self.config, **options)
        return objstore.open(self.backend, **options)

    def release(self) -> None:
        """Remove the temporary root, if one was made."""
        if self.temp_root is not None:
            shutil.rmtree(self.temp_root, ignore_errors=True)
            self.temp_root = None

    def redacted_config(self) -> dict[str, Any]:
        """Backend, config file and options with every secret replaced by ``***``."""
        options: dict[str, Any] = {}
        if self.config is not None:
            options.update(load_config(self.config).options)
        options.update(self.options)
        if self.temp_root is not None:
            options["root"] = "<temporary directory>"
        safe = redact(options)
        return {
            "backend": self.backend,
            "config_file": self.config,
            "options": json.loads(json.dumps(safe, default=str)),
        }


def fingerprint(describe: dict[str, str], config: dict[str, Any]) -> str:
    """An identifier of the cluster measured: its fsid (or similar) when the backend reports
    one, else a short hash of backend and redacted config (stable across runs)."""
    for key in FINGERPRINT_KEYS:
        if describe.get(key):
            return f"{key}:{describe[key]}"
    text = json.dumps(config, sort_keys=True, default=str)
    return "config:" + hashlib.sha256(text.encode()).hexdigest()[:16]
