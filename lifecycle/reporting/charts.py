"""The report's charts as SVG, drawn on the server with matplotlib.

Server-side SVG serves the web page (inline, no script, within the page's CSP) and the
PDF alike. Output is deterministic: the same report gives byte-identical SVG (fixed
element ids, no date stamp), so a re-sent report can be compared with the first.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lifecycle.reporting.model import Report
from lifecycle.roles import COUNTRIES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

# One colour per country, distinguishable in print and for the common colour blindness
# (Okabe-Ito); any other country falls back to grey.
COLOURS = {"KH": "#0072B2", "LA": "#E69F00", "MM": "#009E73", "VN": "#CC79A7"}
OTHER = "#999999"
ON_TIME, LATE, OPEN = "#009E73", "#D55E00", "#F0E442"


@dataclass(frozen=True)
class Chart:
    title: str
    svg: str  # an <svg> element, ready to be placed inline


def charts(report: Report) -> dict[str, Chart]:
    """The charts worth drawing, keyed by the table (``layout``) each illustrates."""
    # matplotlib takes most of a second to import: only reports that draw pay for it.
    import matplotlib

    matplotlib.use("Agg")
    style: dict[Any, Any] = {
        # Text drawn as paths: the SVG looks the same with or without the fonts installed.
        "svg.fonttype": "path",
        # Fixed ids instead of random ones: identical input, identical bytes.
        "svg.hashsalt": "attache-report",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(style):
        drawn = {"Stages": Chart("Officers by stage and country", _by_stage(report))}
        if any(row.on_time or row.late or row.overdue_open for row in report.signoffs):
            drawn["Sign-offs"] = Chart("Sign-offs on time and late", _signoffs(report))
        if report.graduates.total:
            drawn["Graduates by country"] = Chart("Graduates by country", _graduates(report))
        if any(o.promoted or o.posted for o in report.outcomes):
            drawn["Alumni outcomes"] = Chart(
                f"Graduates promoted and posted within {report.within_years} years",
                _outcomes(report),
            )
        if report.quotas:
            drawn["Quotas"] = Chart("Seats and acceptances per country", _quotas(report))
    return drawn


def _figure(height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, height), layout="constrained")
    return figure, figure.subplots()


def _svg(figure: Figure, name: str) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    # Inline in HTML the XML prolog and DOCTYPE are noise: keep the <svg> element only.
    return _own_ids(text[text.index("<svg") :], name)


_ID = re.compile(r'(\bid="|href="#|url\(#)([^")]+)')


def _own_ids(svg: str, name: str) -> str:
    """Prefix every id and reference with the chart's name: matplotlib numbers ids from 1
    in each figure, and several SVGs inline in one page must not share an id (a glyph
    ``<use href="#DejaVuSans-44">`` would otherwise draw another chart's glyph)."""
    return _ID.sub(lambda m: f"{m.group(1)}{name}-{m.group(2)}", svg)


def _whole_numbers(axis: Axis) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))  # no "2.5 officers" ticks


def _colour(country: str) -> str:
    return COLOURS.get(country, OTHER)


def _country_name(code: str) -> str:
    return COUNTRIES.get(code, code)


def _by_stage(report: Report) -> str:
    rows = [row for row in report.by_stage if row.total] or list(report.by_stage)
    figure, axes = _figure(0.35 * len(rows) + 1.2)
    labels = [row.label for row in rows][::-1]
    left = [0] * len(rows)
    for index, country in enumerate(report.countries):
        values = [row.by_country[index] for row in rows][::-1]
        if not any(values):
            continue
        axes.barh(labels, values, left=left, color=_colour(country), label=_country_name(country))
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_xlabel("officers")
    _whole_numbers(axes.xaxis)
    if any(left):
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(figure, "chart-stages")


def _signoffs(report: Report) -> str:
    figure, axes = _figure(0.45 * len(report.signoffs) + 1.2)
    labels = [row.label for row in report.signoffs][::-1]
    series: Sequence[tuple[str, str, list[int]]] = (
        ("on time", ON_TIME, [row.on_time for row in report.signoffs][::-1]),
        ("late", LATE, [row.late for row in report.signoffs][::-1]),
        ("overdue, not signed", OPEN, [row.overdue_open for row in report.signoffs][::-1]),
    )
    left = [0] * len(labels)
    for name, colour, values in series:
        axes.barh(labels, values, left=left, color=colour, label=name)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_xlabel("sign-offs")
    _whole_numbers(axes.xaxis)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(figure, "chart-signoffs")


def _graduates(report: Report) -> str:
    figure, axes = _figure(2.4)
    counts = report.graduates.by_country
    axes.bar(
        [_country_name(c.key) for c in counts],
        [c.count for c in counts],
        color=[_colour(c.key) for c in counts],
    )
    axes.set_ylabel("graduates")
    _whole_numbers(axes.yaxis)
    return _svg(figure, "chart-graduates")


def _outcomes(report: Report) -> str:
    figure, axes = _figure(2.4)
    rows = [o for o in report.outcomes if o.graduates]
    positions = list(range(len(rows)))
    series = (
        ("graduates", "#BBBBBB", [o.graduates for o in rows], -0.27),
        ("promoted", ON_TIME, [o.promoted for o in rows], 0.0),
        ("posted", COLOURS["KH"], [o.posted for o in rows], 0.27),
    )
    for name, colour, values, shift in series:
        axes.bar([p + shift for p in positions], values, width=0.27, color=colour, label=name)
    axes.set_xticks(positions, [_country_name(o.country) for o in rows])
    axes.set_ylabel("graduates")
    _whole_numbers(axes.yaxis)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(figure, "chart-outcomes")


def _quotas(report: Report) -> str:
    figure, axes = _figure(0.3 * len(report.quotas) + 1.2)
    labels = [f"{q.batch} {q.country}" for q in report.quotas][::-1]
    seats = [q.seats for q in report.quotas][::-1]
    accepted = [q.accepted for q in report.quotas][::-1]
    positions = list(range(len(labels)))
    axes.barh([p + 0.2 for p in positions], seats, height=0.4, color="#BBBBBB", label="seats")
    axes.barh(
        [p - 0.2 for p in positions], accepted, height=0.4, color=COLOURS["KH"], label="accepted"
    )
    axes.set_yticks(positions, labels)
    axes.set_xlabel("officers")
    _whole_numbers(axes.xaxis)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _svg(figure, "chart-quotas")
