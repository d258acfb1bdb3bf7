"""The values resource (api:project-values), the workflow steps' bodies, the records list and
the refusals' bodies: what they answer, and the request bodies they document.

Values are parsed by the project page's own forms (performance.entry.forms: IndicatorForm,
ProjectForm), so the page and the API accept and refuse the same input with the same words;
the request serializers below only describe the body for the schema."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.datastructures import MultiValueDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from performance.domain import DeviationReason, Grade, Likelihood
from performance.entry.forms import IndicatorForm, ProjectForm
from performance.services.record_fields import PROJECT_FIELDS, indicator_fields, who
from performance.workflow import Action, PeriodState, WorkflowStatus

GRADES = [g.value for g in Grade]
LIKELIHOODS = [v.value for v in Likelihood]
REASONS = [v.value for v in DeviationReason]
ENTERED = ("actual_value", "actual_grade", "expected_value", "expected_grade", "likelihood",
           "deviation_reasons", "corrective_measures", "explanation")
ACTIONS = [Action.SAVE, Action.SUBMIT, Action.APPROVE, Action.RETURN,
           Action.DEPARTMENT_APPROVE, Action.DEPARTMENT_RETURN, Action.REOPEN]


class WorkflowStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=WorkflowStatus.choices, **kwargs)


class GradeField(serializers.ChoiceField):
    """优、良、中、差, or blank."""

    def __init__(self, **kwargs):
        super().__init__(choices=GRADES, allow_blank=True, **kwargs)


def _value(**kwargs):
    return serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True, **kwargs)


# ---------------------------------------------------------------- answers


class ValuesUnitSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="单位代码")
    name = serializers.CharField(help_text="单位名称")


class ValuesProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    unit = ValuesUnitSerializer()


class ValuesPeriodSerializer(serializers.Serializer):
    code = serializers.CharField(source="period.code")
    name = serializers.CharField(source="period.name")
    monitoring = serializers.BooleanField(source="period.is_monitoring",
                                          help_text="运行监控期（true）或年度自评（false）")
    state = serializers.ChoiceField(choices=PeriodState.choices,
                                    help_text="本项目所属单位的期间状态：open 填报中、locked 已锁定、"
                                              "unit_open 已锁定但本单位已解锁")


class IndicatorValuesSerializer(serializers.Serializer):
    indicator_id = serializers.IntegerField(source="indicator.id")
    name = serializers.CharField(source="indicator.name")
    level1 = serializers.CharField(source="indicator.level1.name", help_text="一级指标")
    level2 = serializers.CharField(source="indicator.level2.name", help_text="二级指标")
    operator = serializers.CharField(source="indicator.operator")
    target_value = _value(source="indicator.target_value", help_text="指标值（定量）")
    target_grade = GradeField(source="indicator.target_grade", help_text="指标值（定性）")
    unit = serializers.CharField(source="indicator.unit", help_text="计量单位")
    weight = serializers.DecimalField(source="indicator.weight", max_digits=6, decimal_places=2)
    input_fields = serializers.ListField(source="fields",
                                         child=serializers.ChoiceField(choices=ENTERED),
                                         help_text="本期可填写的字段（PATCH 只接受这些）")
    version = serializers.IntegerField(allow_null=True, help_text="指标填报记录的版本；null：尚无记录")
    actual_value = _value(source="values.actual_value",
                          help_text="完成值（运行监控期为当前完成值）")
    actual_grade = GradeField(source="values.actual_grade", help_text="完成等级（定性）")
    expected_value = _value(source="values.expected_value", help_text="全年预计完成值（运行监控期）")
    expected_grade = GradeField(source="values.expected_grade", help_text="全年预计完成等级")
    likelihood = serializers.CharField(source="values.likelihood", help_text="完成可能性")
    deviation_reasons = serializers.ListField(source="values.deviation_reasons",
                                              child=serializers.ChoiceField(choices=REASONS))
    corrective_measures = serializers.CharField(source="values.corrective_measures")
    explanation = serializers.CharField(source="values.explanation")
    light = serializers.CharField(help_text="监控灯（运行监控期）")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.CharField(allow_null=True)


class ValuesSerializer(serializers.Serializer):
    """performance.services.api_values.ValuesState; context["etag"]: its ETag."""

    project = ValuesProjectSerializer()
    period = ValuesPeriodSerializer(source="*")
    etag = serializers.SerializerMethodField(help_text="与响应头 ETag 相同；写入时放在 If-Match 中")
    version = serializers.IntegerField(allow_null=True, help_text="项目填报记录的版本；null：尚无记录")
    status = WorkflowStatusField(source="record.status")
    status_label = serializers.SerializerMethodField()
    spent = serializers.DecimalField(source="record.spent", max_digits=14, decimal_places=2,
                                     allow_null=True, help_text="预算执行数（万元）")
    spent_reason = serializers.CharField(source="record.spent_reason", help_text="执行率偏低原因")
    return_reason = serializers.CharField(source="record.return_reason")
    submitted_at = serializers.DateTimeField(source="record.submitted_at", allow_null=True)
    submitted_by = serializers.CharField(source="record.submitted_by", allow_null=True)
    reviewed_at = serializers.DateTimeField(source="record.reviewed_at", allow_null=True)
    reviewed_by = serializers.CharField(source="record.reviewed_by", allow_null=True)
    updated_at = serializers.DateTimeField(source="record.updated_at", allow_null=True)
    updated_by = serializers.CharField(source="record.updated_by", allow_null=True)
    editable = serializers.BooleanField(help_text="当前用户现在能否修改这些值")
    read_only_reason = serializers.CharField(allow_null=True, help_text="不能修改的原因（页面的说法）")
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=ACTIONS),
        help_text="当前用户现在可做的操作（与页面显示的按钮相同；提交时仍会检查是否填写完整）")
    indicators = IndicatorValuesSerializer(many=True)

    def get_etag(self, state) -> str:
        return self.context["etag"]

    def get_status_label(self, state) -> str:
        return WorkflowStatus(state.record["status"]).label


class ValuesChangeSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="指标名称，或“预算执行数/状态”（项目填报记录）")
    indicator_id = serializers.IntegerField(allow_null=True)
    by = serializers.CharField(help_text="修改人")
    at = serializers.DateTimeField(help_text="修改时间")
    version = serializers.IntegerField(help_text="该记录当前的版本")


class StaleSerializer(serializers.Serializer):
    detail = serializers.CharField()
    changes = ValuesChangeSerializer(many=True, help_text="自 If-Match 所示版本以来修改过的记录")
    etag = serializers.CharField(help_text="当前的 ETag")


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class RefusedSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="服务的原话（期间已锁定、已提交、职责分离……）")
    problems = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text="提交时：尚未完成的各项")


class FieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="如 indicators[2].actual_value")
    message = serializers.CharField()


class InvalidSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = FieldErrorSerializer(many=True)


@extend_schema_field(OpenApiTypes.STR)
class PersonField(serializers.Field):
    """A person as the pages name them (full name, else the user name)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, user):
        return who(user)


class ProjectRecordSerializer(serializers.Serializer):
    """A ProjectRecord of the records list; context["versions"]: project id → Versions,
    context["etag"]: Versions → ETag, context["values_url"]: project id → its values URL."""

    id = serializers.IntegerField()
    project = ValuesProjectSerializer()
    status = WorkflowStatusField()
    status_label = serializers.CharField(source="get_status_display")
    spent = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                     help_text="预算执行数（万元）")
    return_reason = serializers.CharField()
    version = serializers.IntegerField(help_text="项目填报记录的版本")
    indicator_records = serializers.SerializerMethodField(help_text="本期的指标填报记录数")
    etag = serializers.SerializerMethodField(help_text="该项目本期填报值的 ETag（同 values 资源）")
    submitted_at = serializers.DateTimeField(allow_null=True)
    submitted_by = PersonField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = PersonField()
    updated_at = serializers.DateTimeField()
    updated_by = PersonField()
    values_url = serializers.SerializerMethodField(help_text="该项目本期的 values 资源")

    def get_indicator_records(self, record) -> int:
        return self.context["versions"][record.project_id].records

    def get_etag(self, record) -> str:
        return self.context["etag"](self.context["versions"][record.project_id])

    def get_values_url(self, record) -> str:
        return self.context["values_url"](record.project_id)


class ProjectRecordFilterSerializer(serializers.Serializer):
    unit = serializers.CharField(required=False, help_text="单位代码")
    status = WorkflowStatusField(required=False, help_text="状态")


# ---------------------------------------------------------------- request bodies


class IndicatorValuesWriteSerializer(serializers.Serializer):
    """Only the fields given change; null or "" clears one. Numbers as strings ("7600.5"),
    as on the page: 1,200 / 95% / full-width digits are read the same way."""

    indicator_id = serializers.IntegerField()
    actual_value = _value(required=False)
    actual_grade = GradeField(required=False)
    expected_value = _value(required=False)
    expected_grade = GradeField(required=False)
    likelihood = serializers.ChoiceField(choices=LIKELIHOODS, required=False, allow_blank=True)
    deviation_reasons = serializers.ListField(child=serializers.ChoiceField(choices=REASONS),
                                              required=False)
    corrective_measures = serializers.CharField(required=False, allow_blank=True)
    explanation = serializers.CharField(required=False, allow_blank=True)


class ValuesWriteSerializer(serializers.Serializer):
    spent = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                     required=False, help_text="预算执行数（万元）")
    spent_reason = serializers.CharField(required=False, allow_blank=True)
    indicators = IndicatorValuesWriteSerializer(many=True, required=False)


class WorkflowStepSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True,
                                   help_text="退回、退回单位审核、重新打开时必填")


# ---------------------------------------------------------------- parsing the values


def count_values(body) -> int:
    """The values a body gives (each indicator counts at least one)."""
    if not isinstance(body, dict):
        return 0
    count = sum(1 for key in PROJECT_FIELDS if key in body)
    items = body.get("indicators")
    if isinstance(items, list):
        count += sum(max(1, len(item) - 1) if isinstance(item, dict) else 1 for item in items)
    return count


def parse_values(body, indicators: list, monitoring: bool) -> tuple[dict[int, dict], dict]:
    """(indicator id → {field: value}, {spent…}) from a PATCH body, each value read by the
    page's form for that indicator and period. Raises ValidationError naming each field by its
    path (indicators[<index>].<field>); nothing is partly accepted."""
    errors: dict[str, list[str]] = {}
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": ["请求体应为 JSON 对象。"]})
    limit = settings.API_MAX_BATCH_VALUES
    count = count_values(body)
    if count > limit:
        raise ValidationError({"indicators": [
            f"一次最多写入 {limit} 个值，本次 {count} 个；请分批提交。"]})
    for key in body:
        if key not in (*PROJECT_FIELDS, "indicators"):
            errors[str(key)] = ["未知字段。"]
    given = {key: body[key] for key in PROJECT_FIELDS if key in body}
    project_values = _read(ProjectForm(None, data=_data("p", given, errors, "")), given, "", errors)
    changes: dict[int, dict] = {}
    items = body.get("indicators", [])
    if not isinstance(items, list):
        errors["indicators"] = ["应为列表。"]
        items = []
    known = {i.id: i for i in indicators}
    seen: dict[int, int] = {}
    for index, item in enumerate(items):
        path = f"indicators[{index}]"
        if not isinstance(item, dict):
            errors[path] = ["应为对象。"]
            continue
        indicator = _indicator(item, path, known, seen, index, errors)
        if indicator is None:
            continue
        fields = indicator_fields(indicator, monitoring)
        given = {}
        for key, value in item.items():
            if key == "indicator_id":
                continue
            if key in fields:
                given[key] = value
            else:
                errors[f"{path}.{key}"] = [
                    f"指标“{indicator.name}”本期不填写此项；可填写：{'、'.join(fields)}。"
                    if key in ENTERED else "未知字段。"]
        form = IndicatorForm(indicator, None, monitoring=monitoring,
                             data=_data(f"i{indicator.id}", given, errors, path + "."))
        changes[indicator.id] = _read(form, given, path + ".", errors)
    if errors:
        raise ValidationError(errors)
    return changes, project_values


def _indicator(item, path, known, seen, index, errors):
    indicator_id = item.get("indicator_id")
    if "indicator_id" not in item:
        errors[f"{path}.indicator_id"] = ["必须填写指标 id。"]
    elif isinstance(indicator_id, bool) or not isinstance(indicator_id, int):
        errors[f"{path}.indicator_id"] = ["应为整数。"]
    elif indicator_id not in known:
        errors[f"{path}.indicator_id"] = [f"指标 {indicator_id} 不是本项目本期填报的指标。"]
    elif indicator_id in seen:
        errors[f"{path}.indicator_id"] = [f"与 indicators[{seen[indicator_id]}] 重复。"]
    else:
        seen[indicator_id] = index
        return known[indicator_id]
    return None


def _data(prefix: str, given: dict, errors: dict, path: str) -> MultiValueDict:
    """`given` as the page's form would post it (text, a list for the reasons); a value of a
    JSON type no input gives is an error at its path."""
    data = MultiValueDict()
    for key, value in given.items():
        name = f"{prefix}-{key}"
        if key == "deviation_reasons":
            if value is None:
                value = []
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                errors[f"{path}{key}"] = ["应为文本的列表。"]
                continue
            data.setlist(name, value)
        elif value is None:
            data[name] = ""
        elif isinstance(value, bool) or not isinstance(value, (str, int, float)) and not hasattr(
                value, "quantize"):
            errors[f"{path}{key}"] = ["应为文本或数字。"]
        else:
            data[name] = str(value)
    return data


def _read(form, given: dict, path: str, errors: dict) -> dict:
    """The cleaned values of the fields `given` ({} when the form refuses any)."""
    form.is_valid()
    for key in given:
        if key in form.errors:
            errors[f"{path}{key}"] = list(form.errors[key])
    return {key: form.cleaned_data[key] for key in given if key in form.cleaned_data}
