"""Projects: the home page's list of a period (api:project-list), one project with its 表13
targets in force (api:project-detail) and its target versions (api:project-target-versions).

The list is the home page's: the same rows (performance.services.listing.project_rows), the
same filters (performance.entry.filters.ProjectFilter; only `unit` takes a code here), the same
orderings (performance.entry.tables.ProjectTable's sortable columns) and the same default period
(performance.services.periods.pick_period). A project the caller may not see is absent from the
list and 404 on its own (performance.access.get_project_for_user)."""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.serializers.projects import (
    ProjectDetailSerializer,
    ProjectRowSerializer,
    TargetVersionSerializer,
)
from budget.models import Project, ProjectCategory
from performance.access import get_project_for_user
from performance.chain import VersionStatus
from performance.entry.filters import STATUS_CHOICES, ProjectFilter
from performance.entry.tables import ProjectTable
from performance.models import Indicator, IndicatorTarget, TargetVersion, VersionStep
from performance.services.listing import project_rows
from performance.services.periods import periods, pick_period
from performance.services.versions import (
    ORIGINAL,
    VersionInForce,
    earlier_targets,
    versions_in_force,
)

from .catalogue import period_param

# API ordering name → the page table's sortable column
ORDERINGS = {"name": "name", "unit": "unit", "category": "category", "budget": "budget",
             "spent": "spent", "score": "score", "grade": "grade", "status": "entry_status",
             "light": "light"}
LIGHTS = [value for value, _ in ProjectFilter.base_filters["light"].extra["choices"]]
PROJECT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="项目 id")


class ApiProjectFilter(ProjectFilter):
    """The page's filters, with the unit named by its code (a unit the caller may not see
    matches nothing: the rows are the visible projects already)."""

    unit = django_filters.CharFilter(field_name="unit__code")


def values_url(request, period) -> str:
    """The absolute api:project-values URL of `period` with %d for the project id."""
    sentinel = 987654321  # reversed once per answer, not once per row
    path = reverse("api:project-values", args=[period.code, sentinel])
    return request.build_absolute_uri(path).replace("%", "%%").replace(str(sentinel), "%d")


def _ordering(request) -> tuple[str, ...]:
    text = (request.query_params.get("ordering") or "").strip()
    if not text:
        return ()
    aliases = []
    for part in (p.strip() for p in text.split(",")):
        name = part.removeprefix("-")
        if name not in ORDERINGS:
            raise ValidationError({"ordering": [
                f"不能按“{part}”排序，可选：{'、'.join(ORDERINGS)}（前加 - 为倒序）。"]})
        aliases.append(("-" if part.startswith("-") else "") + ORDERINGS[name])
    return tuple(aliases)


@extend_schema(
    tags=["projects"], summary="项目列表（同首页）",
    description="一个填报期间里当前用户可见的项目，含填报状态、得分、等级、监控灯；筛选、"
                "排序与首页相同。未指定 period 时为首页默认显示的期间。"
                "未填报的项目 has_values 为 false，score、grade、missing 为 null。",
    parameters=[
        OpenApiParameter("period", str, description="填报期间代码（如 2025-final）；默认同首页"),
        OpenApiParameter("q", str, description="项目名称、单位名称包含的文字，或单位代码开头"),
        OpenApiParameter("unit", str, description="单位代码"),
        OpenApiParameter("category", str, enum=ProjectCategory.values, description="项目类别"),
        OpenApiParameter("status", str, enum=[value for value, _ in STATUS_CHOICES],
                         description="填报状态（unit_approved 仅在启用主管部门审核时可选）"),
        OpenApiParameter("light", str, enum=LIGHTS, description="监控灯（none：未评）"),
        OpenApiParameter("ordering", str,
                         description=f"排序：{'、'.join(ORDERINGS)}，前加 - 为倒序，逗号分隔多项；"
                                     "默认按单位、项目名称"),
    ])
class ProjectList(generics.ListAPIView):
    serializer_class = ProjectRowSerializer
    queryset = Project.objects.none()

    def list(self, request, *args, **kwargs):
        user = request.user
        period = period_param(request) or pick_period(None, list(periods()))
        if period is None:  # no period at all yet: no rows
            return self.get_paginated_response(self.paginate_queryset(Project.objects.none()))
        data = {key: request.query_params.get(key) for key in ("q", "unit", "category", "status",
                                                                "light")
                if request.query_params.get(key)}
        filterset = ApiProjectFilter(data, queryset=project_rows(period, user))
        if not filterset.is_valid():
            raise ValidationError(filterset.form.errors)
        # the page table's orderings, its own methods included (未填报 last by score…)
        table = ProjectTable(filterset.qs, period=period, order_by=_ordering(request) or None)
        page = self.paginate_queryset(table.data.data)
        context = {**self.get_serializer_context(), "period": period,
                   "values_url": values_url(request, period)}
        return self.get_paginated_response(
            ProjectRowSerializer(page, many=True, context=context).data)


def _latest(project) -> VersionInForce:
    """The latest approved version: the one the Indicator rows hold."""
    latest = (TargetVersion.objects.filter(project=project, status=VersionStatus.APPROVED)
              .order_by("-number").first())
    if latest is None:
        return ORIGINAL
    return VersionInForce(number=latest.number, kind=latest.kind,
                          effective_from=latest.effective_from, version_id=latest.pk,
                          current=True, budget_amount=latest.budget_amount,
                          adjusted_amount=latest.adjusted_amount)


def targets_in_force(project, period) -> tuple[VersionInForce, list]:
    """(the version in force, its indicators): at `period`'s cut-off (performance.services.
    versions), or the latest approved targets without a period."""
    version = (_latest(project) if period is None
               else versions_in_force(period, [project.pk]).get(project.pk, ORIGINAL))
    if not version.current:
        earlier = earlier_targets(period, [project.pk], {project.pk: version})[project.pk]
        return version, earlier.indicators()
    return version, list(Indicator.objects.filter(project=project)
                         .select_related("level1", "level2").order_by("position", "id"))


@extend_schema(
    tags=["projects"], summary="项目及其绩效目标（表13）",
    description="项目、年度目标和在用的绩效目标：未指定 period 时为最新批复的目标；指定时为该期间"
                "截止日适用的版本（目标调整前截止的期间按原目标）。不可见的项目回答 404。",
    parameters=[PROJECT_ID, OpenApiParameter(
        "period", str, description="填报期间代码：取该期间截止日适用的目标（须为项目的年度）")])
class ProjectDetail(generics.RetrieveAPIView):
    serializer_class = ProjectDetailSerializer
    queryset = Project.objects.none()

    def retrieve(self, request, *args, **kwargs):
        project = get_project_for_user(request.user, kwargs["id"])
        period = period_param(request)
        if period is not None and period.year != project.year:
            raise ValidationError({"period": [
                f"填报期间“{period.code}”属于 {period.year} 年度，项目属于 {project.year} 年度。"]})
        version, indicators = targets_in_force(project, period)
        goal = getattr(project, "goal", None)
        data = {"project": project, "period": period, "version": version,
                "indicators": indicators, "goal": goal.text if goal is not None else None,
                "target_versions_url": request.build_absolute_uri(
                    reverse("api:project-target-versions", args=[project.pk]))}
        return Response(ProjectDetailSerializer(data, context=self.get_serializer_context()).data)


@extend_schema(
    tags=["projects"], summary="项目的全部目标版本",
    description="年初批复、绩效目标调整、年中追加的各版本（含未批复的申请），每个版本的各指标和"
                "审核记录，按版本号排序。项目第一次提出调整前没有版本记录：此时项目详情中的指标"
                "即第1版（年初批复）。",
    parameters=[PROJECT_ID])
class ProjectTargetVersions(generics.ListAPIView):
    serializer_class = TargetVersionSerializer
    queryset = TargetVersion.objects.none()

    def get_queryset(self):
        project = get_project_for_user(self.request.user, self.kwargs["id"])
        return (TargetVersion.objects.filter(project=project)
                .select_related("based_on", "created_by", "decided_by")
                .prefetch_related(
                    Prefetch("rows", queryset=IndicatorTarget.objects
                             .select_related("level1", "level2").order_by("position", "id")),
                    Prefetch("steps", queryset=VersionStep.objects.select_related("by")
                             .order_by("at", "id")))
                .order_by("number"))
