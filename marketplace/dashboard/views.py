from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale
from flask_login import current_user, login_required

from marketplace import authz
from marketplace.accounts.enums import UserRole
from marketplace.accounts.models import Organisation
from marketplace.core.db import db, utcnow
from marketplace.core.errors import PermissionDenied
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
    if user.role == UserRole.BANK_STAFF:
        context["own_needs"] = needs_for_user(user, owner_id=user.organisation_id, per_page=10).items
    if user.role == UserRole.INCUBATOR_MANAGER:
        context["portfolio_count"] = startup_count_for_incubator(user.organisation_id)
    context["is_platform"] = authz.is_platform(user)
    return render_template("dashboard/index.html", **context)


def _require_platform() -> None:
    if not authz.is_platform(current_user):
        raise PermissionDenied()


def _report() -> PipelineReport:
    """The pipeline report for this request: organisers and admins only, optionally one need (?need=id)."""
    _require_platform()
    return pipeline_report(need_id=request.args.get("need", type=int))


def _export_name(report: PipelineReport, extension: str) -> str:
    scope = f"-need-{report.need.id}" if report.need else ""
    return f"innomatch-pipeline{scope}-{utcnow().date().isoformat()}.{extension}"


@bp.get("/dashboard/pipeline")
@login_required
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
def pipeline_csv():
    report = _report()
    return Response(
        exports.pipeline_csv(report, str(get_locale() or "en")),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(report, "csv")}"'},
    )


@bp.get("/dashboard/pipeline.xlsx")
@login_required
def pipeline_xlsx():
    report = _report()
    return Response(
        exports.pipeline_xlsx(report, str(get_locale() or "en")),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(report, "xlsx")}"'},
    )
