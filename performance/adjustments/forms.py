"""Forms of the adjustment pages: one row per indicator (a formset whose rows are prefixed
t0, t1, … so that the ids are the anchors performance.services.adjustments names, e.g.
id_t2-weight), the proposal's own fields, a 年中追加 project's fields, and the reviewers' step.

The forms only read what was typed (numbers as people type them, dates, choices); whether a
proposal is acceptable is the service's business, and its problems are put back next to the
fields here (`show_problems`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.forms import BaseFormSet, formset_factory

from budget.models import ProjectCategory
from performance.domain import Direction, Grade, Operator, choices
from performance.entry.forms import NumberField
from performance.models import IndicatorLevel2, format_decimal
from performance.services.adjustments import MAX_INDICATORS, ProposalInput, TargetDraft
from performance.services.workflow import Problem

SMALL = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}
BLANK = [("", "—")]
EXTRA_ROWS = 3  # empty rows for added indicators (a page saved with them filled offers 3 more)
ANCHOR = re.compile(r"^id_t(\d+)-(\w+)$")


def _number(label, *, places=4, digits=18, minimum=None, required=False):
    field = NumberField(label=label, required=required, max_digits=digits,
                        decimal_places=places, min_value=minimum,
                        widget=forms.TextInput(attrs={**SMALL, "inputmode": "decimal",
                                                      "autocomplete": "off", "class":
                                                      "form-control form-control-sm num"}))
    field.error_messages.update({
        "invalid": "请填写数字。", "max_decimal_places": f"最多 {places} 位小数。",
        "max_digits": "数字太大。", "max_whole_digits": "数字太大。", "min_value": "不能为负数。",
        "required": "请填写。"})
    return field


def _text(label, *, rows=2, required=False):
    return forms.CharField(label=label, required=required,
                           widget=forms.Textarea(attrs={**SMALL, "rows": rows}))


@dataclass(frozen=True)
class Levels:
    """The 二级指标 choices with their 一级 (read once for every row of the page)."""

    choices: list
    level1_of: dict

    @classmethod
    def read(cls) -> Levels:
        # "产出指标 / 数量指标": a closed select shows only its option, so the 一级 is in it
        level2s = list(IndicatorLevel2.objects.all())
        return cls(BLANK + [(l2.id, str(l2)) for l2 in level2s],
                   {l2.id: l2.level1_id for l2 in level2s})


class IndicatorRowForm(forms.Form):
    """One indicator of a proposal: an existing one (indicator_id) or an added one."""

    indicator_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    cumulative = forms.NullBooleanField(required=False, widget=forms.HiddenInput)
    level2 = forms.TypedChoiceField(label="一级/二级指标", coerce=int, required=False,
                                    empty_value=None,
                                    widget=forms.Select(attrs=SELECT))
    name = forms.CharField(label="三级指标", max_length=100, required=False,
                           widget=forms.TextInput(attrs=SMALL))
    operator = forms.ChoiceField(label="指标性质", required=False,
                                 choices=BLANK + choices(Operator),
                                 widget=forms.Select(attrs=SELECT))
    target_value = _number("指标值")
    target_grade = forms.ChoiceField(label="指标值（等级）", required=False,
                                     choices=BLANK + [(g.value, g.value) for g in Grade],
                                     widget=forms.Select(attrs=SELECT))
    unit = forms.CharField(label="度量单位", max_length=30, required=False,
                           widget=forms.TextInput(attrs=SMALL))
    weight = _number("权重", places=2, digits=6)
    direction = forms.ChoiceField(label="方向", required=False,
                                  choices=BLANK + choices(Direction),
                                  widget=forms.Select(attrs=SELECT))
    remove = forms.BooleanField(label="删除", required=False)
    reason = _text("调整理由", rows=1)

    def __init__(self, *args, levels: Levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.levels = levels
        self.fields["level2"].choices = levels.choices

    def clean(self):
        data = super().clean()
        if self.dropped:
            return data
        if self.has_changed() and not data.get("level2") and "level2" not in self.errors:
            self.add_error("level2", "请选择一级/二级指标。")
        return data

    @property
    def dropped(self) -> bool:
        """An indicator this proposal added, now struck out again: it is simply left out."""
        data = getattr(self, "cleaned_data", {})
        return bool(data.get("remove")) and not data.get("indicator_id")

    def draft(self) -> TargetDraft:
        data = self.cleaned_data
        return TargetDraft(
            indicator_id=data["indicator_id"], level1_id=self.levels.level1_of.get(data["level2"]),
            level2_id=data["level2"], name=data["name"], operator=data["operator"],
            target_value=data["target_value"], target_grade=data["target_grade"],
            unit=data["unit"], weight=data["weight"], direction=data["direction"],
            cumulative=data["cumulative"], remove=data["remove"], reason=data["reason"])

    @property
    def is_added(self) -> bool:
        return not self.initial.get("indicator_id")


class RowFormSet(BaseFormSet):
    def add_prefix(self, index):
        # t0-name, not t-0-name: the service's anchors are id_t<index>-<field>
        return f"{self.prefix}{index}"


RowForms = formset_factory(IndicatorRowForm, formset=RowFormSet, extra=EXTRA_ROWS,
                           max_num=MAX_INDICATORS, validate_max=True)


def row_forms(levels: Levels, drafts=(), data=None, *, extra=EXTRA_ROWS) -> RowFormSet:
    initial = [row_initial(d) for d in drafts]
    formset = RowForms(data, prefix="t", initial=initial, form_kwargs={"levels": levels})
    formset.extra = extra
    return formset


def row_initial(draft: TargetDraft) -> dict:
    return {"indicator_id": draft.indicator_id, "cumulative": draft.cumulative,
            "level2": draft.level2_id, "name": draft.name, "operator": draft.operator,
            "target_value": _decimal_text(draft.target_value),
            "target_grade": draft.target_grade, "unit": draft.unit,
            "weight": _decimal_text(draft.weight), "direction": draft.direction,
            "remove": draft.remove, "reason": draft.reason}


def _decimal_text(value):
    return format_decimal(value) if isinstance(value, Decimal) else value


class ProposalForm(forms.Form):
    """The proposal's own fields (ids id_reason, id_adjusted_amount, … as the service names
    them)."""

    adjusted_amount = _number("调整后预算数（万元）", places=2, digits=14, minimum=Decimal(0))
    budget_reason = _text("预算调整原因")
    goal = _text("年度目标", rows=3)
    reason = _text("调整原因", rows=3)
    effective_from = forms.DateField(
        label="建议生效日期", required=False, input_formats=["%Y-%m-%d", "%Y/%m/%d"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={**SMALL, "type": "date"}),
        error_messages={"invalid": "日期格式应为 2025-09-01。"})

    @classmethod
    def initial_from(cls, data: ProposalInput) -> dict:
        return {"adjusted_amount": _decimal_text(data.adjusted_amount),
                "budget_reason": data.budget_reason, "goal": data.goal or "",
                "reason": data.reason, "effective_from": data.effective_from}

    def proposal(self, drafts) -> ProposalInput:
        data = self.cleaned_data
        return ProposalInput(drafts, reason=data["reason"], adjusted_amount=data["adjusted_amount"],
                             budget_reason=data["budget_reason"], goal=data["goal"],
                             effective_from=data["effective_from"])


class MidyearForm(ProposalForm):
    """A 年中追加 project: its own fields, then those of its targets' proposal."""

    field_order = ["name", "category", "budget_amount", "year"]

    name = forms.CharField(label="项目名称", max_length=200, widget=forms.TextInput(attrs=SMALL),
                           error_messages={"required": "请填写项目名称。"})
    category = forms.ChoiceField(label="项目类别", choices=ProjectCategory.choices,
                                 initial=ProjectCategory.SPECIFIC,
                                 widget=forms.Select(attrs=SELECT))
    budget_amount = _number("预算数（万元）", places=2, digits=14, minimum=Decimal(0),
                            required=True)
    year = forms.TypedChoiceField(label="年度", coerce=int, widget=forms.Select(attrs=SELECT))

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y} 年") for y in years]
        del self.fields["adjusted_amount"], self.fields["budget_reason"]
        self.fields["reason"].label = "追加原因"

    def proposal(self, drafts) -> ProposalInput:
        data = self.cleaned_data
        return ProposalInput(drafts, reason=data["reason"], goal=data["goal"],
                             effective_from=data["effective_from"])


class StepForm(forms.Form):
    """A reviewer's or the filler's step on a proposal; `status` is the status the page
    showed, so a step on a proposal someone else has just moved is refused."""

    status = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label="意见或原因", required=False, max_length=2000,
                             widget=forms.Textarea(attrs={**SMALL, "rows": 2}))
    effective_from = ProposalForm.base_fields["effective_from"]


# -- problems next to their fields -----------------------------------------------------------------


def drafts_of(formset) -> tuple[list[TargetDraft], list[int]]:
    """The drafts of the rows filled in, and for each the index of its row on the page (an
    empty added row is left out, so the two may differ)."""
    drafts, rows = [], []
    for index, form in enumerate(formset.forms):
        if (index >= formset.initial_form_count() and not form.has_changed()) or form.dropped:
            continue
        drafts.append(form.draft())
        rows.append(index)
    return drafts, rows


def show_problems(problems, formset, form, rows=None) -> list[Problem]:
    """The service's problems with their anchors moved to the rows of the page (`rows`: the
    page row of each draft), each also put next to its field."""
    shown = []
    for problem in problems:
        anchor = problem.anchor
        match = ANCHOR.match(anchor)
        if match:
            index, name = int(match[1]), match[2]
            if rows is not None and index < len(rows):
                index = rows[index]
            anchor = f"id_t{index}-{name}"
            if index < len(formset.forms) and name in formset.forms[index].fields:
                _error(formset.forms[index], name, problem)
        elif anchor.startswith("id_") and anchor[3:] in form.fields:
            _error(form, anchor[3:], problem)
        shown.append(Problem(str(problem), anchor))
    return shown


def form_problems(formset, form) -> list[Problem]:
    """What the forms themselves found (a number that is not one, a date), as problems."""
    found = []
    for index, row in enumerate(formset.forms):
        for name, errors in row.errors.items():
            label = row.fields[name].label if name in row.fields else ""
            for error in errors:
                found.append(Problem(f"第 {index + 1} 行{('：' + label) if label else ''}：{error}",
                                     f"id_t{index}-{name}" if name in row.fields else ""))
    for error in formset.non_form_errors():
        found.append(Problem(str(error)))
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for error in errors:
            found.append(Problem(f"{label}：{error}" if label else error,
                                 f"id_{name}" if name in form.fields else ""))
    return found


def _error(form, name, problem) -> None:
    if not hasattr(form, "cleaned_data"):
        form.full_clean()
    form.errors.setdefault(name, form.error_class()).append(str(problem))


def read_only(formset, form) -> None:
    for each in [*formset.forms, form]:
        for field in each.fields.values():
            field.disabled = True
