"""A unit's 监控表 / 自评表 for a period: the Excel workbook in the published layout, and a
printable HTML page (A4 landscape). Both read the same blocks as performance.excel.report and
show missing values alike: 得分 未填 for an indicator (or the money spent) without a value, 未填报
for the total and grade of a project with nothing entered.

Each project's 状态 (草稿, 已提交 …) is a column of both; `?drafts=0` leaves out the projects not
yet submitted. One project's report is performance.dashboard.project_report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from performance.access import get_unit_for_user
from performance.domain import Operator
from performance.excel.report import draft_note, kind, report_blocks, report_workbook
from performance.excel.sheets import to_bytes
from performance.models import format_decimal
from performance.templatetags.entry_tags import indicator_score

from .common import requested_period

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit_and_period(request, unit_code):
    unit = get_unit_for_user(request.user, unit_code)
    _, period = requested_period(request)
    if period is None:
        raise Http404("没有填报期间")
    return unit, period


def with_drafts(request) -> bool:
    """?drafts=0: only the submitted projects; otherwise drafts are listed, marked."""
    return request.GET.get("drafts") != "0"


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.xlsx")
    return response


def file_name(*parts) -> str:
    """自评表-342601-2025 年度绩效自评: the period by its name, no character a file system
    refuses."""
    text = "-".join(str(p) for p in parts if p)
    return "".join("_" if c in '\\/:*?"<>|' else c for c in text)


@require_GET
@login_required
def report_xlsx(request, unit_code):
    unit, period = _unit_and_period(request, unit_code)
    drafts = with_drafts(request)
    content = to_bytes(report_workbook(period, unit, drafts=drafts))
    return xlsx_response(content, file_name(kind(period), unit.code, period.name,
                                            "" if drafts else "已提交"))


def _value(indicator, value, grade) -> str:
    if indicator.operator == Operator.QUALITATIVE:
        return grade or ""
    return format_decimal(value)


def print_rows(blocks) -> list[dict]:
    """The blocks as the printable table reads them: one dict per project, its indicator rows."""
    projects = []
    for block in blocks:
        result, lights = block.result, block.lights
        scores = {s.key: s for s in result.score.indicator_scores} if result else {}
        rows = []
        for indicator, rec in block.indicators:
            score = scores.get(str(indicator.id))
            rows.append({
                "indicator": indicator,
                "target": indicator.target_display,
                "actual": _value(indicator, rec and rec.actual_value, rec and rec.actual_grade),
                "expected": _value(indicator, rec and rec.expected_value,
                                   rec and rec.expected_grade),
                "record": rec,
                "reasons": "、".join(rec.deviation_reasons) if rec else "",
                "score": indicator_score(score) if score else "",  # 未填, not 0.00
                "light": lights.indicators.get(indicator.id) if lights else None,
            })
        execution = result.score.execution if result else None
        projects.append({
            "project": block.project, "record": block.record, "rows": rows,
            "status": block.status, "status_label": block.status_label,
            "submitted": block.submitted,
            "goal": getattr(getattr(block.project, "goal", None), "text", ""),
            "execution": execution, "execution_score": indicator_score(execution),
            "score": result.score if result else None,
            "entered": bool(result) and not result.nothing_entered,
            "missing": result.missing_indicators if result else 0,
            "lights": lights,
        })
    return projects


@require_GET
@login_required
def report_print(request, unit_code):
    unit, period = _unit_and_period(request, unit_code)
    drafts = with_drafts(request)
    blocks = report_blocks(period, unit, drafts=drafts)
    return render(request, "dashboard/report_print.html", print_context(
        unit, period, blocks, drafts,
        back=(reverse("dashboard:unit", args=[unit.code]), "返回本单位监控")))


def print_context(unit, period, blocks, drafts: bool, *, back, project=None) -> dict:
    return {"unit": unit, "period": period, "kind": kind(period), "project": project,
            "projects": print_rows(blocks), "drafts": drafts,
            "draft_note": draft_note(blocks, drafts), "back_url": back[0],
            "back_label": back[1]}
