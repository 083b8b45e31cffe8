"""The conformance case library: the same cases on every backend.

WARNING: running a case deletes every object under the run's key prefix. The runner
gives each case its own prefix (``ct-<run>-<n>-``) through a :class:`PrefixLayer`, so
a case sees an empty store even in a shared pool, and cleans up after it.

Each case is a plain function taking an open :class:`~objstore.store.Store`, registered
with :func:`case` in one module per feature (``put``, ``get``, ``list``, ...). A case
declares the capabilities it needs; on a backend that lacks one it is skipped with that
reason, never passed silently. pytest, avocado and ``objstore check`` only adapt this
library (:mod:`objstore.cases.runner`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from objstore.spec import Capabilities
from objstore.store import Store

CaseFunc = Callable[[Store], None]

FEATURES = (
    "put",
    "get",
    "delete",
    "list",
    "stat",
    "metadata",
    "keys",
    "errors",
    "stream",
    "concurrency",
)
"""One module per feature, in report order."""


class CaseSkipped(Exception):
    """Raised by a case that cannot apply to this backend; the message says why."""


def skip(reason: str) -> None:
    """Skip the running case with ``reason``."""
    raise CaseSkipped(reason)


@dataclass(frozen=True)
class Case:
    """One conformance case."""

    name: str
    """Unique dotted name: ``<feature>.<situation>``."""
    feature: str
    func: CaseFunc = field(repr=False, compare=False)
    requires: tuple[str, ...] = ()
    """Capability flags that must be on."""
    requires_absent: tuple[str, ...] = ()
    """Capability flags that must be off (cases asserting that Unsupported is raised)."""
    slow: bool = False
    doc: str = ""

    def skip_reason(self, caps: Capabilities) -> str | None:
        """Why this case does not apply to a backend with ``caps``, or None."""
        missing = [c for c in self.requires if not getattr(caps, c)]
        if missing:
            return f"backend lacks capability {', '.join(missing)}"
        present = [c for c in self.requires_absent if getattr(caps, c)]
        if present:
            return f"backend has capability {', '.join(present)} (case checks its absence)"
        return None


_REGISTRY: dict[str, Case] = {}


def case(
    *,
    requires: Iterable[str] = (),
    requires_absent: Iterable[str] = (),
    slow: bool = False,
    name: str | None = None,
) -> Callable[[CaseFunc], CaseFunc]:
    """Register a case function. Its name is ``<module>.<function name without test_>``."""

    def register(func: CaseFunc) -> CaseFunc:
        feature = func.__module__.rsplit(".", 1)[-1]
        short = name or func.__name__.removeprefix("test_")
        add_case(
            Case(
                name=f"{feature}.{short}",
                feature=feature,
                func=func,
                requires=tuple(requires),
                requires_absent=tuple(requires_absent),
                slow=slow,
                doc=(func.__doc__ or "").strip().splitlines()[0] if func.__doc__ else "",
            )
        )
        return func

    return register


def add_case(new: Case) -> None:
    """Register a case built programmatically (the mode x offset x size matrix)."""
    for cap in (*new.requires, *new.requires_absent):
        if not hasattr(Capabilities(), cap):
            raise ValueError(f"case {new.name}: unknown capability {cap!r}")
    if new.name in _REGISTRY:
        raise ValueError(f"duplicate conformance case {new.name}")
    _REGISTRY[new.name] = new


def all_cases() -> list[Case]:
    """Every registered case, in feature order."""
    for feature in FEATURES:
        importlib.import_module(f"objstore.cases.{feature}")
    order = {f: i for i, f in enumerate(FEATURES)}
    return sorted(_REGISTRY.values(), key=lambda c: (order.get(c.feature, 99), c.name))


def select(
    names: Iterable[str] | None = None,
    features: Iterable[str] | None = None,
    include_slow: bool = True,
) -> list[Case]:
    """Cases filtered by exact name or name prefix, by feature, and by slowness."""
    chosen = all_cases()
    if features:
        wanted = set(features)
        chosen = [c for c in chosen if c.feature in wanted]
    if names:
        patterns = [*names]
        chosen = [c for c in chosen if any(c.name == p or c.name.startswith(p) for p in patterns)]
    if not include_slow:
        chosen = [c for c in chosen if not c.slow]
    return chosen
