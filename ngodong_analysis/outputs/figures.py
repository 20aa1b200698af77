"""Every chart of :func:`ngodong_analysis.plots.charts_for` (``ALL_PLOTS``, and the
committees' comparisons when there are several) saved as PNG and SVG with
reproducible bytes: no date or software stamps and a fixed SVG hash salt, so an unchanged
chart is an unchanged file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..dataset import Dataset

FIGSIZE = (8.0, 4.8)
DPI = 150
_PNG_META = {"Software": None}
# zlib level 3 instead of Pillow's 6: a tenth larger files, a fifth less time saving them
_PNG_OPTIONS = {"compress_level": 3}
_SVG_META = {"Date": None, "Creator": None}
# beyond this many rows in all tables the charts are drawn in one process: a second one
# would hold its own copy of the tables (the sample has ~400 rows, a province ~400,000)
_HELPER_MAX_ROWS = 2_000_000


def save_figures(
    ds: Dataset, folder: Path, *, lang: str = "vi", progress: Callable[[str], None] | None = None
) -> list[Path]:
    """Draw every chart of ``ds`` into ``folder``; returns the files written.

    Saving the charts is most of a build's time. With two cores or more a second process
    draws the last few charts meanwhile (it starts with a second's worth of imports, so it
    gets fewer); a chart is drawn by the same process on every run, so its bytes do not
    depend on timing. ``NGODONG_WORKERS=1`` or big tables (each process would hold a copy)
    keep it to this process. Whatever the second process fails to deliver is drawn here.
    """
    from ..plots import charts_for

    folder.mkdir(parents=True, exist_ok=True)
    names = list(charts_for(ds))  # and, for several committees, the charts comparing them
    helped = names[len(names) - _helper_share(ds, len(names)) :]
    own = names[: len(names) - len(helped)]
    pool = future = None
    if helped:
        from ..workers import Workers

        pool = Workers(1)
        future = pool.submit(_draw, ds, helped, folder, lang)
    try:
        written = _draw(ds, own, folder, lang, progress)
        if future is not None:
            try:
                done = [Path(p) for p in future.result()]
            except Exception:  # noqa: BLE001 - a dead helper or a chart's error: drawn here
                done = _draw(ds, helped, folder, lang, progress)
            else:
                for name in helped:
                    if progress:
                        progress(f"chart {name} (second process)")
            written += done
    finally:
        if pool is not None:
            pool.close()
    return written


def _helper_share(ds: Dataset, n_charts: int) -> int:
    """How many charts (the last ones) a second process draws: none on one core, with
    NGODONG_WORKERS=1, for few charts, or when the tables are big."""
    import os

    from ..config import requested_workers

    if (os.cpu_count() or 1) < 2 or requested_workers() == 1:
        return 0
    if n_charts < 4 or sum(len(df) for df in ds.tables().values()) > _HELPER_MAX_ROWS:
        return 0
    return round(n_charts * 0.4)


def _draw(
    ds: Dataset,
    names: list[str],
    folder: Path,
    lang: str,
    progress: Callable[[str], None] | None = None,
) -> list[Path]:
    """Draw and save the charts ``names`` (PNG, then SVG with the PNG's layout)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from ..plots import charts_for

    specs = charts_for(ds)
    written: list[Path] = []
    with plt.rc_context({"svg.hashsalt": "ngodong", "svg.fonttype": "path"}):
        for name in names:
            spec = specs[name]
            if progress:
                progress(f"chart {name}")
            fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
            try:
                spec.draw(ds, lang=lang, ax=ax)
                png, svg = folder / f"{name}.png", folder / f"{name}.svg"
                fig.savefig(png, dpi=DPI, metadata=_PNG_META, pil_kwargs=_PNG_OPTIONS)
                # the layout found for the PNG holds for the SVG: not worked out twice
                fig.set_layout_engine("none")
                fig.savefig(svg, metadata=_SVG_META)
                written += [png, svg]
            finally:
                plt.close(fig)
    return written
