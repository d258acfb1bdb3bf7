"""Units and reporting periods (api:unit-list, api:unit-detail, api:period-list,
api:period-detail), and the `period` query parameter the other endpoints share.

A unit the caller may not see is absent from the list and 404 on its own, as on the pages
(performance.access): its existence is never disclosed. Periods are the same for everyone (every
page offers them all); what differs is the state for the caller's own units."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from api.serializers.catalogue import PeriodSerializer, UnitSerializer
from budget.models import Unit
from performance.access import get_unit_for_user, sees_all_units, user_roles, visible_units
from performance.models import PeriodKind, PeriodUnitUnlock, ReportingPeriod
from performance.services.periods import current_period, periods

PERIOD_CODE = OpenApiParameter("code", str, OpenApiParameter.PATH, description="填报期间代码，如 2025-final")


def period_param(request, name: str = "period", *, required: bool = False):
    """The period named by the query parameter `name` (a code), None when absent and not
    `required`. An unknown code is a 400 naming the parameter (errors[].field == name)."""
    code = (request.query_params.get(name) or "").strip()
    if not code:
        if required:
            raise ValidationError({name: ["请指定填报期间代码（如 2025-final）。"]})
        return None
    found = periods().filter(code=code).first()
    if found is None:
        raise ValidationError({name: [f"未找到填报期间“{code}”。"]})
    return found


def _year_param(request):
    text = (request.query_params.get("year") or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) != 4:
        raise ValidationError({"year": [f"年度“{text}”无效，应为四位数字，如 2025。"]})
    return int(text)


# -- units ------------------------------------------------------------------------------------------


@extend_schema(
    tags=["units"], summary="可见的预算单位",
    description="当前用户可见的单位（财政审核人：全部单位；主管部门审核人：部门所属单位；"
                "填报人、单位审核人：本单位），按单位代码排序。",
    parameters=[
        OpenApiParameter("q", str, description="单位代码开头或名称包含的文字"),
        OpenApiParameter("department", str, description="主管部门代码"),
    ])
class UnitList(generics.ListAPIView):
    serializer_class = UnitSerializer
    queryset = Unit.objects.none()  # (the schema's model; get_queryset answers)

    def get_queryset(self):
        units = visible_units(self.request.user).select_related("department").order_by("code")
        text = (self.request.query_params.get("q") or "").strip()
        if text:
            units = units.filter(Q(code__startswith=text) | Q(name__icontains=text))
        department = (self.request.query_params.get("department") or "").strip()
        if department:
            units = units.filter(department__code=department)
        return units

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "roles": user_roles(self.request.user)}


@extend_schema(
    tags=["units"], summary="一个预算单位",
    description="当前用户不可见的单位与不存在的单位一样回答 404。",
    parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH, description="单位代码")])
class UnitDetail(generics.RetrieveAPIView):
    serializer_class = UnitSerializer
    queryset = Unit.objects.none()

    def get_object(self):
        unit = get_unit_for_user(self.request.user, self.kwargs["code"])
        return Unit.objects.select_related("department").get(pk=unit.pk)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "roles": user_roles(self.request.user)}


# -- periods ----------------------------------------------------------------------------------------


def period_context(user, found: list) -> dict:
    """What PeriodSerializer needs beyond the periods: the current one, the caller's own units,
    and the visible units each locked period in `found` is opened again for (three queries at
    most, whatever the number of periods and units)."""
    own_ids = {unit_id for unit_id, _ in user_roles(user) if unit_id is not None}
    own = ({unit.pk: unit for unit in Unit.objects.filter(pk__in=own_ids).order_by("code")}
           if own_ids else {})
    unlocked: dict[int, list] = {}
    locked = [period.pk for period in found if period.is_locked]
    if locked and (own_ids or sees_all_units(user)):
        unlocks = (PeriodUnitUnlock.objects.filter(period_id__in=locked)
                   .select_related("unit").order_by("unit__code"))
        if not sees_all_units(user):
            unlocks = unlocks.filter(unit_id__in=own_ids)
        for unlock in unlocks:
            unlocked.setdefault(unlock.period_id, []).append(unlock.unit)
    return {"current": current_period(list(periods())), "own_units": own, "unlocked": unlocked}


@extend_schema(
    tags=["periods"], summary="填报期间",
    description="全部填报期间（新的在前），含各期间在当前用户所属单位的填报状态。"
                "current 为 true 的是首页默认显示的期间。",
    parameters=[
        OpenApiParameter("year", int, description="年度，如 2025"),
        OpenApiParameter("kind", str, enum=PeriodKind.values,
                         description="monitoring 绩效运行监控、self_evaluation 绩效自评"),
    ])
class PeriodList(generics.ListAPIView):
    serializer_class = PeriodSerializer
    queryset = ReportingPeriod.objects.none()

    def get_queryset(self):
        found = periods()
        year = _year_param(self.request)
        if year is not None:
            found = found.filter(year=year)
        kind = (self.request.query_params.get("kind") or "").strip()
        if kind:
            if kind not in PeriodKind.values:
                raise ValidationError({"kind": [f"期间类型“{kind}”无效，可选："
                                                f"{'、'.join(PeriodKind.values)}。"]})
            found = found.filter(kind=kind)
        return found

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = {**self.get_serializer_context(), **period_context(request.user, page)}
        return self.get_paginated_response(PeriodSerializer(page, many=True, context=context).data)


@extend_schema(tags=["periods"], summary="一个填报期间", parameters=[PERIOD_CODE])
class PeriodDetail(generics.RetrieveAPIView):
    serializer_class = PeriodSerializer
    queryset = ReportingPeriod.objects.none()

    def get_object(self):
        period = periods().filter(code=self.kwargs["code"]).first()
        if period is None:
            raise NotFound("未找到该填报期间。")
        return period

    def retrieve(self, request, *args, **kwargs):
        period = self.get_object()
        context = {**self.get_serializer_context(), **period_context(request.user, [period])}
        return Response(PeriodSerializer(period, context=context).data)
