"""Serializers of the results endpoints: scores (the `score --json` object), lights, target-review
findings and the user's notices, and the query parameters each list takes.

Every Decimal is a string, written exactly as computed (`ExactDecimal`: no rounding here, the
services have rounded already). Fields with a fixed set of values carry it as an inline enum
(no named component a field of another endpoint with the same name could collide with)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from performance.domain import Light
from performance.models import CheckStatus, Notice, ReportingPeriod
from performance.review.findings import RULES, Severity
from performance.review.service import STATUSES
from performance.templatetags.people import person


def ExactDecimal(**kwargs):  # noqa: N802 -- used like a field class
    """A Decimal as a string, exactly as the services computed it ("98.00", "0.8000")."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, read_only=True,
                                    **kwargs)


def _enum(values, nullable: bool = False) -> dict:
    schema = {"type": "string", "enum": [*values, *([None] if nullable else [])]}
    if nullable:
        schema["nullable"] = True
    return schema


class LightField(serializers.CharField):
    """A light's value: blue 蓝灯, green 绿灯, yellow 黄灯, red 红灯; null: no light (nothing to
    judge). A plain string in the schema: an enum here would be the same choice set under two
    names (light, execution_light), which drf-spectacular warns about."""

    def __init__(self, *, help_text: str, **kwargs):
        values = "、".join(f"{light.value} {light.label}" for light in Light)
        super().__init__(help_text=f"{help_text}：{values}；null 无灯", **kwargs)


@extend_schema_field(_enum(CheckStatus.values))
class CheckStatusField(serializers.CharField):
    pass


@extend_schema_field(_enum([severity.value for severity in Severity]))
class SeverityField(serializers.CharField):
    pass


@extend_schema_field(_enum(["open", "accepted"]))
class FindingStatusField(serializers.CharField):
    pass


# -- query parameters -----------------------------------------------------------------------------


class PeriodQuerySerializer(serializers.Serializer):
    period = serializers.CharField(help_text="期间代码，如 2025-final、2025-07")
    unit = serializers.CharField(required=False, help_text="单位代码，如 342601：只列该单位的项目")

    def validate_period(self, code: str) -> ReportingPeriod:
        period = ReportingPeriod.objects.filter(code=code).first()
        if period is None:
            raise serializers.ValidationError(f"未知的期间“{code}”。")
        return period


class MonitoringQuerySerializer(PeriodQuerySerializer):
    period = serializers.CharField(help_text="监控期间代码，如 2025-07（绩效自评期间没有监控灯）")

    def validate_period(self, code: str) -> ReportingPeriod:
        period = super().validate_period(code)
        if not period.is_monitoring:
            raise serializers.ValidationError(
                f"“{period.name}”不是绩效运行监控期间，监控灯只在监控期间计算；请指定监控期间。")
        return period


class FindingQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="年度，如 2025")
    unit = serializers.CharField(
        required=False,
        help_text="单位代码。不指定时审核用户可见的全部单位（至多 20 个，否则须指定）")
    severity = serializers.ChoiceField(
        required=False, choices=[(s.value, s.label) for s in Severity],
        help_text="严重程度：error 错误、warning 警告、notice 提示")
    rule = serializers.ChoiceField(required=False, choices=[(c, i.title) for c, i in RULES.items()],
                                   help_text="规则代码（docs/review.md）")
    status = serializers.ChoiceField(
        required=False, default="open", choices=list(STATUSES.items()),
        help_text="open 待处理（默认，同审核页面）、accepted 已接受、all 全部")


class NoticeQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False,
                                      help_text="true：只列未读通知")


# -- scores: the `score --json` object ------------------------------------------------------------


class ScoreTargetVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="版本号（1：年初批复）")
    kind = serializers.CharField(help_text="版本类型代码")
    kind_label = serializers.CharField(help_text="版本类型，如 年初批复、绩效目标调整")
    effective_from = serializers.DateField(allow_null=True, help_text="生效日期；年初批复为 null")


class ScoreIndicatorSerializer(serializers.Serializer):
    level1 = serializers.CharField(help_text="一级指标")
    level2 = serializers.CharField(help_text="二级指标")
    name = serializers.CharField(help_text="三级指标")
    operator = serializers.CharField(help_text="指标性质（≥ ＞ ＝ ≤ ＜ 定性）")
    unit = serializers.CharField(help_text="度量单位")
    weight = ExactDecimal(help_text="权重（分值）")
    target = serializers.CharField(help_text="指标值，如表13 所列")
    actual = serializers.CharField(help_text="实际完成值，未填为空")
    score = ExactDecimal(help_text="得分")
    missing = serializers.BooleanField(help_text="未填：无完成值，得 0 分")
    explanation = serializers.CharField(help_text="得分说明")


class ScoreCheckIndicatorSerializer(serializers.Serializer):
    name = serializers.CharField()
    self_score = ExactDecimal(help_text="自评得分")
    check_score = ExactDecimal(allow_null=True, help_text="复核得分；尚未复核为 null")
    difference = ExactDecimal(allow_null=True, help_text="复核 − 自评；尚未复核为 null")
    deduction_reason = serializers.CharField(help_text="扣分原因")
    opinion = serializers.CharField(help_text="复核意见")


class ScoreCheckSerializer(serializers.Serializer):
    status = CheckStatusField(help_text="复核状态")
    batch = serializers.CharField(help_text="抽查批次")
    indicator_total = ExactDecimal(help_text="复核指标得分")
    execution_score = ExactDecimal(help_text="复核预算执行得分")
    total = ExactDecimal(help_text="复核总分")
    grade = serializers.CharField(help_text="复核等级")
    deviation = ExactDecimal(help_text="自评偏差：自评总分 − 复核总分")
    conclusion = serializers.CharField(help_text="复核结论")
    indicators = ScoreCheckIndicatorSerializer(many=True)


class ScoreSerializer(serializers.Serializer):
    """One project scored in the period: the fields of `manage.py score --json`, plus
    project_id."""

    project_id = serializers.IntegerField()
    unit = serializers.CharField(help_text="单位代码")
    project = serializers.CharField(help_text="项目名称")
    budget = ExactDecimal(help_text="预算数（有调整后预算数时为调整后预算数），万元")
    spent = ExactDecimal(allow_null=True, help_text="预算执行数，万元；未填为 null")
    execution_rate = ExactDecimal(allow_null=True, help_text="预算执行率（0.8523 即 85.23%）")
    execution_score = ExactDecimal(help_text="预算执行得分")
    indicator_score = ExactDecimal(help_text="指标得分合计")
    total = ExactDecimal(help_text="总分")
    grade = serializers.CharField(allow_null=True, help_text="等级；未填报（nothing_entered）为 null")
    missing_indicators = serializers.IntegerField(help_text="未填指标个数")
    nothing_entered = serializers.BooleanField(help_text="未填报：无任何指标值和执行数")
    policy = serializers.CharField(help_text="评分规则的指纹")
    target_version = ScoreTargetVersionSerializer(help_text="计分所依据的目标版本")
    indicators = ScoreIndicatorSerializer(many=True)
    check = ScoreCheckSerializer(allow_null=True,
                                 help_text="抽查复核；未抽查（或复核尚未完成而无权查看）为 null")


# -- lights ---------------------------------------------------------------------------------------


class LightIndicatorSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="指标 id")
    level1 = serializers.CharField(help_text="一级指标")
    level2 = serializers.CharField(help_text="二级指标")
    name = serializers.CharField(help_text="三级指标")
    weight = ExactDecimal(help_text="权重")
    light = LightField(allow_null=True, help_text="指标监控灯；未填值等无法判断时为 null")


class LightSerializer(serializers.Serializer):
    """One project monitored at the period's cut-off, computed now (as the unit dashboard)."""

    project_id = serializers.IntegerField()
    unit = serializers.CharField(help_text="单位代码")
    unit_name = serializers.CharField(help_text="单位名称")
    project = serializers.CharField(help_text="项目名称")
    light = LightField(allow_null=True, help_text="项目监控灯（其各灯中最严重者）")
    execution_light = LightField(allow_null=True, help_text="预算执行灯")
    score_total = ExactDecimal(help_text="当前得分")
    grade = serializers.CharField(allow_null=True, help_text="当前等级；未填报为 null")
    projected_total = ExactDecimal(allow_null=True,
                                   help_text="预计全年得分；无全年预计完成值时为 null")
    projected_grade = serializers.CharField(allow_null=True, help_text="预计等级")
    indicators_missing = serializers.IntegerField(help_text="未填指标个数")
    has_values = serializers.BooleanField(help_text="已填报任何指标值或执行数")
    indicators = LightIndicatorSerializer(many=True)


# -- target-review findings -----------------------------------------------------------------------


class FindingDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(help_text="接受说明")
    decided_by = serializers.SerializerMethodField(help_text="决定人")
    decided_at = serializers.DateTimeField(help_text="决定时间")

    @extend_schema_field(OpenApiTypes.STR)
    def get_decided_by(self, decision) -> str:
        return person(decision.decided_by)


class FindingSerializer(serializers.Serializer):
    """A finding as the review page lists it (performance.review.findings.Finding)."""

    key = serializers.CharField(source="finding.key", help_text="审核问题的稳定标识")
    severity = SeverityField(source="finding.severity", help_text="严重程度")
    severity_label = serializers.CharField(source="finding.severity.label")
    rule = serializers.CharField(source="finding.rule", help_text="规则代码")
    rule_title = serializers.CharField(source="finding.rule_title", help_text="规则")
    unit = serializers.CharField(source="finding.unit_code", help_text="单位代码")
    year = serializers.IntegerField(source="finding.year", allow_null=True)
    project_id = serializers.IntegerField(source="finding.project_id", allow_null=True)
    project = serializers.CharField(source="finding.project_name",
                                    help_text="项目名称；预算表的问题为空")
    indicator_id = serializers.IntegerField(source="finding.indicator_id", allow_null=True)
    indicator = serializers.CharField(source="finding.indicator_name", help_text="指标名称")
    row = serializers.IntegerField(source="finding.source_row", allow_null=True,
                                   help_text="源文件中的行号")
    subject = serializers.CharField(source="finding.subject")
    message = serializers.CharField(source="finding.message", help_text="问题及修改建议")
    status = serializers.SerializerMethodField(help_text="open 待处理、accepted 已接受")
    decision = FindingDecisionSerializer(allow_null=True, help_text="财政审核人的接受决定")

    @extend_schema_field(FindingStatusField)
    def get_status(self, row) -> str:
        return "open" if row.decision is None else "accepted"


# -- notices --------------------------------------------------------------------------------------


class NoticeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="相关页面的路径（站内链接）；没有为空")
    read = serializers.SerializerMethodField(help_text="已读")

    class Meta:
        model = Notice
        fields = ["id", "subject", "body", "url", "created_at", "read_at", "read"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_url(self, notice) -> str:
        # as the notices page: only a link inside the site
        return notice.url if notice.url.startswith("/") else ""

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_read(self, notice) -> bool:
        return notice.read_at is not None
