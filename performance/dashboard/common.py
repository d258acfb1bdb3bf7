"""What the dashboard views share: the period asked for, and links to drill down."""

from __future__ import annotations

from django.http import Http404
from django.urls import Resolver404, resolve, reverse

from performance.models import ReportingPeriod
from performance.services.periods import PERIOD_LIMIT, periods, pick_period


def requested_period(request) -> tuple[list[ReportingPeriod], ReportingPeriod | None]:
    """The periods to choose from and the one asked for (?period=code), or the current one
    (performance.services.periods); an unknown code is 404."""
    candidates = list(periods()[:PERIOD_LIMIT])
    code = request.GET.get("period")
    period = pick_period(code, candidates, beyond=True)
    if code and (period is None or period.code != code):
        raise Http404("未找到该期间")
    return candidates, period


def project_link_factory(period):
    """A function (project id, unit code) → where a project drills down to: its page at
    /projects/<id>/ when the data-entry pages provide one, else its row on the unit dashboard."""
    try:
        resolve("/projects/1/")
    except Resolver404:
        def link(project_id: int, unit_code: str) -> str:
            url = reverse("dashboard:unit", args=[unit_code])
            return f"{url}?period={period.code}#project-{project_id}"
    else:
        def link(project_id: int, unit_code: str) -> str:
            return f"/projects/{project_id}/?period={period.code}"
    return link
