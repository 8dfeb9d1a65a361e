"""The per-need funnel as a spreadsheet (CSV or XLSX): one row per need, then one for all of them.

Headers are in the reader's language; every cell goes through ``spreadsheet_cell`` so a need
title such as ``=HYPERLINK(...)`` stays text. Conversions are percentages (0–100, one decimal) and
days have one decimal; an empty cell means there is nothing to measure.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from flask_babel import gettext as _

from marketplace.dashboard.funnel import TIMED_STAGES, Funnel, PipelineReport
from marketplace.pipeline.enums import CandidateStage
from marketplace.pipeline.transitions import ORDER
from marketplace.web.spreadsheets import table_csv, table_xlsx

# Text columns (need, bank unit) and how wide an XLSX column may grow, in characters.
TEXT_COLUMNS = 2
MAX_TEXT_WIDTH = 60
NUMBER_WIDTH = 14


def headers() -> list[str]:
    """The column headings, translated."""
    return [
        _("Need"),
        _("Bank unit"),
        _("Candidates"),
        _("Active candidates"),
        *(_("Now: %(stage)s", stage=stage.label) for stage in CandidateStage),
        *(_("Reached: %(stage)s", stage=stage.label) for stage in ORDER),
        *(_("Conversion %(frm)s → %(to)s (%%)", frm=frm.label, to=to.label) for frm, to in pairwise(ORDER)),
        *(_("Median days in %(stage)s", stage=stage.label) for stage in TIMED_STAGES),
    ]


def _numbers(funnel: Funnel) -> list[Any]:
    return [
        funnel.total,
        funnel.active,
        *(funnel.current[stage] for stage in CandidateStage),
        *(funnel.reached[stage] for stage in ORDER),
        *(
            None if funnel.conversion[stage] is None else round(funnel.conversion[stage] * 100, 1)
            for stage in ORDER[:-1]
        ),
        *(None if funnel.median_days[stage] is None else round(funnel.median_days[stage], 1) for stage in TIMED_STAGES),
    ]


def funnel_rows(report: PipelineReport, locale: str) -> list[list[Any]]:
    """One row per need in the report, then the total ("All needs"); bank units named for ``locale``."""
    rows = [
        [row.need.title, row.owner.display_name(locale) if row.owner else "", *_numbers(row.funnel)]
        for row in report.needs
    ]
    rows.append([_("All needs") if report.need is None else _("Total"), "", *_numbers(report.overall)])
    return rows


def pipeline_csv(report: PipelineReport, locale: str) -> str:
    """The funnel as CSV text, starting with a byte-order mark so Excel reads Chinese as UTF-8."""
    return table_csv(headers(), funnel_rows(report, locale))


def pipeline_xlsx(report: PipelineReport, locale: str) -> bytes:
    """The funnel as an XLSX workbook: bold wrapped header row, frozen with the need column, sized columns."""
    return table_xlsx(
        "pipeline",
        headers(),
        funnel_rows(report, locale),
        text_columns=TEXT_COLUMNS,
        max_text_width=MAX_TEXT_WIDTH,
        number_width=NUMBER_WIDTH,
    )
