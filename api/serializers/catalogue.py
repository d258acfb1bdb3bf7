"""What the catalogue endpoints answer: units and periods. Read-only; snake_case fields.
(Projects and their targets: api/serializers/projects.py.)"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from budget.models import Role, Unit
from performance.models import ReportingPeriod
from performance.services.record_fields import who
from performance.services.versions import cutoff_date
from performance.workflow import PeriodState, PeriodStatus

UNIT_ROLES = [Role.FILLER, Role.UNIT_REVIEWER, Role.DEPARTMENT_REVIEWER]


def person(user) -> str | None:
    """A person as the pages name them (full name, else the user name); None for nobody."""
    return None if user is None else who(user)


class UnitRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="单位代码")
    name = serializers.CharField(read_only=True, help_text="单位名称")


class DepartmentRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="主管部门代码")
    name = serializers.CharField(read_only=True, help_text="主管部门名称")


class UnitSerializer(serializers.ModelSerializer):
    """context["roles"]: performance.access.user_roles of the caller (read once)."""

    department = DepartmentRefSerializer(read_only=True, allow_null=True,
                                         help_text="主管部门（未设置时为 null）")
    roles = serializers.SerializerMethodField(
        help_text="当前用户在该单位的角色：filler 填报人、unit_reviewer 单位审核人、"
                  "department_reviewer 主管部门审核人（财政审核人的角色不分单位，不列）")

    class Meta:
        model = Unit
        fields = ["code", "name", "department", "roles"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=UNIT_ROLES)))
    def get_roles(self, unit) -> list[str]:
        return sorted(role for found, role in self.context.get("roles", ()) if found == unit.id)


class UnitStateSerializer(serializers.Serializer):
    unit = UnitRefSerializer(read_only=True)
    state = serializers.ChoiceField(choices=PeriodState.choices, read_only=True,
                                    help_text="该单位的填报状态：open 填报中、locked 已锁定、"
                                              "unit_open 已锁定但本单位已解锁")
    state_label = serializers.CharField(read_only=True)


class PeriodSerializer(serializers.ModelSerializer):
    """context: "current" (the period the home page shows by default, or None), "own_units"
    (id → Unit: the caller's units by membership), "unlocked" (period id → [Unit]: the units
    among those the caller may see that the locked period is opened again for)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.ChoiceField(choices=PeriodStatus.choices, read_only=True,
                                     help_text="期间整体：open 填报中、locked 已锁定")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    cutoff_date = serializers.SerializerMethodField(help_text="数据截止日（截止月份的最后一天）")
    locked_by = serializers.SerializerMethodField(help_text="锁定人（未锁定时为 null）")
    current = serializers.SerializerMethodField(
        help_text="是否为首页默认显示的期间（正在填报、截止日最近的期间）")
    unlocked_units = serializers.SerializerMethodField(
        help_text="期间已锁定、但又为之单独解锁的单位（只列当前用户可见的单位）")
    unit_states = serializers.SerializerMethodField(
        help_text="当前用户所属各单位（填报人、单位审核人所在单位，主管部门审核人的部门所属单位）"
                  "在该期间的填报状态；只看全部单位的财政审核人为空列表，见 unlocked_units")

    class Meta:
        model = ReportingPeriod
        fields = ["code", "name", "year", "kind", "kind_label", "cutoff_month", "cutoff_date",
                  "deadline", "status", "status_label", "locked_at", "locked_by", "lock_reason",
                  "current", "unlocked_units", "unit_states"]
        extra_kwargs = {"kind": {"help_text": "monitoring 绩效运行监控、self_evaluation 绩效自评"}}

    @extend_schema_field(OpenApiTypes.DATE)
    def get_cutoff_date(self, period):
        return cutoff_date(period).isoformat()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_locked_by(self, period):
        return person(period.locked_by) if period.is_locked else None

    def get_current(self, period) -> bool:
        current = self.context.get("current")
        return current is not None and current.pk == period.pk

    @extend_schema_field(UnitRefSerializer(many=True))
    def get_unlocked_units(self, period):
        return UnitRefSerializer(self.context.get("unlocked", {}).get(period.pk, []),
                                 many=True).data

    @extend_schema_field(UnitStateSerializer(many=True))
    def get_unit_states(self, period):
        opened = {unit.pk for unit in self.context.get("unlocked", {}).get(period.pk, [])}
        states = []
        for unit in self.context.get("own_units", {}).values():
            if not period.is_locked:
                state = PeriodState.OPEN
            else:
                state = PeriodState.UNIT_OPEN if unit.pk in opened else PeriodState.LOCKED
            states.append({"unit": unit, "state": state.value, "state_label": state.label})
        return UnitStateSerializer(states, many=True).data
