"""Lights and grades that explain themselves: a light badge with why it is that colour (a title
and visually-hidden text for screen readers), the legend of the four lights, the grade bands of
the scoring policy, and the links to the 自评表/监控表 of the units a user sees.

The words come from performance.monitoring.explain (the bands of lights.py) and from
performance.services.scoring.current_policy(): nothing here restates a rule."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.html import format_html

from performance.access import sees_all_units, visible_units
from performance.domain import Grade, Light
from performance.monitoring.explain import PROJECT_RULE, explain_project_light, legend
from performance.services.scoring import current_policy

register = template.Library()

ENTRY_CLASSES = {"blue": "text-bg-primary", "green": "text-bg-success",
                 "yellow": "text-bg-warning", "red": "text-bg-danger"}
REPORT_UNITS = 10  # units linked by name on the project list; finance uses the dashboard


@register.simple_tag
def explained_light(value, explanation: str, style: str = "entry") -> str:
    """A light badge whose title (and, for screen readers, hidden text) says why it is that
    colour. style "dashboard": the dashboards' coloured dot; "entry": the pages' pill."""
    if not value:
        return format_html('<span class="light light-none" title="{0}">—'
                           '<span class="visually-hidden">{0}</span></span>', explanation)
    light = Light(value)
    if style == "dashboard":
        return format_html('<span class="light light-{} light-explained" title="{}" tabindex="0">'
                           '<span aria-hidden="true">●</span>{}'
                           '<span class="visually-hidden">（{}）</span></span>',
                           light.value, explanation, light.label, explanation)
    return format_html('<span class="badge rounded-pill light-badge light-explained {}" '
                       'title="{}" tabindex="0"><span aria-hidden="true">●</span> {}'
                       '<span class="visually-hidden">（{}）</span></span>',
                       ENTRY_CLASSES[light.value], explanation, light.label, explanation)


def sheet_explanation(sheet, period) -> str:
    """Why the project of the project page's `sheet` (performance.entry.page.Sheet) has its
    stored light: from the rows' stored indicator lights and the record's execution light."""
    record = sheet.record
    execution = sheet.result.score.execution if sheet.result else None
    return explain_project_light(
        record.light if record else None,
        [(row.indicator.name, row.light) for row in sheet.rows],
        record.execution_light if record else None,
        execution.rate if execution is not None else None, period.cutoff_month)


@register.simple_tag
def project_light(sheet, period) -> str:
    """The project page's light, explained."""
    return explained_light(sheet.record.light if sheet.record else "",
                           sheet_explanation(sheet, period))


@register.inclusion_tag("includes/_light_legend.html")
def light_legend(compact: bool = False) -> dict:
    """蓝/绿/黄/红: what each means (docs/monitoring.md), as a collapsible legend."""
    return {"items": [(light.value, ENTRY_CLASSES[light.value], light.label, text)
                      for light, text in legend()],
            "rule": PROJECT_RULE, "compact": compact}


def _number(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text


def grade_bands(policy=None) -> list[tuple[str, str]]:
    """(grade, its range of totals) from the policy's bands: ("良", "80–89.99") …, ("差",
    "<60"); the upper end is the next band's bound less one step of the policy's rounding."""
    policy = policy or current_policy()
    step = Decimal(1).scaleb(-policy.rounding_places)
    bands, upper = [], None
    for grade, low in policy.grade_bands:
        text = f"≥{_number(low)}" if upper is None else f"{_number(low)}–{_number(upper - step)}"
        bands.append((grade.value, text))
        upper = low
    bands.append((Grade.POOR.value, f"<{_number(upper)}"))
    return bands


@register.simple_tag
def grade_legend() -> str:
    """"优 ≥90 · 良 80–89.99 · 中 60–79.99 · 差 <60" from the scoring policy."""
    text = " · ".join(f"{grade} {band}" for grade, band in grade_bands())
    return format_html('<span class="grade-legend small text-secondary">{}</span>', text)


@register.filter
def grade_band(grade) -> str:
    """A grade with its range: "良（80–89.99）"; the value unchanged when it is no grade."""
    bands = dict(grade_bands())
    if grade not in bands:
        return grade or ""
    return f"{grade}（{bands[grade]}）"


@register.inclusion_tag("includes/_report_links.html", takes_context=True)
def report_links(context, period) -> dict:
    """The 自评表/监控表 (Excel and print) of the units the user sees, for the project list;
    finance staff, who see every unit, get the dashboard instead."""
    if period is None:
        return {"period": None}
    request = context.get("request")
    user = getattr(request, "user", None)
    finance = sees_all_units(user)
    units = [] if finance else list(visible_units(user).order_by("code")[:REPORT_UNITS])
    return {"period": period, "units": units, "finance": finance,
            "kind": "监控表" if period.is_monitoring else "自评表"}
