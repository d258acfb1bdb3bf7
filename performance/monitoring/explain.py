"""Lights in words: what each light means (the legend) and why a project's light is what it is
(its tooltip). Pure module: no Django import. The wording is derived from the bands of
lights.py (INDICATOR_BANDS, EXECUTION_BANDS, GRADE_LIGHTS), never a second copy of the rules.

A project's light is the worst of its indicator lights and its execution light (lights.worst),
so its explanation names what has that worst light: the indicators (up to NAMED of them) and/or
the budget execution, e.g. "红灯：红灯指标 培训人次；预算执行率 10.00%，不足时间进度 58.33% 的
60%。"
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from performance.domain import Light

from .lights import EXECUTION_BANDS, GRADE_LIGHTS, INDICATOR_BANDS, time_progress

NAMED = 3  # indicators named in a tooltip; "等 N 项" beyond
HUNDRED = Decimal(100)
ORDER = (Light.BLUE, Light.GREEN, Light.YELLOW, Light.RED)


def percent(ratio: Decimal | None, places: int = 2) -> str:
    """0.5833 → "58.33%"; a band bound 0.8 → "80%" (places=0)."""
    if ratio is None:
        return "—"
    value = (Decimal(ratio) * HUNDRED).quantize(Decimal(1).scaleb(-places))
    return f"{value}%"


def _ranges(bands) -> dict[Light, str]:
    """{light: "60%–<80%"} of bands given best first by lower bound; red is below the last."""
    ranges, upper = {}, None
    for low, light in bands:
        low_text = percent(low, 0)
        ranges[light] = f"≥{low_text}" if upper is None else f"{low_text}–<{percent(upper, 0)}"
        upper = low
    ranges[Light.RED] = f"<{percent(upper, 0)}"
    return ranges


def legend() -> list[tuple[Light, str]]:
    """(light, what it means) for 蓝/绿/黄/红, for the legend beside every list of lights."""
    indicator, execution = _ranges(INDICATOR_BANDS), _ranges(EXECUTION_BANDS)
    grades: dict[Light, list[str]] = {}
    for grade, light in GRADE_LIGHTS.items():
        grades.setdefault(light, []).append(grade.value)
    lines = []
    for light in ORDER:
        parts = []
        if light in indicator:
            parts.append(f"指标完成值为（按时间进度折算的）目标值的 {indicator[light]}")
        if light in grades:
            parts.append(f"定性指标评为{'、'.join(grades[light])}")
        if light is Light.GREEN:
            parts.append("反向指标（≤、＜）未超过目标值")
        if light is Light.RED:
            parts.append("反向指标超过目标值")
        if light in execution:
            parts.append(f"预算执行率为时间进度的 {execution[light]}")
        lines.append((light, "；".join(parts)))
    return lines


PROJECT_RULE = "项目的灯取其各指标灯和预算执行灯中最差的一个（红 > 黄 > 蓝 > 绿）；未填写的不亮灯。"


def _execution_text(light: Light, rate: Decimal | None, month: int) -> str:
    progress = time_progress(month)
    bounds = {band_light: low for low, band_light in EXECUTION_BANDS}
    shown = f"预算执行率 {percent(rate)}"
    if light is Light.RED:
        lowest = min(bounds.values())
        return f"{shown}，不足时间进度 {percent(progress)} 的 {percent(lowest, 0)}"
    if light is Light.YELLOW:
        return f"{shown}，不足时间进度 {percent(progress)} 的 {percent(bounds[Light.GREEN], 0)}"
    return f"{shown}，达到时间进度 {percent(progress)} 的 {percent(bounds[Light.GREEN], 0)}"


def explain_project_light(light: Light | str | None,
                          indicators: Iterable[tuple[str, Light | str | None]],
                          execution_light: Light | str | None, rate: Decimal | None,
                          month: int) -> str:
    """Why the project's light is `light`: the indicators (name, light) and the execution that
    have it; `rate` is spent / budget (for the execution's words), `month` the cut-off."""
    if not light:
        return "未亮灯：还没有填写完成值或预算执行数。"
    light = Light(light)
    names = [name for name, lit in indicators if lit and Light(lit) is light]
    parts = []
    if light is Light.GREEN:
        parts.append("没有红灯、黄灯指标")
    elif names:
        shown = "、".join(names[:NAMED])
        more = f"等 {len(names)} 项" if len(names) > NAMED else ""
        parts.append(f"{light.label}指标 {shown}{more}")
    if execution_light and (Light(execution_light) is light or light is Light.GREEN):
        parts.append(_execution_text(Light(execution_light), rate, month))
    return f"{light.label}：{'；'.join(parts)}。"
