"""The dashboard's charts as server-rendered SVG: no script to load, text escaped and translated, and a
title and description for screen readers (role="img").

Each function returns Markup to put inline in a page, so the chart takes the page's font.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup

from marketplace.dashboard.funnel import TIMED_STAGES, Funnel
from marketplace.pipeline.transitions import ORDER

WIDTH = 640
ROW = 30  # height of one bar's row
TOP = 30  # room for the column headings
LABEL_END = 150  # stage labels are right-aligned here
BAR_X = 160
BAR_WIDTH = 340
RIGHT = WIDTH - 8

INK, MUTED, TRACK = "#1d2430", "#5f6b7a", "#eceff3"
FUNNEL_BAR, DAYS_BAR = "#b4232a", "#0b5cad"


def format_rate(rate: float | None) -> str:
    """A conversion as a percentage in the page's locale; an em dash when there is none."""
    return "—" if rate is None else format_percent(rate, format="#,##0%")


def format_days(days: float | None) -> str:
    """Days with at most one decimal in the page's locale; an em dash when there is none."""
    return "—" if days is None else format_decimal(days, format="#,##0.#")


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", colour: str = INK, weight: str = "normal"
) -> Markup:
    return Markup('<text x="{}" y="{}" text-anchor="{}" fill="{}" font-size="13" font-weight="{}">{}</text>').format(
        x, y, anchor, colour, weight, content
    )


def _bar_row(index: int, label: str, share: float, colour: str, value: str, extra: str = "") -> Markup:
    """One labelled bar: ``share`` of the full width (0..1), ``value`` after the bar, ``extra`` at the right."""
    top = TOP + index * ROW
    baseline = top + ROW / 2 + 4
    width = round(BAR_WIDTH * share, 1) if share > 0 else 0
    parts = [
        _text(LABEL_END, baseline, label, anchor="end"),
        Markup('<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>').format(
            BAR_X, top + 6, BAR_WIDTH, ROW - 12, TRACK
        ),
    ]
    if width:
        parts.append(
            Markup('<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"/>').format(
                BAR_X, top + 6, max(width, 2), ROW - 12, colour
            )
        )
    parts.append(_text(BAR_X + BAR_WIDTH + 8, baseline, value, weight="600"))
    if extra:
        parts.append(_text(RIGHT, baseline, extra, anchor="end", colour=MUTED))
    return Markup("").join(parts)


def _svg(chart_id: str, title: str, description: str, rows: int, headings: Sequence[Markup], body: Markup) -> Markup:
    height = TOP + rows * ROW + 6
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {w} {h}" '
        'width="100%" preserveAspectRatio="xMinYMin meet" role="img" aria-label="{title}" '
        'aria-describedby="{id}-desc"><title>{title}</title><desc id="{id}-desc">{desc}</desc>{head}{body}</svg>'
    ).format(id=chart_id, w=WIDTH, h=height, title=title, desc=description, head=Markup("").join(headings), body=body)


def funnel_chart(funnel: Funnel, *, chart_id: str = "funnel-chart") -> Markup:
    """Candidates who reached each forward stage as bars, with the conversion from the stage before."""
    top = max(funnel.reached.values(), default=0)
    rows, lines = [], []
    for index, stage in enumerate(ORDER):
        count = funnel.reached[stage]
        label = str(stage.label)
        rate = funnel.conversion.get(ORDER[index - 1]) if index else None
        rows.append(
            _bar_row(
                index,
                label,
                count / top if top else 0,
                FUNNEL_BAR,
                format_decimal(count),
                format_rate(rate) if index else "",
            )
        )
        if rate is None:
            lines.append(_("%(stage)s: %(count)s reached.", stage=label, count=format_decimal(count)))
        else:
            lines.append(
                _(
                    "%(stage)s: %(count)s reached, %(rate)s of the stage before.",
                    stage=label,
                    count=format_decimal(count),
                    rate=format_rate(rate),
                )
            )
    title = _("Candidates who reached each stage")
    headings = [
        _text(BAR_X, 16, _("Reached"), colour=MUTED),
        _text(RIGHT, 16, _("Of the stage before"), anchor="end", colour=MUTED),
    ]
    return _svg(chart_id, title, " ".join(lines), len(ORDER), headings, Markup("").join(rows))


def days_chart(funnel: Funnel, *, chart_id: str = "days-chart") -> Markup:
    """The median days a candidate spends in each stage (finished stays only) as bars."""
    longest = max((d for d in funnel.median_days.values() if d is not None), default=0)
    rows, lines = [], []
    for index, stage in enumerate(TIMED_STAGES):
        days = funnel.median_days[stage]
        label = str(stage.label)
        value = _("%(days)s days", days=format_days(days)) if days is not None else "—"
        rows.append(_bar_row(index, label, (days or 0) / longest if longest else 0, DAYS_BAR, value))
        if days is None:
            lines.append(_("%(stage)s: no finished stay yet.", stage=label))
        else:
            lines.append(_("%(stage)s: %(days)s days.", stage=label, days=format_days(days)))
    title = _("Median days in each stage")
    headings = [_text(BAR_X, 16, _("Median days before the next move"), colour=MUTED)]
    return _svg(chart_id, title, " ".join(lines), len(TIMED_STAGES), headings, Markup("").join(rows))
