"""What a benchmark run does: the operation mix, sizes, load shape and stop condition."""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from typing import Any

from objstore.bench.units import format_size, parse_duration, parse_size
from objstore.errors import InvalidArgument
from objstore.spec import WriteMode

OPS: tuple[str, ...] = ("put", "get", "get-range", "delete", "list", "stat")
"""Operation names a mix may use, in report order."""

NEEDS_OBJECTS = frozenset({"get", "get-range", "delete", "list", "stat"})
"""Operations that need the object set written before the clock starts."""

DRIVERS: tuple[str, ...] = ("auto", "aio", "threads", "process")
"""How operations are put in flight: see :mod:`objstore.bench.engine`."""

SCHEDULE_LEN = 4096
"""Length of the pre-drawn op sequence a mix repeats (deterministic per seed)."""


def parse_mix(text: str) -> dict[str, float]:
    """``"put=1,get=3"`` -> ``{"put": 1.0, "get": 3.0}``; a bare ``"get"`` weighs 1.

    Weights are relative; they need not sum to anything.
    """
    mix: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, weight_text = part.partition("=")
        name = name.strip().lower().replace("_", "-")
        if name not in OPS:
            raise InvalidArgument(f"unknown operation {name!r} in mix; expected {', '.join(OPS)}")
        try:
            weight = float(weight_text) if weight_text.strip() else 1.0
        except ValueError:
            raise InvalidArgument(f"weight of {name!r} is not a number: {weight_text!r}") from None
        if weight < 0:
            raise InvalidArgument(f"weight of {name!r} must not be negative")
        if name in mix:
            raise InvalidArgument(f"operation {name!r} appears twice in the mix")
        if weight > 0:
            mix[name] = weight
    if not mix:
        raise InvalidArgument(f"empty operation mix: {text!r}")
    return mix


@dataclass(frozen=True)
class Workload:
    """One benchmark workload; every backend in a run gets the same one.

    Exactly one of ``duration`` and ``ops`` bounds the measured phase. ``rate`` set means
    open loop (operations start on a fixed schedule regardless of completions, and
    latency counts from the scheduled start); ``rate`` None means closed loop with
    ``concurrency`` operations in flight.
    """

    mix: dict[str, float] = field(default_factory=lambda: {"put": 1.0})
    size: int = 4096
    objects: int = 64
    """Distinct keys the operations cycle over."""
    mode: WriteMode = WriteMode.WRITE_FULL
    """Write mode of ``put``."""
    fresh: bool = False
    """Every put writes a new object (as ``rados bench write`` does) instead of overwriting
    one of ``objects``; mode ``create`` always does. Reads still cycle over ``objects``."""
    range_size: int = 0
    """Bytes a ``get-range`` reads at a random offset; 0 means a quarter of ``size``."""
    duration: float | None = 5.0
    ops: int | None = None
    warmup: float = 1.0
    concurrency: int = 1
    rate: float | None = None
    driver: str = "auto"
    processes: int = 0
    """Worker processes of the ``process`` driver; 0: one per CPU, at most ``concurrency``."""
    verify: bool = False
    interval: float = 1.0
    """Width in seconds of the throughput-over-time buckets."""
    seed: int = 1
    repeat: int = 1

    def __post_init__(self) -> None:
        if (self.duration is None) == (self.ops is None):
            raise InvalidArgument("give exactly one of duration and ops")
        if self.duration is not None and self.duration <= 0:
            raise InvalidArgument("duration must be positive")
        if self.ops is not None and self.ops <= 0:
            raise InvalidArgument("ops must be positive")
        if self.concurrency < 1:
            raise InvalidArgument("concurrency must be at least 1")
        if self.rate is not None and self.rate <= 0:
            raise InvalidArgument("rate must be positive")
        if self.objects < 1:
            raise InvalidArgument("objects must be at least 1")
        if self.warmup < 0 or self.interval <= 0:
            raise InvalidArgument("warmup must be >= 0 and interval > 0")
        if self.driver not in DRIVERS:
            raise InvalidArgument(f"driver must be one of {', '.join(DRIVERS)}")
        if self.repeat < 1:
            raise InvalidArgument("repeat must be at least 1")
        if self.verify and self.mode is WriteMode.APPEND and "put" in self.mix:
            raise InvalidArgument("verify needs objects of known content; it excludes put mode wa")
        for name in self.mix:
            if name not in OPS:
                raise InvalidArgument(f"unknown operation {name!r}")

    @property
    def open_loop(self) -> bool:
        return self.rate is not None

    @property
    def fresh_keys(self) -> bool:
        """Puts go to new keys (``fresh`` or mode ``create``)."""
        return self.fresh or self.mode is WriteMode.CREATE

    @property
    def effective_range(self) -> int:
        return max(1, min(self.size, self.range_size or self.size // 4 or 1))

    @property
    def needs_preload(self) -> bool:
        return bool(NEEDS_OBJECTS & set(self.mix)) or self.verify

    def schedule(self) -> list[str]:
        """A deterministic op sequence with the mix's proportions (repeated cyclically)."""
        names = list(self.mix)
        if len(names) == 1:
            return names
        rng = random.Random(self.seed)
        return rng.choices(names, weights=[self.mix[n] for n in names], k=SCHEDULE_LEN)

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["mode"] = self.mode.value
        out["size_human"] = format_size(self.size)
        out["range_bytes"] = self.effective_range
        out["loop"] = "open" if self.open_loop else "closed"
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Workload:
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["mode"] = WriteMode.parse(kwargs.get("mode", "wf"))
        return cls(**kwargs)

    def describe(self) -> str:
        mix = ",".join(f"{k}={v:g}" for k, v in self.mix.items())
        bound = f"{self.duration:g}s" if self.duration is not None else f"{self.ops} ops"
        load = f"rate {self.rate:g}/s" if self.rate else f"{self.concurrency} in flight"
        return f"{mix} {format_size(self.size)} x{self.objects} objects, {bound}, {load}"


QUICK = {
    "mix": {"put": 1.0, "get": 2.0, "stat": 1.0},
    "size": 4096,
    "objects": 32,
    "duration": 1.0,
    "warmup": 0.2,
    "concurrency": 4,
    "interval": 0.1,
}
"""``--quick``: about 1.5 s per backend including set-up, enough for a first comparison."""


def build_workload(
    *,
    mix: str | None = None,
    size: str | int | None = None,
    objects: int | None = None,
    mode: str | None = None,
    range_size: str | int | None = None,
    duration: str | float | None = None,
    ops: int | None = None,
    warmup: str | float | None = None,
    concurrency: int | None = None,
    rate: float | None = None,
    driver: str | None = None,
    processes: int | None = None,
    verify: bool = False,
    fresh: bool = False,
    interval: str | float | None = None,
    seed: int | None = None,
    repeat: int | None = None,
    quick: bool = False,
) -> Workload:
    """A :class:`Workload` from CLI-style text values; unset ones take defaults (or ``--quick``)."""
    base: dict[str, Any] = dict(QUICK) if quick else {}
    if mix is not None:
        base["mix"] = parse_mix(mix)
    if size is not None:
        base["size"] = parse_size(size)
    if range_size is not None:
        base["range_size"] = parse_size(range_size)
    if mode is not None:
        base["mode"] = WriteMode.parse(mode)
    if ops is not None:
        base["ops"] = ops
        base["duration"] = None
    if duration is not None:
        base["duration"] = parse_duration(duration)
        if ops is None:
            base["ops"] = None
    if warmup is not None:
        base["warmup"] = parse_duration(warmup)
    if interval is not None:
        base["interval"] = parse_duration(interval)
    for name, value in (
        ("objects", objects),
        ("concurrency", concurrency),
        ("rate", rate),
        ("driver", driver),
        ("processes", processes),
        ("seed", seed),
        ("repeat", repeat),
    ):
        if value is not None:
            base[name] = value
    base["verify"] = verify
    if fresh:
        base["fresh"] = True
    return Workload(**base)
