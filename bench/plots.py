"""Deterministic matplotlib PNGs for docs/benchmarks.md: Agg backend, no metadata that varies."""

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display here, and the same output everywhere

import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

# Plain numbers (5,000; 1,000,000; 0.5) rather than powers of ten, as in the tables.
_PLAIN = FuncFormatter(lambda value, _: f"{value:,.10g}")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def line_plot(
    path: Path,
    title: str,
    xlabel: str,
    ylabel: str,
    xs: Sequence[float],
    series: Mapping[str, Sequence[float | None]],
    *,
    log_x: bool = True,
    log_y: bool = True,
) -> Path:
    """One line per series over the same xs (None leaves a gap); writes and returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    figure, axes = plt.subplots(figsize=(7.5, 4.5), dpi=100)
    try:
        for number, (label, ys) in enumerate(series.items()):
            points = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
            axes.plot(
                [x for x, _ in points],
                [y for _, y in points],
                marker=_MARKERS[number % len(_MARKERS)],
                label=label,
            )
        if log_x:
            axes.set_xscale("log")
        if log_y:
            axes.set_yscale("log")
        axes.xaxis.set_major_formatter(_PLAIN)
        axes.yaxis.set_major_formatter(_PLAIN)
        axes.set_title(title)
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize="small")
        figure.tight_layout()
        # The default PNG metadata names the matplotlib version; nothing varying is written.
        figure.savefig(path, format="png", metadata={"Software": None})
    finally:
        plt.close(figure)
    return path
