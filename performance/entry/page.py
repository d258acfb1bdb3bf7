"""What the project page shows of one project in one period, read in a constant number of
queries: the indicators (with their levels), their records, the project's record, the live
score from the scoring service, and the rows grouped by 一级/二级 as 表13 prints them."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.template.defaultfilters import join, linebreaksbr
from django.utils.safestring import mark_safe

from performance.domain import Operator
from performance.models import Indicator, IndicatorRecord, ProjectRecord, WorkflowStatus
from performance.scoring import ExecutionInput, score_project
from performance.scoring.explain import MISSING
from performance.services.scoring import ProjectResult, current_policy, indicator_input
from performance.services.versions import ORIGINAL, indicators_in_period, versions_in_force
from performance.templatetags.entry_tags import indicator_score, light_badge, qty

from .forms import IndicatorForm, ProjectForm
from .widgets import esc


@dataclass
class Row:
    indicator: Indicator
    record: IndicatorRecord | None
    score: object  # performance.scoring IndicatorScore
    form: IndicatorForm | None = None
    level1_span: int = 0  # rows the 一级 cell spans (0: merged into the row above)
    level2_span: int = 0
    conflict: object = None  # performance.services.entry.Conflict

    @property
    def light(self) -> str:
        return self.record.light if self.record else ""


@dataclass
class Sheet:
    project: object
    period: object
    indicators: list[Indicator]
    records: dict[int, IndicatorRecord]
    record: ProjectRecord | None
    result: ProjectResult | None = None
    rows: list[Row] = field(default_factory=list)
    project_form: ProjectForm | None = None

    @property
    def status(self) -> str:
        return self.record.status if self.record else "draft"

    @property
    def version(self) -> int | None:
        return self.record.version if self.record else None

    @property
    def returned_by_department(self) -> bool:
        """The last step was 退回单位审核: the project is 已提交 again with a decision taken
        after its submission (no other step moves it to 已提交 without submitting it), so its
        return_reason is the department's."""
        record = self.record
        return bool(record and record.status == WorkflowStatus.SUBMITTED and record.return_reason
                    and record.reviewed_at and record.submitted_at
                    and record.reviewed_at > record.submitted_at)


def load_sheet(project, period) -> Sheet:
    in_force = versions_in_force(period, [project.id])
    version = in_force.get(project.id, ORIGINAL)
    indicators = indicators_in_period(project, period, in_force)
    # by indicator ids, so the (indicator, period) index is used, not a scan of the period
    records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
        period=period, indicator_id__in=[i.id for i in indicators]).order_by()}  # a dict: no sort
    record = (ProjectRecord.objects.filter(project=project, period=period)
              .select_related("updated_by", "submitted_by", "reviewed_by").order_by().first())
    sheet = Sheet(project, period, indicators, records, record)
    sheet.result = _score(project, indicators, records, record, version)
    scores = dict(zip((line.id for line in sheet.result.lines),
                      sheet.result.score.indicator_scores, strict=True))
    sheet.rows = [Row(i, records.get(i.id), scores.get(i.id)) for i in indicators]
    _group(sheet.rows)
    return sheet


def _score(project, indicators, records, record, version) -> ProjectResult:
    """What scoring.score_project_period returns, from the rows this page has already read
    (the same values in the same order, so the same score) instead of four more queries."""
    rows = []
    for i in indicators:
        rec = records.get(i.id)
        rows.append((i.project_id, i.id, i.level1_id, i.level2_id, i.name, i.operator,
                     i.target_value, i.target_grade, i.unit, i.weight, i.direction,
                     *((rec.actual_value, rec.actual_grade, rec.deduction) if rec is not None
                       else (None, None, None))))
    spent = record.spent if record is not None else None
    execution = execution_input(project, version, spent)
    budget, adjusted = execution.budget, execution.adjusted_budget
    names = ({i.level1_id: i.level1.name for i in indicators},
             {i.level2_id: i.level2.name for i in indicators})
    return ProjectResult(
        project_id=project.id, unit_code=project.unit.code, unit_name=project.unit.name,
        project_name=project.name, budget=budget if adjusted is None else adjusted, spent=spent,
        score=score_project([indicator_input(row) for row in rows], execution, current_policy()),
        rows=rows, level_names=names, version=version)


def execution_input(project, version, spent) -> ExecutionInput:
    """The money of `project` as scored against `version` (an earlier version's budget when
    the period is measured against it), with `spent`."""
    budget, adjusted = project.budget_amount, project.adjusted_amount
    if not version.current:
        budget, adjusted = version.budget_amount, version.adjusted_amount
    return ExecutionInput(budget=budget, adjusted_budget=adjusted, spent=spent)


def attach_forms(sheet: Sheet, data=None, conflicts=()) -> None:
    """Give every row its form (bound to `data` when posted) and the project form."""
    monitoring = sheet.period.is_monitoring
    by_indicator = {c.indicator_id: c for c in conflicts}
    for row in sheet.rows:
        row.form = IndicatorForm(row.indicator, row.record, monitoring=monitoring, data=data)
        row.conflict = by_indicator.get(row.indicator.id)
    sheet.project_form = ProjectForm(sheet.record, data=data)


def _group(rows: list[Row], per_indicator: int = 2) -> None:
    """Merge the 一级/二级 cells of consecutive rows with the same level, as in 表13 (each
    indicator takes `per_indicator` table rows: its values and its details)."""
    start1 = start2 = None
    for index, row in enumerate(rows):
        level1, level2 = row.indicator.level1_id, row.indicator.level2_id
        if start1 is None or rows[start1].indicator.level1_id != level1:
            start1, start2 = index, index
        elif rows[start2].indicator.level2_id != level2:
            start2 = index
        rows[start1].level1_span += per_indicator
        rows[start2].level2_span += per_indicator


def rows_html(sheet: Sheet, editable: bool) -> str:
    """The indicator rows of the project page (two table rows per indicator), written in
    Python: the same markup the template loop wrote, at a fraction of its cost. Below 768 px
    (static/entry/entry.css) the two rows of an indicator make one card: the levels as a small
    heading, each cell labelled by its data-label."""
    monitoring = sheet.period.is_monitoring
    out = []
    for row in sheet.rows:
        indicator, record, form = row.indicator, row.record, row.form
        qualitative = indicator.operator == Operator.QUALITATIVE
        unit = indicator.unit
        conflict = " conflict" if row.conflict else ""
        out.append(f'<tr class="indicator-row{conflict}" id="indicator-{indicator.id}" '
                   f'data-indicator="{indicator.id}">')
        if row.level1_span:
            out.append(f'<td class="level" rowspan="{row.level1_span}">'
                       f"{esc(indicator.level1.name)}</td>")
        if row.level2_span:
            out.append(f'<td class="level" rowspan="{row.level2_span}">'
                       f"{esc(indicator.level2.name)}</td>")
        target = (esc(indicator.target_grade) if qualitative
                  else esc(qty(indicator.target_value, unit)))
        weight = esc(qty(indicator.weight))
        out.append(f'<td class="indicator-name"><span class="card-levels">'
                   f"{esc(indicator.level1.name)} › {esc(indicator.level2.name)}</span>"
                   f"{esc(indicator.name)}</td>"
                   f'<td class="text-center operator">{esc(indicator.operator)}</td>'
                   f'<td class="num target" data-label="指标值"><span class="card-only">'
                   f"{esc(indicator.operator)} </span>{target}</td>"
                   f'<td class="num weight" data-label="权重">{weight}</td>'
                   f'<td class="measure" data-label="{"当前完成值" if monitoring else "实际完成值"}">')
        if editable:
            errors = form.measure.errors
            suffix = (f'<span class="input-group-text">{esc(unit)}</span>'
                      if unit and not qualitative else "")
            out.append(f'{form["version"]}<div class="input-group input-group-sm measure-input'
                       f'{" is-invalid-wrap" if errors else ""}">{form.measure_html()}{suffix}</div>')
            if errors:
                out.append('<ul class="errorlist">' + "".join(
                    f"<li>{esc(e)}</li>" for e in errors) + "</ul>")
            out.append(f'<div class="live-preview small" id="preview-i{indicator.id}" '
                       'aria-live="polite" hidden></div>')
        elif qualitative:
            out.append(esc(_default(record.actual_grade if record else "")))
        else:
            actual = record.actual_value if record else None
            out.append(f'<span class="num d-block">{esc(qty(actual, unit))}</span>')
        result = row.score
        shown = indicator_score(result)  # 未填 (not 0.00) for an indicator without a value
        explanation = esc(result.explanation) if result is not None else ""
        light = (f'<td class="text-center light" data-label="监控灯">{light_badge(row.light)}</td>'
                 if monitoring else "")  # 监控灯 is monitoring's: not shown at year end
        out.append(f'</td><td class="num indicator-score">{esc(shown)}'
                   f'<div class="small text-secondary">/ {weight}</div></td>{light}</tr>'
                   f'<tr class="detail{conflict}"><td colspan="{7 if monitoring else 6}">')
        if row.conflict:
            out.append('<div class="alert alert-warning py-1 px-2 small mb-2">'
                       f"{esc(row.conflict.message())}</div>")
        if editable:
            short = result is not None and any(r.code != MISSING for r in result.reasons_needed)
            out.append(f'<div class="detail-grid">{form.details_html(open_reasons=short)}</div>')
        elif record and (monitoring or record.explanation or record.deviation_reasons
                         or record.corrective_measures):
            out.append(_details_read_only(record, qualitative, unit, monitoring))
        out.append(f'<p class="explain mb-0 mt-1">评分说明：{explanation}</p></td></tr>')
    if not sheet.rows:
        out.append(f'<tr><td colspan="{9 if monitoring else 8}">本项目没有绩效指标。</td></tr>')
    return mark_safe("".join(out))


def _details_read_only(record, qualitative, unit, monitoring) -> str:
    """What was entered besides the value: at monitoring the expected value, the likelihood,
    the reasons and measures; at year end the reasons and measures when given."""
    out = ['<dl class="row small mb-1">']
    reasons = join(record.deviation_reasons, "、", autoescape=True)
    if monitoring:
        expected = (esc(_default(record.expected_grade)) if qualitative
                    else esc(qty(record.expected_value, unit)))
        out.append(
            f'<dt class="col-sm-2">全年预计完成值</dt><dd class="col-sm-4">{expected}</dd>'
            f'<dt class="col-sm-2">完成可能性</dt><dd class="col-sm-4">'
            f"{esc(_default(record.likelihood))}</dd>")
    if monitoring or record.deviation_reasons or record.corrective_measures:
        out.append(
            f'<dt class="col-sm-2">偏差原因</dt><dd class="col-sm-4">{esc(_default(reasons))}</dd>'
            f'<dt class="col-sm-2">{"纠偏措施" if monitoring else "改进措施"}</dt>'
            f'<dd class="col-sm-4">{esc(_default(record.corrective_measures))}</dd>')
    out.append(f'<dt class="col-sm-2">{"偏差原因说明" if monitoring else "未完成原因"}</dt>'
               f'<dd class="col-sm-10">'
               f'{linebreaksbr(_default(record.explanation), autoescape=True)}</dd></dl>')
    return "".join(out)


def _default(value):
    return value or "—"
