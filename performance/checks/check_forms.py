"""Forms of the 复核 page: one small form per indicator (prefixed i<indicator id>, so that
the ids are the anchors of the error summary, e.g. id_i12-score), the check's own fields
(execution, conclusion, the version the page showed), 要求补充说明, 重新打开, and the unit's
answer.

The forms only read what was typed; whether the scores are acceptable (0 ≤ score ≤ weight, a
reason for a deduction) is the service's business, and its errors are put back next to the
fields here (`show_errors`)."""

from __future__ import annotations

from django import forms

from performance.entry.forms import NumberField
from performance.models import format_decimal
from performance.services.workflow import Problem

SMALL = {"class": "form-control form-control-sm"}


def _number(label, *, places=2, digits=6):
    field = NumberField(label=label, required=False, max_digits=digits, decimal_places=places,
                        widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                      "autocomplete": "off",
                                                      "class": "form-control form-control-sm num"}))
    field.error_messages.update({
        "invalid": "请填写数字。", "max_decimal_places": f"最多 {places} 位小数。",
        "max_digits": "数字太大。", "max_whole_digits": "数字太大。"})
    return field


def _text(label, *, rows=2, required=False):
    field = forms.CharField(label=label, required=required, strip=True,
                            widget=forms.Textarea(attrs={**SMALL, "rows": rows}))
    field.error_messages["required"] = f"请填写{label}。"
    return field


class ScoreRowForm(forms.Form):
    score = _number("复核得分")
    deduction_reason = _text("扣分原因")
    opinion = _text("复核意见")

    def __init__(self, *args, indicator: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # a row's fields sit under the table's headings
            field.widget.attrs["aria-label"] = f"{indicator}：{field.label}" if indicator else field.label


class CheckForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    verified_spent = _number("核实预算执行数（万元）", digits=14)
    execution_score = _number("复核执行得分")
    execution_note = _text("预算执行复核说明")
    conclusion = _text("复核结论", rows=4)

    @staticmethod
    def initial_from(checked) -> dict:
        return {"version": checked.version,
                "verified_spent": format_decimal(checked.verified_spent),
                "execution_score": format_decimal(checked.execution_score),
                "execution_note": checked.execution_note, "conclusion": checked.conclusion}

    def execution(self):
        data = self.cleaned_data
        return (data["verified_spent"], data["execution_score"], data["execution_note"])


class AskForm(forms.Form):
    question = _text("需要单位说明的问题", rows=3, required=True)
    indicator = forms.TypedChoiceField(label="涉及指标（可不选）", required=False, coerce=int,
                                       empty_value=None,
                                       widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, prefix="ask", **kwargs)
        self.fields["indicator"].choices = [("", "（整个项目）")] + [
            (line.id, f"{line.level2} · {line.name}") for line in lines]


class ReopenForm(forms.Form):
    reason = _text("重新打开原因", rows=2, required=True)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="reopen", **kwargs)


class AnswerForm(forms.Form):
    answer = _text("补充说明", rows=5, required=True)


def row_forms(sheet, data=None) -> list[tuple]:
    """(sheet row, its form) for every indicator, prefilled from the stored 复核 score."""
    pairs = []
    for row in sheet.rows:
        stored = row.stored
        initial = ({"score": format_decimal(stored.score),
                    "deduction_reason": stored.deduction_reason, "opinion": stored.opinion}
                   if stored is not None and not row.reweighted else {})
        pairs.append((row, ScoreRowForm(data, prefix=f"i{row.line.id}", initial=initial,
                                        indicator=row.line.name)))
    return pairs


def rows_input(pairs) -> dict:
    """indicator id → (score, 扣分原因, 复核意见) as the service takes them."""
    return {row.line.id: (form.cleaned_data["score"], form.cleaned_data["deduction_reason"],
                          form.cleaned_data["opinion"]) for row, form in pairs}


def show_errors(exc, pairs, form) -> None:
    """Put the service's row errors (CheckRowsRefused) next to their fields."""
    by_id = {row.line.id: row_form for row, row_form in pairs}
    for key, text in exc.errors.items():
        if key in by_id:
            by_id[key].add_error(getattr(text, "field", "score"), str(text))
    for name, text in exc.execution_errors.items():
        form.add_error(name, text)


def problems(pairs, form) -> list[Problem]:
    """Every field error of the page, each linked to its field, in page order."""
    found = []
    for row, row_form in pairs:
        for name, errors in row_form.errors.items():
            label = row_form.fields[name].label if name in row_form.fields else ""
            for error in errors:
                found.append(Problem(f"“{row.line.name}”{label}：{error}",
                                     f"id_i{row.line.id}-{name}"))
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            found.append(Problem(f"{label}：{error}" if label else error,
                                 f"id_{name}" if name in form.fields else ""))
    return found
