"""The form of 抽取复核批次: what finance types, read into DrawRules; the hand-picked lines are
read by the service (line-numbered problems), the rules' and the draw's refusals are put back
next to their fields (`show_refusal`)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from budget.models import ProjectCategory, Unit
from performance.checks.draw import STRATIFY, DrawRefused, DrawRules
from performance.models import PeriodKind, ReportingPeriod
from performance.services.check_batches import read_hand_picked

SMALL = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}
# a field of DrawRules or of the draw → the field of this form that shows its refusal
FIELD_OF = {"amount_threshold": "amount_threshold", "random_share": "random_percent",
            "stratify": "stratify", "units": "units", "categories": "categories",
            "hand_picked": "hand_picked", "seed": "seed", "period": "period", "name": "name"}


def self_evaluation_periods():
    return ReportingPeriod.objects.filter(kind=PeriodKind.SELF_EVALUATION).order_by("-year",
                                                                                   "code")


class DrawForm(forms.Form):
    period = forms.ModelChoiceField(label="绩效自评期间", queryset=ReportingPeriod.objects.none(),
                                    empty_label=None, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(label="批次名称", max_length=100,
                           widget=forms.TextInput(attrs={**SMALL, "placeholder": "如：第一批"}))
    amount_threshold = forms.DecimalField(
        label="金额标准（万元）", required=False, min_value=0, max_digits=14, decimal_places=2,
        help_text="预算数（调整后预算数优先）达到该金额的项目全部抽取；留空则不按金额抽取",
        widget=forms.TextInput(attrs={**SMALL, "inputmode": "decimal"}))
    random_percent = forms.DecimalField(
        label="随机抽取比例（%）", required=False, min_value=0, max_value=100, max_digits=5,
        decimal_places=2, initial=Decimal(20),
        help_text="其余项目中随机抽取的比例，每组按比例向上取整；0 或留空则不随机抽取",
        widget=forms.TextInput(attrs={**SMALL, "inputmode": "decimal"}))
    stratify = forms.ChoiceField(label="随机抽取分组", choices=list(STRATIFY.items()),
                                 initial="unit", widget=forms.Select(attrs=SELECT),
                                 help_text="按单位或项目类别分组时，每组都按比例抽取")
    units = forms.MultipleChoiceField(
        label="限定单位", required=False, help_text="不选则为全部单位（按住 Ctrl 可多选）",
        widget=forms.SelectMultiple(attrs={**SELECT, "size": 8}))
    categories = forms.MultipleChoiceField(
        label="限定项目类别", required=False, choices=ProjectCategory.choices,
        help_text="不选则为全部类别", widget=forms.CheckboxSelectMultiple)
    hand_picked = forms.CharField(
        label="指定抽取的项目", required=False,
        help_text="每行一个：“单位代码 项目名称”（可从 Excel 复制这两列粘贴），或项目编号",
        widget=forms.Textarea(attrs={**SMALL, "rows": 4,
                                     "placeholder": "342601 社会保险经办服务"}))
    approved_only = forms.BooleanField(label="只抽取自评已审核的项目", required=False,
                                       initial=True)
    seed = forms.CharField(label="随机种子", required=False, max_length=40,
                           help_text="留空由系统生成；填写相同的种子和规则可重现抽取结果",
                           widget=forms.TextInput(attrs=SMALL))
    note = forms.CharField(label="说明", required=False,
                           widget=forms.Textarea(attrs={**SMALL, "rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = self_evaluation_periods()
        self.fields["units"].choices = [
            (code, f"{code} {name}")
            for code, name in Unit.objects.order_by("code").values_list("code", "name")]
        self.hand_picked_ids: list[int] = []
        for field in ("amount_threshold", "random_percent"):
            self.fields[field].error_messages.update({
                "invalid": "请填写数字。", "min_value": "不能为负数。",
                "max_value": "不能超过 %(limit_value)s。", "max_digits": "数字太大。",
                "max_decimal_places": "最多 %(max)s 位小数。", "max_whole_digits": "数字太大。"})

    def clean(self):
        data = super().clean()
        period = data.get("period")
        if period is not None and "hand_picked" not in self.errors:
            ids, problems = read_hand_picked(period.year, data.get("hand_picked", ""))
            for problem in problems:
                self.add_error("hand_picked", problem)
            self.hand_picked_ids = ids
        if not self.errors:
            try:
                self.rules = self._rules(data)
            except DrawRefused as refused:
                self.show_refusal(refused)
        return data

    def _rules(self, data) -> DrawRules:
        percent = data.get("random_percent") or Decimal(0)
        return DrawRules(amount_threshold=data.get("amount_threshold"),
                         random_share=percent / 100, stratify=data["stratify"],
                         units=tuple(data.get("units") or ()),
                         categories=tuple(data.get("categories") or ()),
                         hand_picked=tuple(self.hand_picked_ids),
                         approved_only=bool(data.get("approved_only")))

    def show_refusal(self, refused: DrawRefused) -> None:
        """Put a refusal of the rules or of the draw next to its field (or above the form)."""
        self.add_error(FIELD_OF.get(refused.field), refused.message)
