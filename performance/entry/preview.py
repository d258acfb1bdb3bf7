"""The live preview of the project page: the score a typed value will get and the reasons it
will need, before saving. The typed values are read by the page's own forms (so "1,200" and
"95%" mean what saving would store) and scored by the scoring engine with the targets in force
in the period, exactly as the page scores the saved values (page.load_sheet): no rule is
repeated here or in the browser."""

from __future__ import annotations

from performance.domain import Operator
from performance.scoring import score_project
from performance.scoring.explain import MISSING, SHORTFALL
from performance.services.scoring import current_policy, indicator_input
from performance.templatetags.entry_tags import indicator_score, pct, qty, score

from .forms import IndicatorForm, ProjectForm
from .page import Sheet, execution_input

ACTUAL, ACTUAL_GRADE = 11, 12  # their places in a row of services.scoring.INDICATOR_COLUMNS


class UnknownIndicator(LookupError):
    """The indicator is not one the project is scored on in this period."""


def preview(sheet: Sheet, data, indicator_id: int | None = None) -> dict:
    """What the page will show once `data` (the page's own field names: i<id>-actual_value,
    p-spent…) is saved: the indicator's score and reasons (when `indicator_id` is given), the
    budget execution's (when p-spent is posted), the total and the grade. `errors`: field id →
    message, for what the forms refuse (nothing else is then scored)."""
    rows = list(sheet.result.rows)
    errors, written = {}, False
    index = None
    if indicator_id is not None:
        index = next((n for n, row in enumerate(sheet.rows)
                      if row.indicator.id == indicator_id), None)
        if index is None:
            raise UnknownIndicator(indicator_id)
        row = sheet.rows[index]
        form = IndicatorForm(row.indicator, row.record, monitoring=sheet.period.is_monitoring,
                             data=data)
        if form.is_valid():
            qualitative = row.indicator.operator == Operator.QUALITATIVE
            values = list(rows[index])
            if qualitative:
                values[ACTUAL_GRADE] = form.cleaned_data["actual_grade"] or None
            else:
                values[ACTUAL] = form.cleaned_data["actual_value"]
            rows[index] = tuple(values)
            written = bool(form.cleaned_data["explanation"].strip())
        else:
            errors.update(_errors(form))
    spent = sheet.record.spent if sheet.record else None
    spent_reason = bool(sheet.record and sheet.record.spent_reason.strip())
    execution_asked = "p-spent" in data
    if execution_asked:
        form = ProjectForm(sheet.record, data=data)
        if form.is_valid():
            spent = form.cleaned_data["spent"]
            if "p-spent_reason" in data:
                spent_reason = bool(form.cleaned_data["spent_reason"].strip())
        else:
            errors.update(_errors(form))
    if errors:
        return {"ok": False, "errors": errors, "message": "；".join(errors.values())}
    result = score_project([indicator_input(row) for row in rows],
                           execution_input(sheet.project, sheet.result.version, spent),
                           current_policy())
    answer = {"ok": True, "total": score(result.total), "grade": result.grade.value}
    if index is not None:
        line = result.indicator_scores[index]
        prefix = f"id_i{indicator_id}-"
        qualitative = sheet.rows[index].indicator.operator == Operator.QUALITATIVE
        answer["indicator"] = {
            "id": indicator_id,
            "score": indicator_score(line),
            "weight": qty(line.weight),
            "explanation": line.explanation,
            "short": any(r.code == SHORTFALL for r in line.reasons_needed),
            "reasons": [{"code": r.code, "text": r.text, "done": written,
                         "field": prefix + (("actual_grade" if qualitative else "actual_value")
                                            if r.code == MISSING else "explanation")}
                        for r in line.reasons_needed],
        }
    if execution_asked:
        execution = result.execution
        answer["execution"] = {
            "score": indicator_score(execution),
            "weight": score(execution.weight),
            "rate": pct(execution.rate_display),
            "explanation": execution.explanation,
            "reasons": [{"code": r.code, "text": r.text, "done": spent_reason,
                         "field": "id_p-spent" if r.code == MISSING else "id_p-spent_reason"}
                        for r in execution.reasons_needed],
        }
    return answer


def _errors(form) -> dict:
    return {form[name].auto_id: "；".join(messages) for name, messages in form.errors.items()
            if name in form.fields}
