"""The differential oracle: random operation sequences on a backend and on the spec model.

Entry point (called by ``objstore check --oracle --backend X --examples N``)::

    run_oracle(target_or_store_factory, examples: int = 200, seed: int | None = None,
               max_steps: int = DEFAULT_MAX_STEPS) -> OracleResult

* ``target_or_store_factory``: an :class:`objstore.testing.targets.Target` (opened once
  with ``Target.open()``), or any zero-argument callable returning an open
  :class:`~objstore.store.Store`. The oracle closes the store it opened.
* ``examples``: how many random sequences hypothesis tries (each at most ``max_steps``
  operations long).
* ``seed``: makes the run reproducible; ``None`` draws a fresh one.
* Returns an :class:`OracleResult`: ``passed``, ``examples`` (sequences actually run,
  shrinking included), ``seed``, ``seconds`` and ``report``: on failure the minimal
  failing sequence as readable text, one operation per line, with what the backend and
  the model each returned.

A hypothesis :class:`~hypothesis.stateful.RuleBasedStateMachine` applies put (every mode
the backend declares, offsets inside, at and beyond the end, sizes from 0 up), get
(ranges including past the end and length 0), get_into, delete, list, stat and the
attribute calls to the backend and to :class:`objstore.model.ReferenceStore`. After
every step it compares the returned bytes (or sizes, or key sets) and the exact error
class. Each example runs in its own key prefix (:class:`~objstore.layers.PrefixLayer`)
and deletes what it wrote, so the oracle is safe on a shared pool.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from hypothesis import HealthCheck, Verbosity, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from objstore.cases._data import payload
from objstore.errors import ObjstoreError
from objstore.layers import PrefixLayer
from objstore.model import ReferenceStore
from objstore.spec import Capabilities, WriteMode
from objstore.store import Store

if TYPE_CHECKING:
    from objstore.testing.targets import Target

DEFAULT_MAX_STEPS = 20
"""Operations per example. 2000 examples of 20 steps take about a minute on a local Ceph."""

KEYS = ("a", "b", "a/b", "ü-ключ", "a\nb")
"""Few keys, so operations collide; keys with a backend's forbidden characters are dropped."""
PREFIXES = ("", "a", "a/", "b", "ü", "zz")
ATTR_NAMES = ("n1", "n2", "user.x")
MiB = 1 << 20
# Mostly small sizes and offsets (fast everywhere, and where the edge cases live), with
# page-size edges and an occasional object past 1 MiB, where chunked backends split data.
SIZES = st.one_of(
    st.sampled_from((0, 1, 7, 4095, 4096, 4097, 65_537, MiB + 3)),
    st.integers(min_value=0, max_value=20_000),
)
OFFSETS = st.one_of(
    st.sampled_from((0, 1, 4096, 65_536, MiB - 2, MiB + 100)),
    st.integers(min_value=0, max_value=30_000),
)
LENGTHS = st.one_of(
    st.none(),
    st.sampled_from((0, 1, 4096, MiB)),
    st.integers(min_value=0, max_value=30_000),
)


class Divergence(AssertionError):
    """The backend and the spec model disagreed; the message holds the whole sequence."""


@dataclass(frozen=True)
class OracleResult:
    """What :func:`run_oracle` found."""

    backend: str
    passed: bool
    examples: int
    """Sequences run (hypothesis's shrinking runs included)."""
    seed: int | None
    seconds: float
    report: str = ""
    """The minimal failing sequence as text; empty when passed."""
    max_steps: int = DEFAULT_MAX_STEPS


Outcome = tuple[str, Any]
"""("ok", value) or ("error", exception class name)."""


def _call(fn: Callable[[], Any]) -> Outcome:
    try:
        return ("ok", fn())
    except ObjstoreError as exc:
        return ("error", type(exc).__name__)
    except Exception as exc:  # a native exception leaking out is a divergence in itself
        return ("error", f"{type(exc).__name__} (not a taxonomy error: {exc})")


def _show(outcome: Outcome) -> str:
    kind, value = outcome
    if kind == "error":
        return f"raises {value}"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], bytes):
        return f"placed {value[0]}, buffer {_show(('ok', value[1]))}"
    if isinstance(value, bytes):
        shown = value[:24].hex()
        more = "..." if len(value) > 24 else ""
        return f"{len(value)} bytes {shown}{more}"
    return repr(value)


class OracleMachine(RuleBasedStateMachine):
    """Drives one backend and the model in lock step. Subclassed per run with its store."""

    base_store: ClassVar[Store]
    caps: ClassVar[Capabilities]
    keys: ClassVar[tuple[str, ...]]
    counter: ClassVar[list[int]]

    def __init__(self) -> None:
        super().__init__()
        type(self).counter[0] += 1
        self.prefix = f"or-{uuid.uuid4().hex[:10]}-"
        self.view = Store(PrefixLayer(self.prefix).wrap(self.base_store.backend), name="view")
        self.model = ReferenceStore()
        self.log: list[str] = []

    # -- comparing ---------------------------------------------------------------------

    def _compare(self, text: str, backend: Outcome, model: Outcome) -> None:
        same = backend == model
        self.log.append(
            f"{text}  -> {_show(backend)}" + ("" if same else f"   (spec: {_show(model)})")
        )
        if not same:
            lines = "\n".join(f"  {i + 1:>2}. {line}" for i, line in enumerate(self.log))
            raise Divergence(f"backend and spec model diverge at step {len(self.log)}:\n{lines}")

    def teardown(self) -> None:
        # Delete the pool's few keys by name: listing costs O(objects in the pool) on
        # RADOS (hundreds of ms on a busy pool), a delete a few ms.
        for key in self.keys:
            # A failed delete leaves a key under this example's own prefix only.
            with contextlib.suppress(ObjstoreError):
                self.view.delete(key, missing_ok=True)

    # -- data --------------------------------------------------------------------------

    @rule(
        key=st.sampled_from(KEYS),
        mode=st.sampled_from(list(WriteMode)),
        offset=OFFSETS,
        size=SIZES,
        data_seed=st.integers(0, 255),
    )
    def put(self, key: str, mode: WriteMode, offset: int, size: int, data_seed: int) -> None:
        if key not in self.keys:
            key = self.keys[0]
        if not self.caps.mode_supported(mode):
            mode = WriteMode.WRITE_FULL if self.caps.write_full else WriteMode.APPEND
        if mode is not WriteMode.WRITE:
            offset = 0
        data = payload(size, seed=data_seed)
        self._compare(
            f"put({key!r}, <{size} bytes seed {data_seed}>, {mode.value!r}, offset={offset})",
            _call(lambda: self.view.put(key, data, mode, offset)),
            _call(lambda: self.model.put(key, data, mode, offset)),
        )
        # Read the key back at once: the write's effect is checked on every put, not only
        # when a later random get happens to hit the same key.
        self._compare(
            f"get({key!r})",
            _call(lambda: self.view.get(key)),
            _call(lambda: self.model.get(key)),
        )

    @rule(key=st.sampled_from(KEYS), offset=OFFSETS, length=LENGTHS)
    def get(self, key: str, offset: int, length: int | None) -> None:
        if key not in self.keys:
            key = self.keys[0]
        if not self.caps.ranged_read:
            offset, length = 0, None
        self._compare(
            f"get({key!r}, offset={offset}, length={length})",
            _call(lambda: self.view.get(key, offset, length)),
            _call(lambda: self.model.get(key, offset, length)),
        )

    @rule(key=st.sampled_from(KEYS), offset=OFFSETS, size=st.integers(0, 12_000))
    def get_into(self, key: str, offset: int, size: int) -> None:
        if key not in self.keys:
            key = self.keys[0]
        if not self.caps.ranged_read:
            offset = 0
        buffer = bytearray(b"\xa5" * size)

        def backend() -> tuple[int, bytes]:
            placed = self.view.get_into(key, buffer, offset)
            # The whole buffer: bytes past ``placed`` must be left as they were.
            return placed, bytes(buffer)

        def model() -> tuple[int, bytes]:
            data = self.model.get(key, offset, size)
            return len(data), data + b"\xa5" * (size - len(data))

        self._compare(
            f"get_into({key!r}, buffer[{size}], offset={offset})", _call(backend), _call(model)
        )

    @rule(key=st.sampled_from(KEYS))
    def delete(self, key: str) -> None:
        if key not in self.keys:
            key = self.keys[0]
        self._compare(
            f"delete({key!r})",
            _call(lambda: self.view.delete(key)),
            _call(lambda: self.model.delete(key)),
        )

    @rule(prefix=st.sampled_from(PREFIXES))
    def list(self, prefix: str) -> None:
        # Sorted lists, not sets: a key listed twice is a divergence too.
        self._compare(
            f"list({prefix!r})",
            _call(lambda: sorted(self.view.list(prefix))),
            _call(lambda: sorted(self.model.list(prefix))),
        )

    @rule(key=st.sampled_from(KEYS))
    def stat(self, key: str) -> None:
        if key not in self.keys:
            key = self.keys[0]

        def backend() -> tuple[str, int]:
            st_ = self.view.stat(key)
            return (st_.key, st_.size)

        self._compare(
            f"stat({key!r})",
            _call(backend),
            _call(lambda: (key, self.model.size(key))),
        )

    # -- metadata ----------------------------------------------------------------------

    @precondition(lambda self: self.caps.metadata)
    @rule(key=st.sampled_from(KEYS), name=st.sampled_from(ATTR_NAMES), value=st.binary(max_size=64))
    def set_xattr(self, key: str, name: str, value: bytes) -> None:
        if key not in self.keys:
            key = self.keys[0]
        self._compare(
            f"set_xattr({key!r}, {name!r}, {value!r})",
            _call(lambda: self.view.set_xattr(key, name, value)),
            _call(lambda: self.model.set_xattr(key, name, value)),
        )

    @precondition(lambda self: self.caps.metadata)
    @rule(key=st.sampled_from(KEYS), name=st.sampled_from(ATTR_NAMES))
    def get_xattr(self, key: str, name: str) -> None:
        if key not in self.keys:
            key = self.keys[0]
        self._compare(
            f"get_xattr({key!r}, {name!r})",
            _call(lambda: self.view.get_xattr(key, name)),
            _call(lambda: self.model.get_xattr(key, name)),
        )

    @precondition(lambda self: self.caps.metadata)
    @rule(key=st.sampled_from(KEYS), name=st.sampled_from(ATTR_NAMES))
    def remove_xattr(self, key: str, name: str) -> None:
        if key not in self.keys:
            key = self.keys[0]
        self._compare(
            f"remove_xattr({key!r}, {name!r})",
            _call(lambda: self.view.remove_xattr(key, name)),
            _call(lambda: self.model.remove_xattr(key, name)),
        )

    @precondition(lambda self: self.caps.metadata)
    @rule(key=st.sampled_from(KEYS))
    def list_xattrs(self, key: str) -> None:
        if key not in self.keys:
            key = self.keys[0]
        self._compare(
            f"list_xattrs({key!r})",
            _call(lambda: self.view.list_xattrs(key)),
            _call(lambda: self.model.list_xattrs(key)),
        )


def usable_keys(caps: Capabilities) -> tuple[str, ...]:
    """The key pool minus keys the backend declares it cannot store."""
    keys = tuple(k for k in KEYS if not any(c in k for c in caps.key_chars))
    return keys or ("a",)


def machine_for(store: Store) -> type[OracleMachine]:
    """An :class:`OracleMachine` subclass bound to ``store`` (for pytest's ``TestCase``)."""
    return type(
        f"OracleMachine_{store.name}",
        (OracleMachine,),
        {
            "base_store": store,
            "caps": store.capabilities,
            "keys": usable_keys(store.capabilities),
            "counter": [0],
        },
    )


def run_oracle(
    target_or_store_factory: Target | Callable[[], Store],
    examples: int = 200,
    seed: int | None = None,
    max_steps: int = DEFAULT_MAX_STEPS,
) -> OracleResult:
    """Run ``examples`` random operation sequences on a backend and on the spec model.

    See the module docstring for the parameters. Never raises for a divergence: it is
    reported in the result. Errors opening the backend propagate.
    """
    if callable(target_or_store_factory):
        store = target_or_store_factory()
        name = store.name
    else:
        store = target_or_store_factory.open()
        name = target_or_store_factory.id
    machine = machine_for(store)
    if seed is not None:
        machine = hypothesis_seed(seed)(machine)
    config = settings(
        max_examples=examples,
        stateful_step_count=max_steps,
        deadline=None,
        database=None,
        derandomize=False,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    start = time.perf_counter()
    report = ""
    try:
        run_state_machine_as_test(machine, settings=config)
    except Divergence as exc:
        report = str(exc)
    except Exception as exc:  # a crash inside a backend call is a failure to report too
        report = f"{type(exc).__name__}: {exc}\n" + "\n".join(getattr(exc, "__notes__", []))
    finally:
        store.close()
    return OracleResult(
        backend=name,
        passed=not report,
        examples=machine.counter[0],
        seed=seed,
        seconds=time.perf_counter() - start,
        report=report,
        max_steps=max_steps,
    )
