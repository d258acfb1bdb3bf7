"""django-import-export resources: flat exports of 表13 and of the entered values, with the
same column names the importers read, so an export from the admin can be imported again.

Imports do not go through these resources: django-import-export saves row by row (one or
more queries per row; bench/import_speed.py measures it), while the importers validate the
whole file and write in bulk through the services. Text a spreadsheet would run as a formula
(= + - @ at the start) is exported with a leading apostrophe; the reader drops it again.
"""

from import_export import fields, resources

from performance.domain import Operator
from performance.models import Indicator, IndicatorRecord, format_decimal

from .sheets import looks_like_formula


def neutralize(value):
    """A cell a spreadsheet would run as a formula, kept as text: these exports may be CSV,
    which has no cell types, hence the apostrophe (sheets.keep_text does the rest)."""
    if looks_like_formula(value):
        return "'" + value
    return value


class SafeResource(resources.ModelResource):
    def export_field(self, field, instance, **kwargs):
        return neutralize(super().export_field(field, instance, **kwargs))


def _column(name: str, attribute: str | None = None) -> fields.Field:
    return fields.Field(column_name=name, attribute=attribute, readonly=True)


class Table13Resource(SafeResource):
    """表13, one row per indicator with its project columns repeated (the flat layout)."""

    unit = _column("单位名称")
    project = _column("项目名称", "project__name")
    budget = _column("预算数")
    goal = _column("年度目标")
    level1 = _column("一级指标", "level1__name")
    level2 = _column("二级指标", "level2__name")
    indicator = _column("三级指标", "name")
    operator = _column("指标性质", "operator")
    target = _column("指标值")
    measure = _column("度量单位", "unit")
    weight = _column("权重")
    direction = _column("指标方向性", "direction")

    class Meta:
        model = Indicator
        fields = ("unit", "project", "budget", "goal", "level1", "level2", "indicator",
                  "operator", "target", "measure", "weight", "direction")
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("project__unit", "project__goal", "level1", "level2")

    def dehydrate_unit(self, indicator):
        unit = indicator.project.unit
        return f"{unit.code}-{unit.name}"

    def dehydrate_budget(self, indicator):
        return format_decimal(indicator.project.budget_amount)

    def dehydrate_goal(self, indicator):
        goal = getattr(indicator.project, "goal", None)
        return goal.text if goal is not None else ""

    def dehydrate_target(self, indicator):
        if indicator.operator == Operator.QUALITATIVE:
            return indicator.target_grade
        return format_decimal(indicator.target_value)

    def dehydrate_weight(self, indicator):
        return format_decimal(indicator.weight)


class IndicatorRecordResource(SafeResource):
    """The values entered for an indicator in a period (importable with import_actuals)."""

    unit = _column("单位名称")
    project = _column("项目名称", "indicator__project__name")
    level1 = _column("一级指标", "indicator__level1__name")
    level2 = _column("二级指标", "indicator__level2__name")
    indicator = _column("三级指标", "indicator__name")
    period_code = _column("填报期间", "period__code")
    actual = _column("实际完成值")
    expected = _column("全年预计完成值")
    likelihood = _column("完成可能性", "likelihood")
    reasons = _column("偏差原因")
    measures = _column("纠偏措施", "corrective_measures")
    explanation = _column("未完成原因", "explanation")

    class Meta:
        model = IndicatorRecord
        fields = ("unit", "project", "level1", "level2", "indicator", "period_code", "actual",
                  "expected", "likelihood", "reasons", "measures", "explanation")
        export_order = fields

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("indicator__project__unit", "indicator__level1",
                                       "indicator__level2", "period")

    def dehydrate_unit(self, record):
        unit = record.indicator.project.unit
        return f"{unit.code}-{unit.name}"

    def dehydrate_actual(self, record):
        return record.actual_grade or format_decimal(record.actual_value)

    def dehydrate_expected(self, record):
        return record.expected_grade or format_decimal(record.expected_value)

    def dehydrate_reasons(self, record):
        return "、".join(record.deviation_reasons or [])
