"""The fields the Word templates read (docs/reports.md lists them): built from the services —
scores from performance.services.scoring, monitoring lights and projections computed live like
the unit dashboard (performance.excel.report.report_blocks), 复核 from CheckedProject and
CheckScore. Every value is text as the document prints it (Decimals formatted here, missing
values as 未填 or —); the renderer escapes it. Each context reads a fixed number of queries."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F
from django.utils import timezone

from budget.models import Project
from performance.checks.batch_display import (
    batch_rows,
    checked_projects,
    describe_rules,
    verification_text,
)
from performance.domain import Light, Operator
from performance.excel.report import report_blocks
from performance.models import (
    CheckBatch,
    CheckScore,
    CheckStatus,
    IndicatorRecord,
    ProjectRecord,
    Rectification,
    format_decimal,
)
from performance.monitoring.lights import time_progress
from performance.services.check_batches import verify
from performance.services.scoring import (
    MISSING,
    NOT_ENTERED,
    current_policy,
    score_project_period,
)

DASH = "—"
RECTIFICATION_LIMIT = 100
DEDUCTION_LIMIT = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML


def text(value) -> str:
    """Data as document text: None → "", characters XML cannot hold removed."""
    return "" if value is None else _CONTROL.sub("", str(value))


def money(value) -> str:
    return DASH if value is None else f"{Decimal(value).quantize(Decimal('0.01')):,}"


def score(value) -> str:
    return DASH if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def percent(share) -> str:
    """0.8523 → "85.23%"."""
    return DASH if share is None else f"{(Decimal(share) * 100).quantize(Decimal('0.01'))}%"


def rate(spent, budget) -> str:
    return percent(spent / budget) if spent is not None and budget else DASH


def today() -> str:
    return timezone.localdate().strftime("%Y年%m月%d日")


def light_label(light) -> str:
    return Light(light).label if light else DASH


def target_text(operator, target: str, unit: str) -> str:
    """指标值 as 表13 prints it: ≥95%, 定性 优."""
    if operator == Operator.QUALITATIVE:
        return text(target)
    return f"{operator}{text(target)}{text(unit)}"


def measure(indicator, value, grade) -> str:
    if indicator.operator == Operator.QUALITATIVE:
        return text(grade) or MISSING
    return format_decimal(value) or MISSING


def _period_fields(period) -> dict:
    return {"year": period.year, "period_name": text(period.name), "period_code": text(period.code),
            "cutoff_month": period.cutoff_month, "generated_on": today()}


# -- 项目支出绩效自评报告 ------------------------------------------------------------------------------


def self_evaluation_context(project: Project, period) -> dict:
    """One project's 自评报告 in `period` (six queries plus the scoring's)."""
    result = score_project_period(project, period)
    record = ProjectRecord.objects.filter(project=project, period=period).first()
    lines = result.lines
    records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
        period=period, indicator_id__in=[line.id for line in lines])}
    try:
        goal = text(project.goal.text)  # no query when read with the project
    except ObjectDoesNotExist:
        goal = ""
    execution = result.score.execution
    empty = result.nothing_entered
    indicators, deviations, measures = [], [], []
    for line, scored in zip(lines, result.score.indicator_scores, strict=True):
        rec = records.get(line.id)
        explanation = text(rec.explanation) if rec else ""
        reasons = "、".join(text(r) for r in rec.deviation_reasons) if rec else ""
        indicators.append({
            "level1": text(line.level1), "level2": text(line.level2), "name": text(line.name),
            "operator": text(line.operator), "unit": text(line.unit),
            "target": target_text(line.operator, line.target, line.unit),
            "actual": text(line.actual) or MISSING, "weight": format_decimal(scored.weight),
            "score": MISSING if scored.missing else score(scored.score),
            "explanation": explanation, "reasons": reasons,
            "basis": text(scored.explanation)})
        if explanation or reasons:
            deviations.append({"name": text(line.name), "text": "；".join(
                filter(None, [f"偏差原因：{reasons}" if reasons else "", explanation]))})
        if rec and rec.corrective_measures.strip():
            measures.append({"name": text(line.name), "text": text(rec.corrective_measures)})
    spent = record.spent if record else None
    spent_reason = text(record.spent_reason) if record else ""
    missing = result.missing_indicators
    return {
        **_period_fields(period),
        "unit_code": text(project.unit.code), "unit_name": text(project.unit.name),
        "project_name": text(project.name), "category": text(project.get_category_display()),
        "budget": money(project.budget_amount),
        "adjusted_budget": money(project.adjusted_amount),
        "effective_budget": money(project.effective_budget),
        "spent": money(spent) if spent is not None else MISSING,
        "execution_rate": percent(execution.rate_display),
        "execution_score": MISSING if execution.missing else score(execution.score),
        "execution_weight": format_decimal(execution.weight),
        "indicator_total": NOT_ENTERED if empty else score(result.score.indicator_total),
        "total": NOT_ENTERED if empty else score(result.score.total),
        "grade": NOT_ENTERED if empty else result.score.grade.value,
        "missing_note": f"有 {missing} 项指标未填完成值，按 0 分计。" if missing and not empty else "",
        "score_summary": (
            "尚未填报完成值和预算执行数，未评分。" if empty else
            f"项目总分 {score(result.score.total)} 分，评价等级 {result.score.grade.value}。"
            f"其中预算执行得分 {MISSING if execution.missing else score(execution.score)} 分"
            f"（满分 {format_decimal(execution.weight)} 分），"
            f"指标得分 {score(result.score.indicator_total)} 分。"),
        "target_version": text(result.version.label),
        "goal": goal,
        "indicators": indicators,
        "spent_reason": spent_reason,
        "deviations": deviations,
        "measures": measures,
        "rectifications": rectification_rows(project),
    }


def rectification_rows(project) -> list[dict]:
    """The 整改事项 of the project (any period), the first RECTIFICATION_LIMIT by deadline."""
    return [{"problem": text(r.problem), "required_action": text(r.required_action),
             "deadline": r.deadline.strftime("%Y-%m-%d"), "status": text(r.get_status_display()),
             "source": text(r.get_source_display()), "progress": text(r.progress)}
            for r in Rectification.objects.filter(project=project)
            .order_by("deadline", "id")[:RECTIFICATION_LIMIT]]


# -- 绩效运行监控报告 (per unit) -----------------------------------------------------------------------


def monitoring_context(unit, period) -> dict:
    """A unit's 监控报告 in `period`: every project with its light, execution, score so far and
    projection (computed live, as the unit dashboard shows them), the red and yellow indicators
    with the likelihood, reasons and measures entered, and the reasons for slow spending."""
    policy = current_policy()
    blocks = report_blocks(period, unit)
    projects, behind, slow = [], [], []
    budget_total, spent_total = Decimal(0), Decimal(0)
    for block in blocks:
        project, record, lights = block.project, block.record, block.lights
        result = block.result
        spent = record.spent if record else None
        base = project.effective_budget
        budget_total += base
        spent_total += spent or 0
        entered = bool(result) and not result.nothing_entered
        projected = lights.projected_total if lights else None
        current = lights.score_total if lights else (result.score.total if result else None)
        projects.append({
            "name": text(project.name), "light": light_label(lights and lights.light),
            "light_value": lights.light.value if lights and lights.light else "",
            "execution_light": light_label(lights and lights.execution_light),
            "budget": money(base), "spent": money(spent) if spent is not None else MISSING,
            "execution_rate": rate(spent, base),
            "score": score(current) if entered else NOT_ENTERED,
            "grade": policy.grade_for(current).value if entered and current is not None else "",
            "projected_total": score(projected) if entered and projected is not None else DASH,
            "projected_grade": (policy.grade_for(projected).value
                                if entered and projected is not None else DASH)})
        if record and record.spent_reason.strip():
            slow.append({"name": text(project.name), "execution_rate": rate(spent, base),
                         "text": text(record.spent_reason)})
        for indicator, rec in block.indicators:
            light = lights.indicators.get(indicator.id) if lights else None
            if light not in (Light.RED, Light.YELLOW):
                continue
            behind.append((-light.severity, len(behind), {
                "project": text(project.name), "name": text(indicator.name),
                "light": light.label, "target": target_text(
                    indicator.operator, indicator.target_display, indicator.unit),
                "actual": measure(indicator, rec and rec.actual_value, rec and rec.actual_grade),
                "expected": measure(indicator, rec and rec.expected_value,
                                    rec and rec.expected_grade),
                "likelihood": text(rec.likelihood) if rec and rec.likelihood else DASH,
                "reasons": "、".join(text(r) for r in rec.deviation_reasons) if rec else "",
                "measures": text(rec.corrective_measures) if rec else "",
                "explanation": text(rec.explanation) if rec else ""}))
    return {
        **_period_fields(period),
        "unit_code": text(unit.code), "unit_name": text(unit.name),
        "project_count": len(projects), "budget": money(budget_total),
        "spent": money(spent_total), "execution_rate": rate(spent_total, budget_total),
        "time_progress": percent(time_progress(period.cutoff_month)),
        "red_count": sum(1 for p in projects if p["light_value"] == Light.RED.value),
        "yellow_count": sum(1 for p in projects if p["light_value"] == Light.YELLOW.value),
        "projects": projects,
        "behind": [row for *_, row in sorted(behind, key=lambda item: item[:2])],
        "slow": slow,
    }


# -- 复核报告 (per batch) ---------------------------------------------------------------------------


def check_context(batch: CheckBatch) -> dict:
    """A 复核批次's report: the rules and the seed, the verification of the draw, each project's
    self beside 复核 total and grade with the deviation (self − 复核), the deductions (a 复核
    score below its weight) with their reasons, and the conclusions."""
    rows = batch_rows(checked_projects(batch))
    projects, concluded, deviations, selfs, checks = [], [], [], [], []
    for row in rows:
        c, p = row.checked, row.project
        unit = f"{text(p.unit.code)} {text(p.unit.name)}"
        projects.append({
            "unit": unit, "unit_code": text(p.unit.code), "name": text(p.name),
            "category": text(row.category), "budget": money(row.budget),
            "reason": text(c.get_reason_display()), "stratum": text(row.stratum),
            "status": text(c.get_status_display()), "self_total": score(c.self_total),
            "self_grade": text(c.self_grade) or DASH, "check_total": score(c.check_total),
            "check_grade": text(c.check_grade) or DASH,
            "deviation": score(row.deviation), "conclusion": text(c.conclusion)})
        if c.status == CheckStatus.DONE:
            if c.conclusion.strip():
                concluded.append({"unit": unit, "name": text(p.name),
                                  "conclusion": text(c.conclusion)})
            if row.deviation is not None:
                deviations.append(row.deviation)
                selfs.append(c.self_total)
                checks.append(c.check_total)
    deductions = [{
        "unit": f"{text(s.checked.project.unit.code)} {text(s.checked.project.unit.name)}",
        "project": text(s.checked.project.name), "name": text(s.indicator.name),
        "weight": format_decimal(s.weight), "score": score(s.score),
        "reason": text(s.deduction_reason) or text(s.opinion)}
        for s in CheckScore.objects.filter(checked__batch=batch, checked__status=CheckStatus.DONE,
                                           score__lt=F("weight"))
        .select_related("checked__project__unit", "indicator")
        .order_by("checked__project__unit__code", "checked__project__name", "indicator__position",
                  "pk")[:DEDUCTION_LIMIT]]
    drawn_by = (batch.drawn_by.get_full_name() or batch.drawn_by.username
                if batch.drawn_by_id else "命令行")
    return {
        **_period_fields(batch.period),
        "batch_name": text(batch.name), "seed": text(batch.seed),
        "drawn_by": text(drawn_by),
        "drawn_at": timezone.localtime(batch.drawn_at).strftime("%Y-%m-%d %H:%M"),
        "candidates": batch.candidates, "note": text(batch.note),
        "rules": [{"label": text(label), "text": text(value)}
                  for label, value in describe_rules(batch)],
        "verification": text(verification_text(verify(batch))),
        "project_count": len(projects),
        "done_count": sum(1 for row in rows if row.checked.status == CheckStatus.DONE),
        "self_average": _average(selfs), "check_average": _average(checks),
        "average_deviation": _average(deviations),
        "projects": projects, "deductions": deductions, "concluded": concluded,
    }


def _average(values) -> str:
    return score(sum(values, Decimal(0)) / len(values)) if values else DASH
