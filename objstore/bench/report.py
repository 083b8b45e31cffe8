"""``objstore report``: one self-contained HTML page (inline SVG, no script, no network)
with a summary table, latency CDFs and throughput over time per backend and operation."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from objstore.bench import hist
from objstore.bench.results import MIB

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
WIDTH, HEIGHT = 620, 320
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 64, 30, 14, 46

Series = tuple[str, list[tuple[float, float]]]


def fmt_latency(us: float) -> str:
    """Microseconds, printed in the unit that keeps 3-4 significant digits."""
    if us >= 1e6:
        return f"{us / 1e6:.3g}s"
    if us >= 1e3:
        return f"{us / 1e3:.3g}ms"
    return f"{us:.3g}µs"


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    value = start
    while value <= hi + step * 1e-9:
        if value >= lo - step * 1e-9:
            ticks.append(round(value, 10))
        value += step
    return ticks


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    xlog: bool = False,
    x_format: Any = None,
    y_range: tuple[float, float] | None = None,
) -> str:
    """An SVG line chart; ``xlog`` uses decades (for latency)."""
    points = [p for _, pts in series for p in pts if not xlog or p[0] > 0]
    if not points:
        return f'<div class="empty">{html.escape(title)}: no data</div>'
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    if xlog:
        x_lo = 10 ** math.floor(math.log10(min(xs)))
        x_hi = 10 ** math.ceil(math.log10(max(xs)))
        if x_hi <= x_lo:
            x_hi = x_lo * 10
        x_ticks = []
        decade = x_lo
        while decade <= x_hi * 1.0001:
            x_ticks.append(decade)
            decade *= 10

        def fx(x: float) -> float:
            return (math.log10(max(x, x_lo)) - math.log10(x_lo)) / (
                math.log10(x_hi) - math.log10(x_lo)
            )
    else:
        x_lo, x_hi = min(0.0, min(xs)), max(xs) or 1.0
        x_ticks = _nice_ticks(x_lo, x_hi)

        def fx(x: float) -> float:
            return (x - x_lo) / ((x_hi - x_lo) or 1.0)

    y_lo, y_hi = y_range if y_range else (0.0, max(ys) * 1.1 or 1.0)
    y_ticks = _nice_ticks(y_lo, y_hi)
    plot_w = WIDTH - MARGIN_L - MARGIN_R
    plot_h = HEIGHT - MARGIN_T - MARGIN_B

    def px(x: float) -> float:
        return MARGIN_L + fx(x) * plot_w

    def py(y: float) -> float:
        return MARGIN_T + (1 - (y - y_lo) / ((y_hi - y_lo) or 1.0)) * plot_h

    fmt_x = x_format or (lambda v: f"{v:g}")
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img"><title>{html.escape(title)}</title>',
        f'<rect x="{MARGIN_L}" y="{MARGIN_T}" width="{plot_w}" height="{plot_h}" class="plot"/>',
    ]
    for t in x_ticks:
        x = px(t)
        out.append(
            f'<line x1="{x:.1f}" y1="{MARGIN_T}" x2="{x:.1f}" '
            f'y2="{MARGIN_T + plot_h}" class="grid"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{MARGIN_T + plot_h + 16}" class="tick" text-anchor="middle">'
            f"{html.escape(fmt_x(t))}</text>"
        )
    for t in y_ticks:
        y = py(t)
        out.append(
            f'<line x1="{MARGIN_L}" y1="{y:.1f}" x2="{MARGIN_L + plot_w}" '
            f'y2="{y:.1f}" class="grid"/>'
        )
        out.append(
            f'<text x="{MARGIN_L - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{t:g}</text>'
        )
    out.append(
        f'<text x="{MARGIN_L + plot_w / 2}" y="{HEIGHT - 8}" class="axis" text-anchor="middle">'
        f"{html.escape(xlabel)}</text>"
    )
    out.append(
        f'<text x="14" y="{MARGIN_T + plot_h / 2}" class="axis" text-anchor="middle" '
        f'transform="rotate(-90 14 {MARGIN_T + plot_h / 2})">{html.escape(ylabel)}</text>'
    )
    for n, (name, pts) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        coords = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts if not xlog or x > 0)
        if coords:
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="2">'
                f"<title>{html.escape(name)}</title></polyline>"
            )
    # Legend in a white box at the lower right: CDF and throughput curves rarely sit there.
    box_w = 32 + 7.5 * max(len(name) for name, _ in series)
    box_h = 16 * len(series) + 6
    box_x = MARGIN_L + plot_w - box_w - 8
    box_y = MARGIN_T + plot_h - box_h - 8
    out.append(
        f'<rect x="{box_x}" y="{box_y}" width="{box_w}" height="{box_h}" class="legendbox"/>'
    )
    for n, (name, _) in enumerate(series):
        color = PALETTE[n % len(PALETTE)]
        y = box_y + 16 + n * 16
        out.append(f'<rect x="{box_x + 6}" y="{y - 9}" width="12" height="4" fill="{color}"/>')
        out.append(f'<text x="{box_x + 22}" y="{y - 4}" class="legend">{html.escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)


def _run_name(run: dict[str, Any], reps: int) -> str:
    return run["label"] if reps <= 1 else f"{run['label']} #{run['repetition']}"


def _throughput_points(run: dict[str, Any], op: str) -> list[tuple[float, float]]:
    width = float(run["intervals"]["width_s"])
    counts = run["intervals"]["ops"].get(op, [])
    window = float(run["window_s"])
    pts: list[tuple[float, float]] = []
    for k, count in enumerate(counts):
        start = k * width
        span = min(width, window - start) if window > start else width
        if span < width * 0.5:
            continue  # a sliver of a bucket at the end would plot as a false drop
        pts.append((round(start + span / 2, 6), count / span))
    return pts


def render(docs: Sequence[dict[str, Any]], *, title: str = "objstore bench report") -> str:
    """The HTML page for the result documents ``docs``."""
    runs = [run for doc in docs for run in doc["runs"]]
    per_label: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        per_label.setdefault(run["label"], []).append(run)
    ops: list[str] = []
    for run in runs:
        ops.extend(op for op in run["ops"] if op not in ops)
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for doc in docs:
        wl = doc["workload"]
        host = doc["host"]
        mix = ", ".join(f"{k}={v:g}" for k, v in wl["mix"].items())
        bound = f"{wl['duration']:g} s" if wl.get("duration") else f"{wl['ops']} ops"
        load = (
            f"open loop at {wl['rate']:g} ops/s"
            if wl.get("rate")
            else f"closed loop, {wl['concurrency']} in flight"
        )
        parts.append(
            f"<p class='meta'>Workload: <b>{html.escape(mix)}</b>, "
            f"{html.escape(wl['size_human'])} objects "
            f"x {wl['objects']}, put mode {html.escape(wl['mode'])}, {html.escape(bound)} after "
            f"{wl['warmup']:g} s warm-up, {html.escape(load)}, {wl['repeat']} repetition(s). "
            f"Host {html.escape(host['hostname'])} ({host['cpus']} CPUs, "
            f"Python {html.escape(host['python'])}), "
            f"{html.escape(doc['created'])}.</p>"
        )
    parts.append(
        "<h2>Summary</h2><table><tr><th>backend</th><th>op</th><th>driver</th><th>ops/s</th>"
        "<th>MiB/s</th><th>min</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th>"
        "<th>max</th><th>errors</th><th>fingerprint</th></tr>"
    )
    for label, label_runs in per_label.items():
        for op in [*ops, "total"]:
            entries = [r["total"] if op == "total" else r["ops"].get(op) for r in label_runs]
            present = [e for e in entries if e is not None]
            if not present:
                continue
            merged = hist.merge(e["histogram"] for e in present)
            lat = hist.summary_us(merged)
            ops_s = sum(e["ops_per_s"] for e in present) / len(present)
            mib_s = sum(e["mib_per_s"] for e in present) / len(present)
            errors: dict[str, int] = {}
            for e in present:
                for name, count in e["errors"].items():
                    errors[name] = errors.get(name, 0) + count
            err_text = ", ".join(f"{k} {v}" for k, v in errors.items()) or "0"
            cls = " class='total'" if op == "total" else ""
            parts.append(
                f"<tr{cls}><td>{html.escape(label)}</td><td>{html.escape(op)}</td>"
                f"<td>{html.escape(label_runs[0]['driver'])}</td><td>{ops_s:,.0f}</td>"
                f"<td>{mib_s:,.2f}</td>"
                + "".join(
                    f"<td>{fmt_latency(lat[k])}</td>"
                    for k in ("min", "p50", "p90", "p99", "p99_9", "max")
                )
                + f"<td>{html.escape(err_text)}</td>"
                f"<td class='fp'>{html.escape(label_runs[0]['fingerprint'])}</td></tr>"
            )
    parts.append("</table>")
    for op in ops:
        cdf: list[Series] = []
        over_time: list[Series] = []
        for label, label_runs in per_label.items():
            present = [r["ops"][op] for r in label_runs if op in r["ops"]]
            if not present:
                continue
            merged = hist.merge(e["histogram"] for e in present)
            cdf.append((label, hist.cdf_points_us(merged)))
            for run in label_runs:
                if op in run["ops"]:
                    over_time.append((_run_name(run, len(label_runs)), _throughput_points(run, op)))
        parts.append(f"<h2>{html.escape(op)}</h2><div class='row'>")
        parts.append(
            line_chart(
                cdf,
                title=f"{op}: latency CDF",
                xlabel="latency (log scale)",
                ylabel="fraction of operations",
                xlog=True,
                x_format=fmt_latency,
                y_range=(0.0, 1.0),
            )
        )
        parts.append(
            line_chart(
                over_time,
                title=f"{op}: throughput over time",
                xlabel="seconds since the end of warm-up",
                ylabel="ops/s",
            )
        )
        parts.append("</div>")
    parts.append(
        "<p class='meta'>Latency of an open-loop run counts from each operation's intended "
        "start (no coordinated omission). Throughput in MiB/s (1 MiB = 1048576 bytes). "
        f"Generated by objstore report; {len(runs)} run(s), MiB = {MIB} bytes.</p></body></html>"
    )
    return "\n".join(parts)


CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 22px 0 6px; }
.meta { color: #555; font-size: 13px; max-width: 1250px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 9px; text-align: right; }
th { background: #f3f3f3; } td:first-child, td:nth-child(2), td:nth-child(3) { text-align: left; }
tr.total td { font-weight: 600; } td.fp { font-family: monospace; font-size: 11px; color: #666; }
.row { display: flex; gap: 18px; flex-wrap: wrap; }
svg.chart { background: #fff; border: 1px solid #e4e4e4; }
svg .plot { fill: #fcfcfc; stroke: #bbb; } svg .grid { stroke: #eee; }
svg .tick { font-size: 11px; fill: #555; } svg .axis { font-size: 12px; fill: #333; }
svg .legend { font-size: 12px; fill: #222; }
svg .legendbox { fill: #fff; stroke: #ccc; opacity: 0.92; }
.empty { color: #999; padding: 20px; }
"""
