"""The organiser's pipeline dashboard shows the seeded world's real numbers, in both languages, and exports them."""

from __future__ import annotations

import csv
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from marketplace.core.config import REPO_ROOT
from marketplace.core.db import db, unit_of_work
from marketplace.core.errors import NotFound
from marketplace.dashboard.funnel import MIN_ACTIVE_CANDIDATES, TIMED_STAGES, TOP_INCUBATORS, pipeline_report
from marketplace.needs.enums import NeedStatus
from marketplace.needs.models import Need
from marketplace.pipeline.enums import CandidateSource, CandidateStage
from marketplace.pipeline.models import Candidate
from marketplace.pipeline.services import add_candidate
from marketplace.pipeline.transitions import ORDER
from marketplace.startups.models import Startup
from tests.conftest import ADMIN, BANK_STAFF, ORGANISER, ZJ_MANAGER
from tests.helpers import need_id, org, startup_listed_by

pytestmark = pytest.mark.integration

FORWARD = [stage.value for stage in ORDER]
PAGES = ["/dashboard/pipeline", "/dashboard/pipeline.csv", "/dashboard/pipeline.xlsx"]


def fixture(name: str) -> list[dict]:
    return json.loads((REPO_ROOT / "fixtures" / name).read_text(encoding="utf-8"))


def seeded_candidates(need_slug: str | None = None) -> list[dict]:
    return [c for c in fixture("pipeline.json") if need_slug is None or c["need"] == need_slug]


def expected_current(candidates: list[dict]) -> dict[str, int]:
    """Candidates by the stage their seeded history ends in."""
    counts = Counter(c["history"][-1]["stage"] for c in candidates)
    return {stage.value: counts.get(stage.value, 0) for stage in CandidateStage}


def furthest(candidate: dict) -> int:
    return max((FORWARD.index(s["stage"]) for s in candidate["history"] if s["stage"] in FORWARD), default=-1)


def expected_reached(candidates: list[dict]) -> dict[str, int]:
    """Candidates whose history got to each forward stage or beyond."""
    return {stage: sum(furthest(c) >= i for c in candidates) for i, stage in enumerate(FORWARD)}


def expected_median_days(candidates: list[dict]) -> dict[str, float | None]:
    """Median of the finished stays per stage, from the seeded days-ago of consecutive steps."""
    stays = defaultdict(list)
    for c in candidates:
        for step, following in pairwise(c["history"]):
            stays[step["stage"]].append(step["days_ago"] - following["days_ago"])
    return {s.value: (statistics.median(stays[s.value]) if stays[s.value] else None) for s in TIMED_STAGES}


def expected_incubators() -> dict[str, tuple[int, int, int]]:
    """Incubator slug → (candidates, reached shortlisted, reached selected), credited as the dashboard promises."""
    listed = {s["slug"]: [entry["incubator"] for entry in s.get("listings", [])] for s in fixture("startups.json")}
    totals = defaultdict(lambda: [0, 0, 0])
    for c in seeded_candidates():
        for slug in [c["nominated_by"]] if c.get("nominated_by") else listed[c["startup"]]:
            totals[slug][0] += 1
            totals[slug][1] += furthest(c) >= FORWARD.index("shortlisted")
            totals[slug][2] += furthest(c) >= FORWARD.index("selected")
    return {slug: tuple(counts) for slug, counts in totals.items()}


def expected_short_needs() -> set[str]:
    active = Counter(
        c["need"] for c in seeded_candidates() if c["history"][-1]["stage"] not in ("declined", "withdrawn")
    )
    return {
        n["slug"]
        for n in fixture("needs.json")
        if n["status"] == "published" and active.get(n["slug"], 0) < MIN_ACTIVE_CANDIDATES
    }


def overall_table(page: str) -> dict[str, dict[str, str]]:
    """Stage → metric → cell text of the page's overall table."""
    table = page.split('id="overall-funnel"', 1)[1].split("</table>", 1)[0]
    return {
        stage: dict(re.findall(r'data-metric="(\w+)">([^<]*)<', row))
        for stage, row in re.findall(r'<tr data-stage="(\w+)"[^>]*>(.*?)</tr>', table, re.S)
    }


def page_numbers(page: str) -> tuple[dict[str, int], dict[str, int]]:
    rows = overall_table(page)
    return (
        {stage: int(cells["current"]) for stage, cells in rows.items()},
        {stage: int(cells["reached"]) for stage, cells in rows.items() if "reached" in cells},
    )


# The numbers


def test_overall_numbers_equal_the_seeded_histories(ctx):
    report = pipeline_report()

    assert report.overall.total == len(seeded_candidates())
    assert {s.value: n for s, n in report.overall.current.items()} == expected_current(seeded_candidates())
    assert {s.value: n for s, n in report.overall.reached.items()} == expected_reached(seeded_candidates())
    assert {s.value: d for s, d in report.overall.median_days.items()} == pytest.approx(
        expected_median_days(seeded_candidates())
    )


def test_each_need_has_its_own_funnel(ctx):
    slugs = {row.need.slug: row.funnel for row in pipeline_report().needs}

    assert set(slugs) == {c["need"] for c in seeded_candidates()}
    for slug, funnel in slugs.items():
        assert {s.value: n for s, n in funnel.reached.items()} == expected_reached(seeded_candidates(slug)), slug
        assert {s.value: n for s, n in funnel.current.items()} == expected_current(seeded_candidates(slug)), slug


def test_conversion_is_the_share_that_reached_the_next_stage(ctx):
    reached = expected_reached(seeded_candidates())

    conversion = pipeline_report().overall.conversion

    assert conversion[CandidateStage.APPLIED] == pytest.approx(reached["shortlisted"] / reached["applied"])
    assert conversion[CandidateStage.ROADSHOW] == pytest.approx(reached["selected"] / reached["roadshow"])


def test_top_incubators_by_selected_then_shortlisted(ctx):
    expected = expected_incubators()

    rows = pipeline_report().incubators

    assert len(rows) == min(TOP_INCUBATORS, len(expected))
    got = [(row.incubator.slug, (row.tally.candidates, row.tally.shortlisted, row.tally.selected)) for row in rows]
    assert all(expected[slug] == counts for slug, counts in got)
    best = sorted(expected.values(), key=lambda c: (-c[2], -c[1], -c[0]))[:TOP_INCUBATORS]
    assert [counts for _slug, counts in got] == best


def test_needs_without_enough_candidates(ctx):
    short = pipeline_report().short_of_candidates

    assert {item.need.slug for item in short} == expected_short_needs()
    assert all(item.need.status == NeedStatus.PUBLISHED and item.active < MIN_ACTIVE_CANDIDATES for item in short)


def test_report_for_one_need(app, ctx):
    report = pipeline_report(need_id(app, "iot-collateral-monitoring"))

    assert [row.need.slug for row in report.needs] == ["iot-collateral-monitoring"]
    assert {s.value: n for s, n in report.overall.reached.items()} == expected_reached(
        seeded_candidates("iot-collateral-monitoring")
    )
    with pytest.raises(NotFound):
        pipeline_report(10**9)


def test_report_reads_a_fixed_number_of_queries_however_many_candidates(app, ctx):
    def selects() -> int:
        statements = []

        def count(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            pipeline_report()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return sum(statement.lstrip().upper().startswith("SELECT") for statement in statements)

    need = need_id(app, "alt-data-micro-credit")
    newcomers = db.session.scalars(
        sa.select(Startup.id)
        .where(Startup.id.not_in(sa.select(Candidate.startup_id).where(Candidate.need_id == need)))
        .order_by(Startup.id)
        .limit(3)
    ).all()

    before = selects()
    for startup_id in newcomers:
        add_candidate(need_id=need, startup_id=startup_id, source=CandidateSource.MATCHED, actor_id=None)
    db.session.flush()

    assert selects() == before <= 6


# The page


def test_page_shows_the_seeded_numbers_with_charts_and_links(app, client, auth):
    auth.login(ORGANISER)

    response = client.get("/dashboard/pipeline")
    page = response.get_data(as_text=True)

    current, reached = page_numbers(page)
    assert response.status_code == 200
    assert current == expected_current(seeded_candidates())
    assert reached == expected_reached(seeded_candidates())
    assert page.count('role="img"') == 2 and "<title>Candidates who reached each stage</title>" in page
    assert f'href="/needs/{need_id(app, "iot-collateral-monitoring")}"' in page
    short = {int(i) for i in re.findall(r'<li data-need="(\d+)"', page.split('id="short-of-candidates"')[1])}
    assert short == {need_id(app, slug) for slug in expected_short_needs()}
    assert 'href="/dashboard/pipeline.csv"' in page and 'href="/dashboard/pipeline.xlsx"' in page


def test_page_for_one_need(app, client, auth):
    iot = need_id(app, "iot-collateral-monitoring")
    auth.login(ADMIN)

    page = client.get(f"/dashboard/pipeline?need={iot}").get_data(as_text=True)

    current, reached = page_numbers(page)
    assert current == expected_current(seeded_candidates("iot-collateral-monitoring"))
    assert reached == expected_reached(seeded_candidates("iot-collateral-monitoring"))
    assert re.findall(r'<tr data-need="(\d+)"', page) == [str(iot)]
    assert f'<option value="{iot}" selected>' in page
    assert f'href="/dashboard/pipeline.csv?need={iot}"' in page
    assert client.get("/dashboard/pipeline?need=999999999").status_code == 404


def test_platform_home_links_to_the_pipeline_dashboard(client, auth):
    auth.login(ORGANISER)
    assert 'href="/dashboard/pipeline"' in client.get("/").get_data(as_text=True)

    auth.logout()
    auth.login(BANK_STAFF)
    assert 'href="/dashboard/pipeline"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("email", [BANK_STAFF, ZJ_MANAGER])
@pytest.mark.parametrize("path", PAGES)
def test_bank_staff_and_incubators_are_refused(client, auth, email, path):
    auth.login(email)

    response = client.get(path)

    assert response.status_code == 403


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_is_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_page_in_chinese_shows_chinese_labels_and_the_same_numbers(client, auth):
    auth.login(ORGANISER)
    english = client.get("/dashboard/pipeline").get_data(as_text=True)

    client.post("/language", data={"locale": "zh_Hans", "next": "/dashboard/pipeline"})
    chinese = client.get("/dashboard/pipeline").get_data(as_text=True)

    assert 'lang="zh-Hans"' in chinese
    assert '<th scope="row">入围</th>' in chinese and '<th scope="row">入选试点</th>' in chinese
    assert "Shortlisted" not in chinese and "Selected for pilot" not in chinese
    assert ">入围</text>" in chinese  # the chart's labels too
    assert page_numbers(chinese) == page_numbers(english)
    assert overall_table(chinese) == overall_table(english)


# The exports


@pytest.fixture
def formula_need(app) -> int:
    """A published need whose title is a spreadsheet formula, with one candidate (rolled back after the test)."""
    with app.app_context(), unit_of_work():
        need = Need(
            title='=HYPERLINK("https://evil.example","Open me")',
            summary="A need named like a formula.",
            slug="formula-need",
            owner_id=org("large-corporate").id,
            status=NeedStatus.PUBLISHED,
        )
        db.session.add(need)
        db.session.flush()
        add_candidate(
            need_id=need.id,
            startup_id=startup_listed_by(app, "zhangjiang-incubator"),
            source=CandidateSource.MATCHED,
            actor_id=None,
        )
        return need.id


def test_csv_export_has_a_row_per_need_and_neutralises_formulas(client, auth, formula_need):
    auth.login(ORGANISER)

    response = client.get("/dashboard/pipeline.csv")
    text = response.get_data(as_text=True)

    assert response.mimetype == "text/csv"
    assert re.fullmatch(
        r'attachment; filename="innomatch-pipeline-\d{4}-\d{2}-\d{2}\.csv"', response.headers["Content-Disposition"]
    )
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Need", "Bank unit", "Candidates", "Active candidates"]
    by_title = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert '\'=HYPERLINK("https://evil.example","Open me")' in by_title
    assert not any(row[0].startswith("=") for row in body)
    assert by_title["All needs"]["Candidates"] == str(len(seeded_candidates()) + 1)
    titles = {n["slug"]: n["title"] for n in fixture("needs.json")}
    iot = by_title[titles["iot-collateral-monitoring"]]
    assert {stage: int(iot[f"Reached: {CandidateStage(stage).label}"]) for stage in FORWARD} == expected_reached(
        seeded_candidates("iot-collateral-monitoring")
    )


def test_xlsx_export_opens_with_a_frozen_bold_header_and_the_seeded_rows(client, auth):

    auth.login(ADMIN)

    response = client.get("/dashboard/pipeline.xlsx")

    assert re.fullmatch(
        r'attachment; filename="innomatch-pipeline-\d{4}-\d{2}-\d{2}\.xlsx"', response.headers["Content-Disposition"]
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[:4] == ["Need", "Bank unit", "Candidates", "Active candidates"]
    assert "Reached: Shortlisted" in header and "Conversion Applied → Shortlisted (%)" in header
    assert "Median days in Roadshow" in header
    assert sheet["A1"].font.b and sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width > sheet.column_dimensions["E"].width
    titles = {n["slug"]: n["title"] for n in fixture("needs.json")}
    by_title = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(by_title) == {titles[slug] for slug in {c["need"] for c in seeded_candidates()}} | {"All needs"}
    for slug in {c["need"] for c in seeded_candidates()}:
        row = by_title[titles[slug]]
        assert row["Candidates"] == len(seeded_candidates(slug))
        assert {stage: row[f"Reached: {CandidateStage(stage).label}"] for stage in FORWARD} == expected_reached(
            seeded_candidates(slug)
        )
    total = by_title["All needs"]
    assert {s.value: total[f"Now: {s.label}"] for s in CandidateStage} == expected_current(seeded_candidates())


@pytest.mark.parametrize("path", ["/dashboard/pipeline.csv", "/dashboard/pipeline.xlsx"])
def test_exports_for_one_need(app, client, auth, path):
    iot = need_id(app, "iot-collateral-monitoring")
    auth.login(ORGANISER)

    response = client.get(f"{path}?need={iot}")

    assert response.status_code == 200
    assert f"innomatch-pipeline-need-{iot}-" in response.headers["Content-Disposition"]
