from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from marketplace.accounts.models import Organisation
from marketplace.accounts.rules import is_bank, is_incubator, is_platform
from marketplace.core.db import db, utcnow
from marketplace.dashboard import charts, exports
from marketplace.dashboard.funnel import (
    HEADLINE_STAGES,
    INACTIVE,
    TIMED_STAGES,
    PipelineReport,
    need_choices,
    pipeline_report,
)
from marketplace.needs.queries import need_counts_by_status, needs_for_user
from marketplace.pipeline.transitions import ORDER
from marketplace.startups.queries import startup_count, startup_count_for_incubator
from marketplace.web.guards import platform_only

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@login_required
def index():
    user = current_user
    organisation = db.session.get(Organisation, user.organisation_id)
    context = {
        "organisation": organisation,
        "counts": need_counts_by_status(user),
        "recent_needs": needs_for_user(user, per_page=6).items,
        "startup_total": startup_count(),
    }
    if is_bank(user):
        context["own_needs"] = needs_for_user(user, owner_id=user.organisation_id, per_page=10).items
    if is_incubator(user):
        context["portfolio_count"] = startup_count_for_incubator(user.organisation_id)
    context["is_platform"] = is_platform(user)
    return render_template("dashboard/index.html", **context)


def _report() -> PipelineReport:
    """The pipeline report for this request (the views are the platform's), optionally one need (?need=id)."""
    return pipeline_report(need_id=request.args.get("need", type=int))


def _export_name(report: PipelineReport, extension: str) -> str:
    scope = f"-need-{report.need.id}" if report.need else ""
    return f"innomatch-pipeline{scope}-{utcnow().date().isoformat()}.{extension}"


@bp.get("/dashboard/pipeline")
@login_required
@platform_only
def pipeline():
    report = _report()
    return render_template(
        "dashboard/pipeline.html",
        report=report,
        funnel_chart=charts.funnel_chart(report.overall),
        days_chart=charts.days_chart(report.overall),
        need_choices=need_choices(),
        stages=ORDER,
        timed_stages=TIMED_STAGES,
        closed_stages=sorted(INACTIVE),
        headline_stages=HEADLINE_STAGES,
        percent=charts.format_rate,
        days=charts.format_days,
    )


@bp.get("/dashboard/pipeline.csv")
@login_required
@platform_only
def pipeline_csv():
    report = _report()
    return Response(
        exports.pipeline_csv(report, str(get_locale() or "en")),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(report, "csv")}"'},
    )


@bp.get("/dashboard/pipeline.xlsx")
@login_required
@platform_only
def pipeline_xlsx():
    report = _report()
    return Response(
        exports.pipeline_xlsx(report, str(get_locale() or "en")),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(report, "xlsx")}"'},
    )
