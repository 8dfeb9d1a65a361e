"""An event's results as a spreadsheet (CSV or XLSX): one row per pitch, need by need, scored pitches ranked
first, then the unscored ones without a rank; the mean of each rubric criterion and the judges' comments.

The rows are what ``scoring.results`` gives the reader (a judge: their panel's needs; the platform: every
need), so the export shows no more than the results page. Every cell goes through
``spreadsheets.table_csv``/``table_xlsx``, so a startup named ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from marketplace.events.models import Event
from marketplace.events.scoring import PitchResult
from marketplace.web.spreadsheets import table_csv, table_xlsx

TEXT_COLUMNS = 2


def headers(event: Event) -> list[str]:
    """The column headings, translated; one per rubric criterion."""
    return [
        _("Need"),
        _("Startup"),
        _("Rank"),
        _("Score"),
        _("Spread"),
        _("Judges"),
        *(_(c["label"]) for c in event.rubric),
        _("Stage"),
        _("Judges' comments"),
    ]


def result_rows(event: Event, results: dict[int, list[PitchResult]]) -> list[list[Any]]:
    """Need by need, the scored pitches ranked, then the unscored ones with an empty rank."""
    rows: list[list[Any]] = []
    for items in results.values():
        scored = [r for r in items if r.scored]
        for rank, r in enumerate(scored, start=1):
            rows.append(_row(event, r, rank))
        rows.extend(_row(event, r, None) for r in items if not r.scored)
    return rows


def _row(event: Event, r: PitchResult, rank: int | None) -> list[Any]:
    comments = "\n".join(f"{name}: {text}" for name, text in r.comments)
    return [
        r.row.need.title,
        r.row.startup.name,
        rank,
        r.mean,
        r.spread,
        r.judges,
        *(r.criteria.get(c["key"]) for c in event.rubric),
        str(r.row.candidate.stage.label),
        comments,
    ]


def results_csv(event: Event, results: dict[int, list[PitchResult]]) -> str:
    return table_csv(headers(event), result_rows(event, results))


def results_xlsx(event: Event, results: dict[int, list[PitchResult]]) -> bytes:
    return table_xlsx("results", headers(event), result_rows(event, results), text_columns=TEXT_COLUMNS)
