"""What the project endpoints answer: the home page's rows, a project with its 表13 targets in
force, and its target versions with their rows and steps. Read-only; snake_case fields; money,
target values, weights and scores as strings (Decimal), never floats."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from budget.models import ProjectCategory
from performance.chain import ChainAction, Level, VersionStatus
from performance.domain import Direction, Grade, Light, Operator, choices
from performance.models import (
    IndicatorTarget,
    RowChange,
    TargetVersion,
    VersionKind,
    VersionStep,
)
from performance.workflow import Channel, WorkflowStatus

from .catalogue import UnitRefSerializer, person

MONEY = {"max_digits": 14, "decimal_places": 2, "read_only": True}
VALUE = {"max_digits": 18, "decimal_places": 4, "read_only": True}
WEIGHT = {"max_digits": 6, "decimal_places": 2, "read_only": True}
SCORE = {"max_digits": 6, "decimal_places": 2, "read_only": True}
KINDS = "、".join(f"{value} {label}" for value, label in VersionKind.choices)
STATUSES = "、".join(f"{value} {label}" for value, label in VersionStatus.choices)


class ProjectRowSerializer(serializers.Serializer):
    """One row of performance.services.listing.project_rows (a Project with its record's
    snapshot in the period). context: "period" (the period), "values_url" (the api:project-values
    URL of the period with %d for the project id)."""

    id = serializers.IntegerField(read_only=True)
    period = serializers.SerializerMethodField(help_text="行所属的填报期间代码")
    unit = UnitRefSerializer(read_only=True)
    name = serializers.CharField(read_only=True, help_text="项目名称")
    category = serializers.ChoiceField(choices=ProjectCategory.choices, read_only=True,
                                       help_text="项目类别")
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    budget = serializers.DecimalField(**MONEY, help_text="预算数（万元；调整后预算数优先）")
    spent = serializers.DecimalField(**MONEY, allow_null=True,
                                     help_text="预算执行数（万元；未填为 null）")
    status = serializers.ChoiceField(source="entry_status", choices=WorkflowStatus.choices,
                                     read_only=True, help_text="填报状态（没有填报记录时为 draft）")
    status_label = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField(help_text="当前得分；未填报（has_values 为 false）时为 null")
    grade = serializers.SerializerMethodField(help_text="等级；未填报时为 null")
    light = serializers.SerializerMethodField(help_text="监控灯；未评时为 null")
    projected = serializers.DecimalField(**SCORE, allow_null=True,
                                         help_text="预计全年得分（监控期间）；没有时为 null")
    missing = serializers.SerializerMethodField(help_text="未填值的指标数；未填报时为 null")
    has_values = serializers.SerializerMethodField(help_text="是否已填报任何值")
    values_url = serializers.SerializerMethodField(help_text="该项目本期间的填报值（api:project-values）")

    def get_period(self, row) -> str:
        return self.context["period"].code

    def get_status_label(self, row) -> str:
        return WorkflowStatus(row.entry_status).label

    @extend_schema_field(serializers.DecimalField(**SCORE, allow_null=True))
    def get_score(self, row):
        if not row.has_values or row.score is None:
            return None
        return serializers.DecimalField(**SCORE).to_representation(row.score)

    @extend_schema_field(serializers.ChoiceField(choices=choices(Grade), allow_null=True))
    def get_grade(self, row):
        return (row.grade or None) if row.has_values else None

    @extend_schema_field(serializers.ChoiceField(choices=choices(Light), allow_null=True))
    def get_light(self, row):
        return row.light or None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_missing(self, row):
        return row.missing if row.has_values else None

    def get_has_values(self, row) -> bool:
        return bool(row.has_values)

    @extend_schema_field(OpenApiTypes.URI)
    def get_values_url(self, row):
        return self.context["values_url"] % row.pk


class IndicatorSerializer(serializers.Serializer):
    """A 表13 row as in force: an Indicator, or an earlier version's row as an (unsaved)
    Indicator (IndicatorTarget.as_indicator), with its levels attached."""

    id = serializers.IntegerField(read_only=True, help_text="指标 id（跨版本不变，填报值挂在它上面）")
    level1 = serializers.CharField(source="level1.name", read_only=True, help_text="一级指标")
    level2 = serializers.CharField(source="level2.name", read_only=True, help_text="二级指标")
    name = serializers.CharField(read_only=True, help_text="三级指标")
    operator = serializers.ChoiceField(choices=choices(Operator), read_only=True,
                                       help_text="指标性质")
    target_value = serializers.DecimalField(**VALUE, allow_null=True,
                                            help_text="指标值（定性指标为 null）")
    target_grade = serializers.CharField(read_only=True,
                                         help_text="指标值（等级，仅定性指标：优/良/中/差；其他为空）")
    target = serializers.CharField(source="target_display", read_only=True,
                                   help_text="指标值，按表13的写法（7600、95、优）")
    unit = serializers.CharField(read_only=True, help_text="度量单位")
    weight = serializers.DecimalField(**WEIGHT, help_text="权重（分值）")
    direction = serializers.ChoiceField(choices=choices(Direction), read_only=True,
                                        help_text="指标方向性")
    cumulative = serializers.BooleanField(read_only=True, allow_null=True,
                                          help_text="累计型指标；null 为按二级指标和单位自动判断")
    evidence_required = serializers.SerializerMethodField(help_text="提交前须上传佐证材料")
    position = serializers.IntegerField(read_only=True, help_text="表内顺序")

    def get_evidence_required(self, indicator) -> bool:
        return indicator.needs_evidence(indicator.level2.evidence_required)


class VersionInForceSerializer(serializers.Serializer):
    """performance.services.versions.VersionInForce."""

    number = serializers.IntegerField(read_only=True, help_text="版本号（1 为年初批复）")
    # plain strings where a choice set is repeated: one enum under two names or in two
    # components is what drf-spectacular warns about (the enums live on TargetVersion)
    kind = serializers.CharField(read_only=True, help_text=f"版本类型：{KINDS}")
    kind_label = serializers.SerializerMethodField()
    label = serializers.CharField(read_only=True, help_text="如“第2版（绩效目标调整），2025-09-01 起适用”")
    effective_from = serializers.DateField(read_only=True, allow_null=True, help_text="生效日期")
    version_id = serializers.IntegerField(read_only=True, allow_null=True,
                                          help_text="版本 id；从未调整过的项目为 null（其指标即第1版）")
    current = serializers.BooleanField(read_only=True, help_text="是否为最新批复的版本")

    def get_kind_label(self, version) -> str:
        return VersionKind(version.kind).label


class ProjectDetailSerializer(serializers.Serializer):
    """A dict: "project" (with unit and goal read), "period" (or None), "version"
    (VersionInForce), "indicators", "target_versions_url"."""

    id = serializers.IntegerField(source="project.id", read_only=True)
    year = serializers.IntegerField(source="project.year", read_only=True, help_text="年度")
    unit = UnitRefSerializer(source="project.unit", read_only=True)
    name = serializers.CharField(source="project.name", read_only=True, help_text="项目名称")
    category = serializers.ChoiceField(source="project.category", choices=ProjectCategory.choices,
                                       read_only=True)
    category_label = serializers.CharField(source="project.get_category_display", read_only=True)
    budget_amount = serializers.DecimalField(source="project.budget_amount", **MONEY,
                                             help_text="预算数（万元）")
    adjusted_amount = serializers.DecimalField(source="project.adjusted_amount", **MONEY,
                                               allow_null=True, help_text="调整后预算数（万元）")
    budget = serializers.DecimalField(source="project.effective_budget", **MONEY,
                                      help_text="调整后预算数，未调整时为预算数（万元）")
    goal = serializers.CharField(read_only=True, allow_null=True, help_text="年度目标")
    carried_from = serializers.IntegerField(source="project.carried_from_id", read_only=True,
                                            allow_null=True, help_text="上年度同名项目的 id（延续项目）")
    period = serializers.CharField(source="period.code", read_only=True, allow_null=True,
                                   default=None,
                                   help_text="按哪个期间的截止日取目标（请求的 period；未给时为 null：最新批复的目标）")
    version = VersionInForceSerializer(read_only=True, help_text="该目标所属的版本")
    indicators = IndicatorSerializer(many=True, read_only=True, help_text="表13 三级指标（在用的目标）")
    target_versions_url = serializers.URLField(read_only=True,
                                               help_text="项目的全部目标版本（api:project-target-versions）")
    updated_at = serializers.DateTimeField(source="project.updated_at", read_only=True)


class IndicatorTargetSerializer(serializers.ModelSerializer):
    indicator_id = serializers.IntegerField(read_only=True, allow_null=True,
                                            help_text="指标 id；申请中新增的指标批复前为 null")
    change = serializers.ChoiceField(choices=RowChange.choices, read_only=True, help_text="调整情况")
    change_label = serializers.CharField(source="get_change_display", read_only=True)
    level1 = serializers.CharField(source="level1.name", read_only=True, help_text="一级指标")
    level2 = serializers.CharField(source="level2.name", read_only=True, help_text="二级指标")
    operator = serializers.ChoiceField(choices=choices(Operator), read_only=True)
    target_value = serializers.DecimalField(**VALUE, allow_null=True)
    target_grade = serializers.CharField(read_only=True,
                                         help_text="指标值（等级，仅定性指标：优/良/中/差；其他为空）")
    target = serializers.CharField(source="target_display", read_only=True)
    weight = serializers.DecimalField(**WEIGHT)
    direction = serializers.ChoiceField(choices=choices(Direction), read_only=True)

    class Meta:
        model = IndicatorTarget
        fields = ["id", "indicator_id", "change", "change_label", "level1", "level2", "name",
                  "operator", "target_value", "target_grade", "target", "unit", "weight",
                  "direction", "cumulative", "position", "reason"]
        read_only_fields = fields


class VersionStepSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=ChainAction.choices, read_only=True)
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    level = serializers.ChoiceField(choices=Level.choices, read_only=True, allow_blank=True,
                                    help_text="审核层级（提交、撤回时为空）")
    from_status = serializers.CharField(read_only=True, help_text=f"原状态：{STATUSES}")
    to_status = serializers.CharField(read_only=True, help_text=f"新状态：{STATUSES}")
    by = serializers.SerializerMethodField(help_text="操作人")
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True, allow_blank=True)

    class Meta:
        model = VersionStep
        fields = ["action", "action_label", "level", "from_status", "to_status", "reason", "by",
                  "at", "channel"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_by(self, step):
        return person(step.by)


class TargetVersionSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="如“第2版（绩效目标调整）”")
    kind = serializers.ChoiceField(choices=VersionKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.ChoiceField(choices=VersionStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    based_on = serializers.IntegerField(source="based_on.number", read_only=True, allow_null=True,
                                        default=None, help_text="调整前版本的版本号")
    budget_amount = serializers.DecimalField(**MONEY, help_text="预算数（万元）")
    adjusted_amount = serializers.DecimalField(**MONEY, allow_null=True,
                                               help_text="调整后预算数（万元）")
    channel = serializers.ChoiceField(choices=Channel.choices, read_only=True, allow_blank=True)
    created_by = serializers.SerializerMethodField(help_text="申请人")
    decided_by = serializers.SerializerMethodField(help_text="批复人")
    rows = IndicatorTargetSerializer(many=True, read_only=True, help_text="该版本的各指标")
    steps = VersionStepSerializer(many=True, read_only=True, help_text="审核记录")

    class Meta:
        model = TargetVersion
        fields = ["id", "number", "label", "kind", "kind_label", "status", "status_label",
                  "based_on", "effective_from", "budget_amount", "adjusted_amount",
                  "budget_reason", "goal", "reason", "department_tier", "channel", "created_by",
                  "created_at", "submitted_at", "decided_by", "decided_at", "rows", "steps"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, version):
        return person(version.created_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_decided_by(self, version):
        return person(version.decided_by)
