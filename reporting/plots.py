"""The report's figures, drawn with matplotlib from `reporting.plot_data`.

Figures are built with `matplotlib.figure.Figure` (no pyplot: no global figure state shared
between requests) and rendered by the Agg-based backends to SVG, PNG or a PDF page. SVG keeps
its text as text (`svg.fonttype: none`), so a page's plots are searchable and light. Artists
carry ids (`gid`, prefixed by the plot's name) that come out as element ids in the SVG.

Pure: imports nothing from Django.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.fonttype"] = "none"

from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import FancyArrowPatch  # noqa: E402

from reporting.plot_data import (  # noqa: E402
    KmSteps,
    PkSeries,
    SwimmerRow,
    at_risk_days,
    km_steps,
    numbers_at_risk,
    pk_series,
    swimmer_rows,
)
from reporting.tables import ANALYTE_UNITS  # noqa: E402

LEVEL_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
KM_ENDPOINTS = {"km-dor": ("dor", "Duration of remission"),
                "km-efs": ("efs", "Event-free survival"),
                "km-os": ("os", "Overall survival")}
PK_ANALYTES = {"pk-copies": "car_copies_per_ug_gdna", "pk-cells": "car_t_cells_per_uL"}
PLOT_TITLES = {**{name: title for name, (_, title) in KM_ENDPOINTS.items()},
               "swimmer": "Follow-up of each infused patient",
               **{name: f"Expansion: {ANALYTE_UNITS[analyte]}"
                  for name, analyte in PK_ANALYTES.items()}}
PLOT_NAMES = tuple(PLOT_TITLES)
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png"}
PNG_DPI = 150
# The page's versions of the patient-level plots hold a bounded number of patients, so that the
# page weighs the same at any trial size: the swimmer plot a page of rows at a time, each PK
# panel the curves of its first patients. The downloads and the PDF show every patient.
SWIMMER_ROWS_PER_PAGE = 40
PK_CURVES_PER_LEVEL_ON_PAGE = 12


def level_colour(rank: int) -> str:
    return LEVEL_COLOURS[(rank - 1) % len(LEVEL_COLOURS)]


def km_figure(name: str, km: dict) -> Figure:
    """Survival curve with its 95% band, censoring marks, and the numbers at risk beneath."""
    steps: KmSteps = km_steps(km)
    last_day = max(steps.t[-1], 1.0)
    ticks = at_risk_days(last_day)
    fig = Figure(figsize=(7.5, 4.6), layout="constrained")
    curve_ax, risk_ax = fig.subplots(2, 1, sharex=True, height_ratios=(4, 1))
    band = curve_ax.fill_between(steps.t, steps.ci_low, steps.ci_high, step="post",
                                 alpha=0.2, color=LEVEL_COLOURS[0], linewidth=0)
    band.set_gid(f"{name}-band")
    (line,) = curve_ax.step(steps.t, steps.s, where="post", color=LEVEL_COLOURS[0],
                            label="Kaplan–Meier estimate")
    line.set_gid(f"{name}-curve")
    marks = curve_ax.plot(steps.censored_t, steps.censored_s, "|", color="black",
                          markersize=9, label="Censored")[0]
    marks.set_gid(f"{name}-censored")
    curve_ax.set_ylim(-0.02, 1.02)
    curve_ax.set_ylabel("Probability")
    curve_ax.set_title(f"{PLOT_TITLES[name]} (n = {steps.n}, 95% CI shaded)", fontsize=11)
    curve_ax.legend(loc="lower left", fontsize=8, frameon=False)
    curve_ax.grid(alpha=0.3)
    risk_ax.set_gid(f"{name}-at-risk")
    for day, count in zip(ticks, numbers_at_risk(km, ticks), strict=True):
        risk_ax.text(day, 0.5, str(count), ha="center", va="center", fontsize=9)
    risk_ax.set_yticks([])
    risk_ax.set_ylabel("At risk", rotation=0, ha="right", va="center")
    risk_ax.set_xticks(ticks)
    risk_ax.set_xlim(-last_day * 0.03, last_day * 1.03)
    risk_ax.set_xlabel("Days")
    for side in ("top", "right", "left"):
        risk_ax.spines[side].set_visible(False)
    return fig


def swimmer_figure(rows: list[SwimmerRow], level_ranks: dict[str, int], *,
                   title: str | None = None) -> Figure:
    """One bar per infused patient of `rows` from day 0 to the last follow-up, with its
    events."""
    height = min(max(2.5, 0.26 * len(rows) + 1.6), 60)
    fig = Figure(figsize=(8, height), layout="constrained")
    ax = fig.subplots()
    ys = range(len(rows))
    arrow_days = max(10.0, 0.03 * max((row.last_day for row in rows), default=0))
    bars = ax.barh(list(ys), [max(row.last_day, 0.5) for row in rows], height=0.6,
                   color=[level_colour(row.dose_rank) for row in rows])
    for bar, row in zip(bars, rows, strict=True):
        bar.set_gid(f"swimmer-bar-{row.subject_id}")
    markers = {
        "CR/CRi": ([], dict(marker="o", color="#2c6e49", linestyle="", markersize=6)),
        "PR": ([], dict(marker="o", markerfacecolor="white", markeredgecolor="#2c6e49",
                        linestyle="", markersize=6)),
        "Relapse or progression": ([], dict(marker="X", color="#a4262c", linestyle="",
                                            markersize=7)),
        "HSCT": ([], dict(marker="D", color="#6a3d9a", linestyle="", markersize=6)),
        "Death": ([], dict(marker="s", color="black", linestyle="", markersize=6)),
    }
    for y, row in zip(ys, rows, strict=True):
        for day, label in row.responses:
            markers[label][0].append((day, y))
        markers["Relapse or progression"][0].extend((day, y) for day, _ in row.disease_events)
        if row.hsct_day is not None:
            markers["HSCT"][0].append((row.hsct_day, y))
        if row.death_day is not None:
            markers["Death"][0].append((row.death_day, y))
        if row.ongoing:
            ax.add_patch(FancyArrowPatch(
                (row.last_day, y), (row.last_day + arrow_days, y), arrowstyle="-|>",
                mutation_scale=10, color="#333333", linewidth=1.2,
                gid=f"swimmer-ongoing-{row.subject_id}"))
    handles = []
    for label, (points, style) in markers.items():
        (artist,) = ax.plot([p[0] for p in points], [p[1] for p in points], label=label,
                            **style)
        artist.set_gid(f"swimmer-{label.split()[0].lower().replace('/', '-')}")
        handles.append(artist)
    handles.append(Line2D([], [], color="#333333", marker=">", linestyle="-",
                          label="Ongoing"))
    handles += [Line2D([], [], color=level_colour(rank), linewidth=8, label=code)
                for code, rank in level_ranks.items()]
    ax.set_yticks(list(ys), [row.subject_id for row in rows], fontsize=8)
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_xlabel("Days since the first infusion")
    ax.set_title((title or PLOT_TITLES["swimmer"]) if rows
                 else "No infused patient at the cutoff", fontsize=11)
    ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    ax.grid(axis="x", alpha=0.3)
    return fig


def pk_figure(name: str, by_level: dict[str, list[PkSeries]],
              level_ranks: dict[str, int], *, per_level: int | None = None) -> Figure:
    """Each dose level's expansion curves on a log scale; below-LLOQ samples along the floor.
    With `per_level`, each panel draws the curves of its first `per_level` patients only and
    says so."""
    levels = list(by_level) or ["(no dose level)"]
    fig = Figure(figsize=(max(4.0, 3.2 * len(levels)), 3.8), layout="constrained")
    axes = fig.subplots(1, len(levels), sharey=True, squeeze=False)[0]
    unit = ANALYTE_UNITS[PK_ANALYTES[name]]
    for ax, level in zip(axes, levels, strict=True):
        every = by_level.get(level, [])
        series = every[:per_level] if per_level is not None else every
        colour = level_colour(level_ranks.get(level, 1))
        quantified = False
        for one in series:
            points = [(d, v) for d, v in zip(one.days, one.values, strict=True) if v]
            floor = [d for d, v in zip(one.days, one.values, strict=True) if not v]
            if points:
                quantified = True
                ax.plot([p[0] for p in points], [p[1] for p in points], "-o", color=colour,
                        alpha=0.6, markersize=3, linewidth=1, gid=f"{name}-{one.subject_id}")
            ax.plot(floor, [0.02] * len(floor), "v", color="#777777", markersize=4,
                    transform=ax.get_xaxis_transform())
        if quantified:
            ax.set_yscale("log")
        else:
            ax.text(0.5, 0.5, "No quantifiable sample", ha="center", va="center",
                    transform=ax.transAxes, fontsize=9)
        shown = "" if len(series) == len(every) else f"; the first {len(series)} drawn"
        ax.set_title(f"{level} (n = {len(every)}{shown})", fontsize=10)
        ax.set_xlabel("Days since infusion")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel(unit)
    fig.suptitle(f"{PLOT_TITLES[name]} (log scale; ▼ below the limit of quantification)",
                 fontsize=11)
    return fig


def report_figure(name: str, report: dict, trial) -> Figure:
    """The figure `name` (one of PLOT_NAMES) of the report at its cutoff; `trial` is the
    `TrialAsOf` at the same cutoff."""
    ranks = {level.code: level.rank for level in trial.study.dose_levels}
    if name in KM_ENDPOINTS:
        return km_figure(name, report[KM_ENDPOINTS[name][0]])
    if name == "swimmer":
        return swimmer_figure(swimmer_rows(trial), ranks)
    if name in PK_ANALYTES:
        return pk_figure(name, pk_series(trial, PK_ANALYTES[name]), ranks)
    raise KeyError(f"no plot named {name!r}; the plots are {', '.join(PLOT_NAMES)}")


def swimmer_pages(infused: int) -> int:
    """The number of pages of the swimmer plot on the report page (one when no one is
    infused)."""
    return max(1, -(-infused // SWIMMER_ROWS_PER_PAGE))


def swimmer_span(page: int, infused: int) -> tuple[int, int]:
    """The first and last patient (counted from 1) on page `page` of the swimmer plot."""
    first = (page - 1) * SWIMMER_ROWS_PER_PAGE
    return min(first + 1, infused), min(first + SWIMMER_ROWS_PER_PAGE, infused)


def page_plot_name(name: str, swimmer_page: int = 1) -> str:
    """The name a plot's page version is kept under: the swimmer plot's per page."""
    return f"swimmer-page-{swimmer_page}" if name == "swimmer" else f"{name}-page"


def page_figure(name: str, report: dict, trial, *, swimmer_page: int = 1) -> Figure:
    """The version of plot `name` that the report page shows: the figure of `report_figure`
    for the Kaplan–Meier curves, a bounded number of patients for the others (page
    `swimmer_page` of the swimmer plot, counted from 1)."""
    ranks = {level.code: level.rank for level in trial.study.dose_levels}
    if name == "swimmer":
        rows = swimmer_rows(trial)
        first, last = swimmer_span(swimmer_page, len(rows))
        shown = rows[first - 1:last]
        title = PLOT_TITLES["swimmer"]
        if len(rows) > len(shown):
            title += f": patients {first}–{last} of {len(rows)}"
        return swimmer_figure(shown, ranks, title=title)
    if name in PK_ANALYTES:
        return pk_figure(name, pk_series(trial, PK_ANALYTES[name]), ranks,
                         per_level=PK_CURVES_PER_LEVEL_ON_PAGE)
    return report_figure(name, report, trial)


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """The figure as SVG or PNG bytes."""
    if fmt not in CONTENT_TYPES:
        raise ValueError(f"format: {fmt!r} is not one of {', '.join(CONTENT_TYPES)}")
    out = io.BytesIO()
    fig.savefig(out, format=fmt, dpi=PNG_DPI, metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


def svg_element(svg: bytes) -> str:
    """The SVG document's element alone, for embedding in an HTML page (no XML prolog or
    doctype)."""
    text = svg.decode()
    return text[text.index("<svg"):]
