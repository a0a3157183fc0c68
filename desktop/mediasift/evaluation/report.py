"""``mediasift eval`` output for people: a table per model, and a bar chart drawn with Pillow
(no plotting library to install for one chart)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from mediasift.bench.retrieval import RUNS

from .metrics import DEPTH, KS

MEASURES = (*(f"recall@{k}" for k in KS), "mrr", f"ndcg@{DEPTH}")
SIGNALS = tuple(name for name, _, _ in RUNS)
#: One colour per compared model (Okabe-Ito: tellable apart with colour blindness).
COLOURS = ((0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233))


def table(results: dict[str, dict]) -> str:
    """Every model's figures: a row per signal and kind of file, then latency and indexing."""
    lines = []
    for model, figures in results.items():
        spaces = ", ".join(f"{signal}: {space}" for signal, space in figures["spaces"].items())
        lines += [f"Model {model}  ({figures['queries']} queries; {spaces or 'no vector spaces'})"]
        lines += [f"{'signal':<10}{'kind':<14}{'n':>5}" + "".join(f"{m:>11}" for m in MEASURES)]
        for signal in SIGNALS:
            for kind, measured in figures[signal].items():
                cells = "".join(f"{measured[m]:>11.3f}" for m in MEASURES)
                lines.append(f"{signal:<10}{kind:<14}{measured['queries']:>5}{cells}")
        for signal, why in figures["missing_signals"].items():
            lines.append(f"not measured by {signal}: {why}")
        if "query_ms" in figures:
            ms = figures["query_ms"]
            lines.append(f"query latency (blend): p50 {ms['p50']} ms, p95 {ms['p95']} ms")
        indexing = figures.get("indexing")
        if indexing and indexing["files"]:
            lines.append(f"indexing: {indexing['files']} files in {indexing['seconds']} s "
                         f"({indexing['files_per_s']} files/s)")  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def chart(results: dict[str, dict], path: Path) -> Path:
    """A PNG: one panel per measure, a group of bars per signal, one bar per model."""
    panel_w, panel_h, top, bottom, left = 260, 300, 40, 70, 36
    width = left + panel_w * len(MEASURES) + 20
    image = Image.new("RGB", (width, top + panel_h + bottom + 24 * len(results)), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(13)
    models = list(results)
    group_w = (panel_w - 30) / len(SIGNALS)
    bar_w = max(2, int((group_w - 8) / len(models)))
    for p, measure in enumerate(MEASURES):
        x0, y1 = left + p * panel_w, top + panel_h
        draw.text((x0 + panel_w / 2, 12), measure, fill="black", font=font, anchor="mt")
        for tick in (0.0, 0.5, 1.0):
            y = y1 - tick * panel_h
            draw.line((x0, y, x0 + panel_w - 30, y), fill=(220, 220, 220))
            draw.text((x0 - 4, y), f"{tick:g}", fill="gray", font=font, anchor="rm")
        for s, signal in enumerate(SIGNALS):
            gx = x0 + 4 + s * group_w
            for m, model in enumerate(models):
                value = results[model][signal]["all"].get(measure, 0.0)
                bx = gx + m * bar_w
                draw.rectangle((bx, y1 - value * panel_h, bx + bar_w - 1, y1),
                               fill=COLOURS[m % len(COLOURS)])  # fmt: skip
            draw.text((gx + group_w / 2 - 4, y1 + 6), signal, fill="black", font=font, anchor="mt")
    for m, model in enumerate(models):
        y = top + panel_h + bottom - 20 + 24 * m
        draw.rectangle((left, y, left + 14, y + 14), fill=COLOURS[m % len(COLOURS)])
        draw.text((left + 22, y), model, fill="black", font=font)
    image.save(path)
    return path
