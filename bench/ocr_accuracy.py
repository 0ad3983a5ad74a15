"""How well scripts/read_images.py reads list images, by field and by condition.

    python -m bench.ocr_accuracy [--quick] [--rows N] [--out FILE]

Tables are rendered from a synthetic sample list (bench/ocr_tables.py: phones in the unassigned
154 mobile block, placeholder contacts) with the Debian CJK fonts, then degraded; each image is
read with the same code as the script, and every cell is compared with what was drawn.
Reported per condition: cells exact (and per field), phones exact, phones wrong and NOT flagged
(the number that must be 0), rows missed or split (and how many of those no problem reported),
flagged cells, and seconds per image (engine loaded once, before timing).
"""

import argparse
import platform
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.ocr_tables import (
    DEFAULT_ORDER,
    HEADERS,
    Style,
    degrade,
    render_table,
    sample_rows,
    save_jpeg,
)
from geo.core.phones import split_phones
from geo.pipeline.ocr.engine import RapidEngine
from geo.pipeline.ocr.model import OcrResult
from geo.pipeline.ocr.reader import read_images

COMMAND = "python -m bench.ocr_accuracy"
FIELDS = DEFAULT_ORDER
_FIELD_BY_HEADER = {text: key for key, text in HEADERS.items()}
_SHUFFLED = ("name", "address", "phone", "contact", "city", "seq")


@dataclass(frozen=True)
class Condition:
    name: str
    style: Style = field(default_factory=Style)
    rows: int = 12
    images: int = 1  # sample tables per condition (different rows each)
    quality: int = 0  # JPEG quality; 0 for PNG
    degradation: tuple[tuple[str, float], ...] = ()
    degraded: bool = False  # counts towards the "degraded" target, not the "clean" one


def conditions(quick: bool, rows: int) -> list[Condition]:
    if quick:
        return [
            Condition("clean, wqy-zenhei", rows=6),
            Condition("unruled", Style(ruled=False), rows=6),
            Condition("JPEG 55, scale 0.7, 1.5°", rows=6, quality=55, degraded=True,
                      degradation=(("scale", 0.7), ("rotate_deg", 1.5))),
        ]  # fmt: skip
    merged = Style(merge_city=True)
    return [
        Condition("clean, wqy-zenhei", rows=rows),
        Condition("clean, wqy-microhei", Style(font="wqy-microhei"), rows=rows),
        Condition("clean, arphic-uming (Ming)", Style(font="arphic-uming"), rows=rows),
        Condition("other column order", Style(order=_SHUFFLED), rows=rows),
        Condition("unruled", Style(ruled=False), rows=rows),
        Condition("unruled, uming", Style(ruled=False, font="arphic-uming"), rows=rows),
        Condition("merged city cells", merged, rows=rows),
        Condition("40-row long image, merged", merged, rows=40),
        *(
            Condition(f"JPEG quality {q}", rows=rows, quality=q, degraded=True)
            for q in (40, 60, 90)
        ),
        *(
            Condition(f"scale {s}", rows=rows, degraded=True, degradation=(("scale", s),))
            for s in (0.5, 0.75)
        ),
        *(
            Condition(
                f"rotation {a:+}°", rows=rows, degraded=True, degradation=(("rotate_deg", a),)
            )
            for a in (-2.0, 2.0)
        ),
        Condition("noise σ=6%", rows=rows, degraded=True, degradation=(("noise", 0.06),)),
        Condition("blur σ=1 px", rows=rows, degraded=True, degradation=(("blur", 1.0),)),
        Condition(
            "photo: perspective 3% + 1° + JPEG 70",
            rows=rows,
            quality=70,
            degraded=True,
            degradation=(("perspective", 0.03), ("rotate_deg", 1.0)),
        ),
        # Last, so the seeds of the conditions above stay as they were.
        Condition("135-row screenshot (> 10,000 px tall)", Style(merge_city=True), rows=135),
    ]


@dataclass
class Score:
    cells: int = 0
    exact: int = 0
    by_field: Counter[str] = field(default_factory=Counter)
    field_total: Counter[str] = field(default_factory=Counter)
    phones: int = 0
    phones_exact: int = 0
    phones_wrong_unflagged: int = 0
    rows: int = 0
    missed_or_split: int = 0
    unreported: int = 0
    flagged: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    def add(self, other: "Score") -> None:
        for name in ("cells", "exact", "phones", "phones_exact", "phones_wrong_unflagged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("rows", "missed_or_split", "unreported", "flagged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.by_field.update(other.by_field)
        self.field_total.update(other.field_total)
        self.seconds.extend(other.seconds)
        self.cpu_seconds.extend(other.cpu_seconds)


def score(result: OcrResult, truth: Sequence[dict[str, str]]) -> Score:
    """Compare what was read with what was drawn, row by row (by 序号 when counts differ)."""
    out = Score(rows=len(truth), flagged=result.flagged_cells())
    fields = {label: _FIELD_BY_HEADER.get(label) for label in result.labels}
    read = [
        {fields[k]: cell for k, cell in row.cells.items() if fields.get(k)} for row in result.rows
    ]
    if len(read) == len(truth):
        pairs = list(zip(truth, read, strict=True))
    else:
        by_seq = {r["seq"].text: r for r in read if "seq" in r}
        pairs = [(t, by_seq[t["seq"]]) for t in truth if t["seq"] in by_seq]
        out.missed_or_split = abs(len(truth) - len(pairs)) + abs(len(read) - len(pairs))
        reported = {"seq_gap", "seq_missing", "seq_repeat", "no_header", "cut_row"}
        if not any(p.kind in reported for p in result.problems):
            out.unreported = out.missed_or_split
    for expected, got in pairs:
        for key in FIELDS:
            cell = got.get(key)
            text = cell.text if cell else ""
            out.cells += 1
            out.field_total[key] += 1
            if text == expected[key]:
                out.exact += 1
                out.by_field[key] += 1
        phone = got.get("phone")
        out.phones += 1
        same = phone is not None and _tels(phone.text) == _tels(expected["phone"])
        out.phones_exact += int(same)
        out.phones_wrong_unflagged += int(not same and (phone is None or not phone.flags))
    # A row never read at all is a lost phone; it counts as unflagged only if unreported.
    out.phones += len(truth) - len(pairs)
    if out.unreported:
        out.phones_wrong_unflagged += len(truth) - len(pairs)
    return out


def _tels(text: str) -> list[str]:
    return [phone.tel for phone in split_phones(text)]


def run(quick: bool, rows: int, only: str = "") -> tuple[list[tuple[Condition, Score]], float]:
    started = time.perf_counter()
    engine = RapidEngine()
    load = time.perf_counter() - started
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for number, condition in enumerate(conditions(quick, rows)):
            if only not in condition.name:
                continue
            total = Score()
            for image in range(condition.images):
                seed = 1000 * number + image
                truth = sample_rows(condition.rows, seed=seed)
                picture = render_table(truth, condition.style).image
                if condition.degradation:
                    picture = degrade(picture, seed=seed, **dict(condition.degradation))
                path = Path(tmp) / f"c{number}-{image}.{'jpg' if condition.quality else 'png'}"
                if condition.quality:
                    save_jpeg(picture, path, condition.quality)
                else:
                    picture.save(path)
                clock, cpu = time.perf_counter(), time.process_time()
                result, _ = read_images([path], engine)
                got = score(result, truth)
                got.seconds.append(time.perf_counter() - clock)
                got.cpu_seconds.append(time.process_time() - cpu)
                total.add(got)
            print(f"{condition.name}: {_pct(total.exact, total.cells)} cells exact", flush=True)
            results.append((condition, total))
    return results, load


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def render(results: Sequence[tuple[Condition, Score]], load: float, command: str) -> str:
    lines = [
        f"Command: `{command}` · machine: {platform.machine()}, "
        f"{_cpus()} CPUs, Python {platform.python_version()} · engine load {load:.1f} s · "
        f"load average at the end {_load()}",
        "",
        "| condition | rows | cells exact | phones exact | **phones wrong, not flagged** "
        "| rows missed/split (unreported) | flagged cells | s/image | CPU s/image |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for condition, s in results:
        seconds = sum(s.seconds) / len(s.seconds)
        cpu = sum(s.cpu_seconds) / len(s.cpu_seconds)
        lines.append(
            f"| {condition.name} | {s.rows} | {_pct(s.exact, s.cells)} | "
            f"{_pct(s.phones_exact, s.phones)} | **{s.phones_wrong_unflagged}** | "
            f"{s.missed_or_split} ({s.unreported}) | {s.flagged} | {seconds:.1f} | {cpu:.1f} |"
        )
    lines += ["", "By field (all conditions; clean = not degraded):", ""]
    lines.append("| field | clean | degraded |")
    lines.append("|---|---:|---:|")
    for key in FIELDS:
        cells = []
        for degraded in (False, True):
            exact = sum(s.by_field[key] for c, s in results if c.degraded == degraded)
            total = sum(s.field_total[key] for c, s in results if c.degraded == degraded)
            cells.append(_pct(exact, total))
        lines.append(f"| {HEADERS[key]} ({key}) | {cells[0]} | {cells[1]} |")
    for degraded in (False, True):
        exact = sum(s.exact for c, s in results if c.degraded == degraded)
        total = sum(s.cells for c, s in results if c.degraded == degraded)
        lines.append(f"| **all cells** ({'degraded' if degraded else 'clean'}) | "
                     f"{_pct(exact, total) if not degraded else ''} | "
                     f"{_pct(exact, total) if degraded else ''} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def _load() -> str:
    import os

    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="three small images (CI smoke)")
    parser.add_argument("--rows", type=int, default=12, help="rows per table image (12)")
    parser.add_argument(
        "--out", type=Path, default=Path("bench/out/ocr_accuracy.md"), help="markdown table"
    )
    parser.add_argument("--only", default="", help="only the conditions whose name has this")
    args = parser.parse_args(argv)
    results, load = run(args.quick, args.rows, args.only)
    command = (
        COMMAND
        + (" --quick" if args.quick else "")
        + (f" --rows {args.rows}" if args.rows != 12 else "")
        + (f" --only '{args.only}'" if args.only else "")
    )
    text = render(results, load, command)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
