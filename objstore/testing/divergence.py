"""The semantic divergence matrix: where each backend's behaviour differs from the spec.

Each :class:`Probe` provokes one edge behaviour (read past the end, offset write beyond
the end, append to a missing object...) in a private key prefix and describes what
happened in a few words. The spec's answer is written next to it. A difference is
*declared* when the backend turns the capability off (so ``Store`` raises Unsupported,
as the spec requires), and a *divergence* otherwise. ``objstore divergence --out
docs/divergence.md`` writes the table.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from objstore.errors import AlreadyExists, ObjstoreError
from objstore.layers import PrefixLayer
from objstore.spec import Capabilities, WriteMode
from objstore.store import Store


@dataclass(frozen=True)
class Probe:
    """One edge behaviour: what the spec says, and how to observe a backend."""

    name: str
    spec: str
    observe: Callable[[Store], str]
    capabilities: tuple[str, ...] = ()
    """Capabilities the behaviour needs; when one is off, Unsupported is the declared answer."""
    keys: str = ""
    """Characters the probe's keys contain (a backend may declare them in ``key_chars``)."""


def _observe(fn: Callable[[Store], str]) -> Callable[[Store], str]:
    def run(store: Store) -> str:
        try:
            return fn(store)
        except ObjstoreError as exc:
            return f"raises {type(exc).__name__}"
        except Exception as exc:  # a native exception leaking out is itself a finding
            return f"raises non-taxonomy {type(exc).__name__}"

    return run


def _read_past_end(s: Store) -> str:
    s.put("o", b"0123456789")
    return f"returns {s.get('o', 20, 5)!r}"


def _read_across_end(s: Store) -> str:
    s.put("o", b"0123456789")
    return f"returns {len(s.get('o', 5, 100))} bytes"


def _read_into_past_end(s: Store) -> str:
    s.put("o", b"0123456789")
    return f"places {s.get_into('o', bytearray(8), 20)} bytes"


def _w_beyond_end(s: Store) -> str:
    s.put("o", b"abc", WriteMode.WRITE, 5)
    data = s.get("o")
    gap = "zero-filled" if data[:5] == bytes(5) else f"gap {data[:5]!r}"
    return f"{len(data)} bytes, {gap}"


def _w_empty_past_end(s: Store) -> str:
    s.put("o", b"", WriteMode.WRITE, 100)
    return f"creates, size {s.stat('o').size}"


def _append_missing(s: Store) -> str:
    s.put("o", b"abc", WriteMode.APPEND)
    return f"creates, {len(s.get('o'))} bytes"


def _empty_object(s: Store) -> str:
    s.put("o", b"")
    listed = "listed" if list(s.list()) == ["o"] else "not listed"
    return f"size {s.stat('o').size}, reads {s.get('o')!r}, {listed}"


def _delete_missing(s: Store) -> str:
    s.delete("missing")
    return "succeeds"


def _create_existing(s: Store) -> str:
    s.put("o", b"1", WriteMode.CREATE)
    s.put("o", b"2", WriteMode.CREATE)
    return "succeeds"


def _create_race(s: Store) -> str:
    winners: list[int] = []
    errors: list[str] = []
    barrier = threading.Barrier(8)
    lock = threading.Lock()

    def work(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            s.put("race", str(i).encode(), WriteMode.CREATE)
        except AlreadyExists:
            return
        except Exception as exc:
            with lock:
                errors.append(type(exc).__name__)
            return
        with lock:
            winners.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    extra = f", errors {sorted(set(errors))}" if errors else ""
    return f"{len(winners)} winner(s) of 8{extra}"


def _wf_keeps_xattrs(s: Store) -> str:
    s.put("o", b"one")
    s.set_xattr("o", "a", b"1")
    s.put("o", b"two", WriteMode.WRITE_FULL)
    return "kept" if s.list_xattrs("o") == ["a"] else f"now {s.list_xattrs('o')}"


def _xattrs_after_recreate(s: Store) -> str:
    s.put("o", b"")
    s.set_xattr("o", "a", b"1")
    s.delete("o")
    s.put("o", b"")
    names = s.list_xattrs("o")
    return "none" if not names else f"still {names}"


def _get_missing_attr(s: Store) -> str:
    s.put("o", b"")
    return f"returns {s.get_xattr('o', 'nope')!r}"


def _set_xattr_missing_object(s: Store) -> str:
    s.set_xattr("missing", "a", b"1")
    return "succeeds"


def _nul_bytes(s: Store) -> str:
    data = b"a\x00\x00b\x00"
    s.put("o", data)
    return "round-trips" if s.get("o") == data else f"reads {s.get('o')!r}"


def _long_key(s: Store) -> str:
    key = "k" * 1000
    limit = s.capabilities.max_key_bytes
    try:
        s.put(key, b"x")
    except ObjstoreError as exc:
        declared = " (declared limit)" if limit else " (no declared limit)"
        return f"raises {type(exc).__name__}{declared}"
    return "stored" if s.get(key) == b"x" else "stored, reads differently"


def _path_keys(s: Store) -> str:
    s.put("a", b"1")
    s.put("a/b", b"2")
    return "coexist" if sorted(s.list()) == ["a", "a/b"] else f"lists {sorted(s.list())}"


def _unicode_key(s: Store) -> str:
    s.put("ключ-日本-é", b"1")
    return "round-trips" if list(s.list()) == ["ключ-日本-é"] else f"lists {list(s.list())}"


def _list_once(s: Store) -> str:
    for i in range(5):
        s.put("same", bytes(i))
    keys = list(s.list())
    return f"listed {keys.count('same')} time(s)"


def _atomic_append(s: Store) -> str:
    record = 64
    barrier = threading.Barrier(4)

    def work(i: int) -> None:
        barrier.wait(timeout=30)
        for j in range(25):
            s.put("log", (f"{i}:{j:02d}|".encode() + bytes([65 + i]) * record)[:record], "wa")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    data = s.get("log")
    records = {data[k : k + record] for k in range(0, len(data), record)}
    return f"{len(records)} of 100 records intact, {len(data)} bytes"


PROBES: tuple[Probe, ...] = (
    Probe("read past end", "returns b''", _observe(_read_past_end), ("ranged_read",)),
    Probe("read across end", "returns 5 bytes", _observe(_read_across_end), ("ranged_read",)),
    Probe("read_into past end", "places 0 bytes", _observe(_read_into_past_end), ("ranged_read",)),
    Probe(
        "offset write beyond end",
        "8 bytes, zero-filled",
        _observe(_w_beyond_end),
        ("offset_write",),
    ),
    Probe(
        "empty write past end", "creates, size 0", _observe(_w_empty_past_end), ("offset_write",)
    ),
    Probe("append to missing", "creates, 3 bytes", _observe(_append_missing), ("append",)),
    Probe("empty object", "size 0, reads b'', listed", _observe(_empty_object)),
    Probe("delete missing", "raises NotFound", _observe(_delete_missing)),
    Probe(
        "create existing", "raises AlreadyExists", _observe(_create_existing), ("create_exclusive",)
    ),
    Probe(
        "create race (8 threads)",
        "1 winner(s) of 8",
        _observe(_create_race),
        ("create_exclusive", "thread_safe"),
    ),
    Probe(
        "appends from 4 threads",
        "100 of 100 records intact, 6400 bytes",
        _observe(_atomic_append),
        ("append", "atomic_append", "thread_safe"),
    ),
    Probe("wf keeps xattrs", "kept", _observe(_wf_keeps_xattrs), ("metadata", "write_full")),
    Probe(
        "xattrs after delete + recreate", "none", _observe(_xattrs_after_recreate), ("metadata",)
    ),
    Probe("get missing attribute", "raises NotFound", _observe(_get_missing_attr), ("metadata",)),
    Probe(
        "set_xattr on missing object",
        "raises NotFound",
        _observe(_set_xattr_missing_object),
        ("metadata",),
    ),
    Probe("NUL bytes in data", "round-trips", _observe(_nul_bytes)),
    Probe("1000-byte key", "stored", _observe(_long_key)),
    Probe("keys 'a' and 'a/b'", "coexist", _observe(_path_keys), keys="/"),
    Probe("Unicode key", "round-trips", _observe(_unicode_key), keys="ключ日本é-"),
    Probe("list after 5 overwrites", "listed 1 time(s)", _observe(_list_once)),
)


@dataclass(frozen=True)
class Finding:
    """One cell of the matrix."""

    observed: str
    verdict: str
    """``spec`` (as specified), ``declared`` (a capability or limit says so) or ``divergence``."""


def classify(probe: Probe, caps: Capabilities, observed: str) -> str:
    """``spec``, ``declared`` or ``divergence`` for one observation."""
    if observed == probe.spec:
        return "spec"
    missing = [c for c in probe.capabilities if not getattr(caps, c)]
    if missing and not observed.startswith("raises non-taxonomy"):
        # Unsupported for a mode the backend lacks, or torn appends where it does not
        # claim atomic_append: the difference is the one it declares.
        return "declared"
    if probe.name == "1000-byte key" and observed.startswith("raises InvalidArgument (declared"):
        return "declared"
    if observed == "raises InvalidArgument" and any(c in probe.keys for c in caps.key_chars):
        # The probe's keys use a character the backend declares it cannot store.
        return "declared"
    return "divergence"


def probe_store(store: Store) -> dict[str, Finding]:
    """Run every probe on ``store``, each in its own key prefix, cleaning up after."""
    findings: dict[str, Finding] = {}
    for probe in PROBES:
        prefix = f"dv-{uuid.uuid4().hex[:8]}-"
        view = Store(PrefixLayer(prefix).wrap(store.backend), name=store.name)
        try:
            observed = probe.observe(view)
        finally:
            for key in list(store.backend.list(prefix)):
                # A key left behind stays under this probe's private prefix.
                with contextlib.suppress(ObjstoreError):
                    store.backend.delete(key)
        findings[probe.name] = Finding(observed, classify(probe, store.capabilities, observed))
    return findings


def render_markdown(
    results: dict[str, dict[str, Finding]], notes: dict[str, str], not_run: dict[str, str]
) -> str:
    """The Markdown page: one row per behaviour, one column per backend."""
    backends = list(results)
    mark = {"spec": "", "declared": " (declared)", "divergence": " **DIVERGENCE**"}
    lines = [
        "# Semantic divergence matrix",
        "",
        "Generated by `objstore divergence --out docs/divergence.md` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}. Do not edit by hand.",
        "",
        "Each row provokes one edge behaviour in a private key prefix. A cell shows what the "
        "backend did. Plain text means the backend does what the spec says. *(declared)* means "
        "it differs in a way its capabilities declare, for example Unsupported for a mode it "
        "does not offer, or a declared key limit. **DIVERGENCE** means an undeclared "
        "difference: a bug to fix, or a capability to declare.",
        "",
        "| behaviour | spec | " + " | ".join(backends) + " |",
        "|---|---|" + "---|" * len(backends),
    ]
    for probe in PROBES:
        cells = []
        for backend in backends:
            finding = results[backend].get(probe.name)
            cells.append("-" if finding is None else f"{finding.observed}{mark[finding.verdict]}")
        lines.append(f"| {probe.name} | {probe.spec} | " + " | ".join(_md(c) for c in cells) + " |")
    lines.append("")
    divergences = sum(f.verdict == "divergence" for r in results.values() for f in r.values())
    lines.append(f"{divergences} divergence(s) across {len(backends)} backend(s).")
    if notes:
        lines += ["", "## Backends", ""]
        lines += [f"- **{name}**: {text}" for name, text in notes.items()]
    if not_run:
        lines += ["", "## Not probed here", ""]
        lines += [f"- **{name}**: {reason}" for name, reason in not_run.items()]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
