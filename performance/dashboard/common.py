"""What the dashboard views share: the period asked for, and links to drill down."""

from __future__ import annotations

from django.http import Http404
from django.urls import Resolver404, resolve, reverse

from performance.models import ReportingPeriod
from performance.services.overview import all_periods, default_period


def pick_period(request) -> tuple[list[ReportingPeriod], ReportingPeriod | None]:
    """The periods to choose from and the one asked for (?period=code), or the current one."""
    periods = all_periods()
    code = request.GET.get("period")
    if not code:
        return periods, default_period(periods)
    for period in periods:
        if period.code == code:
            return periods, period
    period = ReportingPeriod.objects.filter(code=code).first()  # beyond the listed ones
    if period is None:
        raise Http404("未找到该期间")
    return periods, period


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
