"""matplotlib charts returned as inline SVG strings.

Inline SVG keeps a report one file that works offline and converts to PDF with WeasyPrint; text
stays text (``svg.fonttype = none``) so the file is small and searchable. Every helper returns a
``<figure class="chart">`` with an optional caption; element ids inside each SVG get a unique
prefix so many charts can share one page.
"""

from __future__ import annotations

import io
import itertools
import re
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np
from markupsafe import Markup
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

PALETTE = ("#1f5fa8", "#e07b39", "#3a9a5b", "#c23b3b", "#7b5ea7", "#8c6d3f", "#d16fa8", "#6b7b8c",
           "#b5a22c", "#2aa5b5", "#9bb0cc", "#444444")
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_counter = itertools.count(1)
_ID_RE = re.compile(r'\bid="([^"]+)"')


def _style() -> None:
    matplotlib.rcParams.update({
        "svg.fonttype": "none",
        "svg.hashsalt": "altresponse",
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
    })


def figure_to_svg(fig: Figure, *, caption: str = "", source: str = "") -> Markup:
    """Serialise a figure to an inline ``<figure>`` (the shared component) with unique element ids.

    The figure is closed whatever happens, so rendering many pages never piles up open figures.
    """
    from altresponse.report.env import component

    try:
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
        svg = buf.getvalue()
    finally:
        plt.close(fig)
    svg = svg[svg.index("<svg"):]
    prefix = f"c{next(_counter)}-"
    ids = set(_ID_RE.findall(svg))
    for old in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f'id="{old}"', f'id="{prefix}{old}"')
        svg = svg.replace(f"url(#{old})", f"url(#{prefix}{old})")
        svg = svg.replace(f'href="#{old}"', f'href="#{prefix}{old}"')
    return component("figure", Markup(svg), caption, source)


def _title(ax: Axes, title: str) -> None:
    """Left-aligned title wrapped to the figure width (long titles would be clipped otherwise)."""
    if title:
        fig = ax.get_figure(root=True)
        width = fig.get_figwidth() if isinstance(fig, Figure) else 7.0
        ax.set_title(textwrap.fill(title, max(30, int(width * 10))), loc="left")


def _new(width: float, height: float) -> tuple[Figure, Axes]:
    """A pyplot-free figure (no global state, one render pass) with constrained layout."""
    _style()
    fig = Figure(figsize=(width, height), layout="constrained")
    ax = fig.subplots()
    return fig, ax


def bar(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str = "",
    xlabel: str = "",
    errors: tuple[Sequence[float], Sequence[float]] | None = None,
    horizontal: bool = True,
    value_format: str = "{:,.0f}",
    caption: str = "",
    color: str = PALETTE[0],
) -> Markup:
    """Bar chart, horizontal by default (long call-type names read better); `errors` = (lo, hi)."""
    n = len(labels)
    vals = np.asarray(values, dtype=float)
    if horizontal:
        fig, ax = _new(7.5, max(1.6, 0.28 * n + 0.8))
        y = np.arange(n)[::-1]
        xerr = None
        if errors is not None:
            lo, hi = np.asarray(errors[0], float), np.asarray(errors[1], float)
            xerr = np.vstack([np.clip(vals - lo, 0, None), np.clip(hi - vals, 0, None)])
        ax.barh(y, vals, color=color, xerr=xerr, ecolor="#333333", capsize=2)
        ax.set_yticks(y, labels)
        ax.set_xlabel(xlabel)
        top = float(np.nanmax(vals)) if n else 0.0
        for yi, v in zip(y, vals, strict=True):
            if np.isfinite(v):
                ax.text(v + top * 0.01, yi, value_format.format(v), va="center", fontsize=7.5)
    else:
        fig, ax = _new(max(4.0, 0.45 * n + 1.5), 3.2)
        x = np.arange(n)
        yerr = None
        if errors is not None:
            lo, hi = np.asarray(errors[0], float), np.asarray(errors[1], float)
            yerr = np.vstack([np.clip(vals - lo, 0, None), np.clip(hi - vals, 0, None)])
        ax.bar(x, vals, color=color, yerr=yerr, ecolor="#333333", capsize=2)
        ax.set_xticks(x, labels, rotation=45, ha="right")
        ax.set_ylabel(xlabel)
    _title(ax, title)
    return figure_to_svg(fig, caption=caption)


def stacked_bar(
    groups: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str = "",
    xlabel: str = "",
    horizontal: bool = True,
    caption: str = "",
) -> Markup:
    """Stacked bars: one bar per group, one coloured segment per series (e.g. pathway by category)."""
    n = len(groups)
    if horizontal:
        fig, ax = _new(7.5, max(1.8, 0.3 * n + 1.2))
        pos = np.arange(n)[::-1]
        left = np.zeros(n)
        for i, (name, vals) in enumerate(series.items()):
            v = np.asarray(vals, dtype=float)
            ax.barh(pos, v, left=left, label=name, color=PALETTE[i % len(PALETTE)])
            left += v
        ax.set_yticks(pos, groups)
        ax.set_xlabel(xlabel)
    else:
        fig, ax = _new(max(4.0, 0.45 * n + 2), 3.4)
        pos = np.arange(n)
        bottom = np.zeros(n)
        for i, (name, vals) in enumerate(series.items()):
            v = np.asarray(vals, dtype=float)
            ax.bar(pos, v, bottom=bottom, label=name, color=PALETTE[i % len(PALETTE)])
            bottom += v
        ax.set_xticks(pos, groups, rotation=45, ha="right")
        ax.set_ylabel(xlabel)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _title(ax, title)
    return figure_to_svg(fig, caption=caption)


def line(
    x: Sequence[float] | Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    bands: Mapping[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    caption: str = "",
) -> Markup:
    """Line chart; `bands` gives an optional (lo, hi) uncertainty ribbon per series name."""
    fig, ax = _new(7.0, 3.2)
    xs = np.arange(len(x)) if x and isinstance(x[0], str) else np.asarray(x, dtype=float)
    for i, (name, vals) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        ax.plot(xs, np.asarray(vals, dtype=float), label=name, color=color, marker="o", markersize=3)
        if bands and name in bands:
            lo, hi = bands[name]
            ax.fill_between(xs, np.asarray(lo, float), np.asarray(hi, float), color=color, alpha=0.18, lw=0)
    if x and isinstance(x[0], str):
        ax.set_xticks(xs, [str(v) for v in x], rotation=45, ha="right")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if len(series) > 1:
        ax.legend(fontsize=7, frameon=False)
    _title(ax, title)
    return figure_to_svg(fig, caption=caption)


def heatmap_hour_of_week(
    matrix: Sequence[Sequence[float]] | np.ndarray,
    *,
    title: str = "",
    colorbar_label: str = "calls",
    caption: str = "",
    cmap: str = "Blues",
) -> Markup:
    """7 x 24 heat map (rows Monday..Sunday, columns hour 0..23 local time)."""
    m = np.asarray(matrix, dtype=float)
    if m.shape != (7, 24):
        raise ValueError(f"hour-of-week matrix must be 7 x 24, got {m.shape}")
    fig, ax = _new(7.5, 2.6)
    im = ax.imshow(m, aspect="auto", cmap=cmap, interpolation="nearest")
    ax.set_yticks(range(7), DAYS)
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)])
    ax.set_xlabel("hour of day (local)")
    ax.spines[:].set_visible(False)
    cb = fig.colorbar(im, ax=ax, fraction=0.03, pad=0.02)
    cb.set_label(colorbar_label)
    _title(ax, title)
    return figure_to_svg(fig, caption=caption)


def _draw_geometry(ax: Axes, geom: object, facecolor: str | tuple[float, ...], edgecolor: str) -> None:
    from shapely.geometry import MultiPolygon, Polygon

    polys: list[Polygon]
    if isinstance(geom, Polygon):
        polys = [geom]
    elif isinstance(geom, MultiPolygon):
        polys = list(geom.geoms)
    else:
        polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    for poly in polys:
        xs, ys = poly.exterior.xy
        ax.fill(xs, ys, facecolor=facecolor, edgecolor=edgecolor, linewidth=0.35)
        for ring in poly.interiors:
            hx, hy = ring.xy
            ax.fill(hx, hy, facecolor="white", edgecolor=edgecolor, linewidth=0.25)


def choropleth(
    geometries: Sequence[object],
    values: Sequence[float | None],
    *,
    title: str = "",
    label: str = "",
    names: Sequence[str] | None = None,
    annotate: bool = False,
    caption: str = "",
    cmap: str = "YlOrRd",
    simplify: float = 0.0002,
) -> Markup:
    """Map shapely (Multi)Polygons in lon/lat shaded by value; None/NaN (e.g. suppressed) is grey hatched.

    Geometries are simplified (degrees) so a 279-neighbourhood map stays a few hundred kilobytes.
    """
    vals = np.array([np.nan if v is None else float(v) for v in values], dtype=float)
    finite = vals[np.isfinite(vals)]
    norm = Normalize(vmin=float(finite.min()) if finite.size else 0.0,
                     vmax=float(finite.max()) if finite.size and finite.max() > finite.min() else 1.0)
    colormap = matplotlib.colormaps[cmap]
    fig, ax = _new(6.5, 6.0)
    for i, geom in enumerate(geometries):
        g = getattr(geom, "simplify")(simplify, preserve_topology=True) if simplify else geom  # noqa: B009
        v = vals[i]
        face = colormap(norm(v)) if np.isfinite(v) else "#e6e6e6"
        _draw_geometry(ax, g, face, "#555555")
        if annotate and names is not None and hasattr(geom, "representative_point"):
            pt = geom.representative_point()
            ax.text(pt.x, pt.y, names[i], fontsize=6, ha="center", va="center")
    ax.set_aspect(1.0 / np.cos(np.deg2rad(39.3)))  # keep mid-latitude shapes undistorted
    ax.set_xticks([])
    ax.set_yticks([])
    ax.spines[:].set_visible(False)
    sm = ScalarMappable(norm=norm, cmap=colormap)
    cb = fig.colorbar(sm, ax=ax, fraction=0.035, pad=0.02)
    cb.set_label(label)
    _title(ax, title)
    return figure_to_svg(fig, caption=caption)


def forest(
    labels: Sequence[str],
    estimates: Sequence[float],
    lo: Sequence[float],
    hi: Sequence[float],
    *,
    title: str = "",
    xlabel: str = "",
    reference: float | None = None,
    caption: str = "",
    percent: bool = False,
) -> Markup:
    """Interval (forest) plot: a point and its interval per row; optional vertical reference line."""
    n = len(labels)
    fig, ax = _new(7.0, max(1.6, 0.26 * n + 0.9))
    y = np.arange(n)[::-1]
    est = np.asarray(estimates, float)
    lo_a, hi_a = np.asarray(lo, float), np.asarray(hi, float)
    ax.hlines(y, lo_a, hi_a, color=PALETTE[0], linewidth=1.6)
    ax.plot(est, y, "o", color=PALETTE[1], markersize=4)
    if reference is not None:
        ax.axvline(reference, color="#777777", linestyle="--", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    if percent:
        ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    _title(ax, title)
    return figure_to_svg(fig, caption=caption)
