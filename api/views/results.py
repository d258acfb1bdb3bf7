"""The results endpoints: scores, monitoring lights, target-review findings and the user's own
notices. Thin views: the access rules are performance.access's (the home page's visible
projects, get_unit_for_user), the figures performance.services.api_results'.

Lists page by project (scores, lights) or by finding; each page costs a fixed number of
queries whatever its size, and only that page's projects are scored or lit."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.serializers.results import (
    FindingQuerySerializer,
    FindingSerializer,
    LightSerializer,
    MonitoringQuerySerializer,
    NoticeQuerySerializer,
    NoticeSerializer,
    PeriodQuerySerializer,
    ScoreSerializer,
)
from performance.access import get_unit_for_user, visible_units
from performance.models import Notice
from performance.services import api_results
from performance.services.listing import visible_projects

NOT_FOUND = OpenApiResponse(description="单位不存在或无权查看")
INVALID = OpenApiResponse(description="参数有误（detail 与 errors 指明参数）")


def _query(serializer_class, request) -> dict:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


class _ProjectPage(generics.ListAPIView):
    """A page of the projects of `period` the user may see (one unit's, if asked), in project
    order; `page_figures` computes the page's objects."""

    query_class = PeriodQuerySerializer

    def list(self, request, *args, **kwargs):
        query = _query(self.query_class, request)
        period = query["period"]
        projects = visible_projects(period, request.user)
        if query.get("unit"):
            projects = projects.filter(unit=get_unit_for_user(request.user, query["unit"]))
        page = api_results.as_page(self.paginate_queryset(api_results.page_rows(projects)))
        data = self.page_figures(period, page)
        return self.get_paginated_response(self.get_serializer(data, many=True).data)

    def page_figures(self, period, page):
        raise NotImplementedError


@extend_schema(
    tags=["scores"],
    summary="各项目得分（同 score --json）",
    description=(
        "期间内用户可见的各项目（可限定单位）的得分，每个项目一个对象，字段与 "
        "`manage.py score --json` 相同，另加 project_id；数值为字符串（精确小数）。"
        "按项目分页，只计算本页的项目。check 为该项目的抽查复核：财政审核人总能看到，"
        "单位只在复核完成（已复核）后看到，否则为 null。"),
    parameters=[PeriodQuerySerializer],
    responses={200: ScoreSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
)
class ScoreList(_ProjectPage):
    serializer_class = ScoreSerializer

    def page_figures(self, period, page):
        return api_results.score_page(period, page, self.request.user)


@extend_schema(
    tags=["lights"],
    summary="各项目监控灯（监控期间）",
    description=(
        "监控期间内用户可见的各项目（可限定单位）在截止月份的监控灯：项目灯、预算执行灯、"
        "当前得分与预计全年得分，以及各指标的灯；即时计算（同单位看板）。只适用于绩效运行监控"
        "期间：绩效自评期间答 400。按项目分页。"),
    parameters=[MonitoringQuerySerializer],
    responses={200: LightSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
)
class LightList(_ProjectPage):
    serializer_class = LightSerializer
    query_class = MonitoringQuerySerializer

    def page_figures(self, period, page):
        return api_results.lights_page(period, page)


@extend_schema(
    tags=["findings"],
    summary="绩效目标审核问题",
    description=(
        "用户可见单位在某年度的绩效目标审核问题（同目标审核页面：筛选 severity、rule、status，"
        "默认只列待处理），附财政审核人的接受决定。不指定单位时审核用户可见的全部单位，"
        f"至多 {api_results.FINDING_UNITS} 个。"),
    parameters=[FindingQuerySerializer],
    responses={200: FindingSerializer(many=True), 400: INVALID, 404: NOT_FOUND},
)
class FindingList(generics.ListAPIView):
    serializer_class = FindingSerializer

    def list(self, request, *args, **kwargs):
        query = _query(FindingQuerySerializer, request)
        if query.get("unit"):
            units = [get_unit_for_user(request.user, query["unit"])]
        else:
            units = list(visible_units(request.user).order_by("code")[:api_results.FINDING_UNITS + 1])
            if len(units) > api_results.FINDING_UNITS:
                raise serializers.ValidationError({"unit": [
                    f"可见单位超过 {api_results.FINDING_UNITS} 个，请用 unit 指定单位。"]})
        rows = api_results.findings_of(units, query["year"], severity=query.get("severity"),
                                       rule=query.get("rule"), status=query["status"])
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class _OwnNotices:
    """Only the user's own notices: another user's is 404, as on the notices page."""

    serializer_class = NoticeSerializer
    lookup_url_kwarg = "id"  # notices/<id>/: the name the schema gives the path parameter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notice.objects.none()
        return Notice.objects.filter(recipient=self.request.user).only(
            "subject", "body", "url", "created_at", "read_at")

    def get_object(self):
        notice = self.get_queryset().filter(pk=self.kwargs["id"]).first()
        if notice is None:
            raise Http404("未找到该通知。")
        return notice


@extend_schema(
    tags=["notices"],
    summary="我的站内通知",
    description="当前用户自己的站内通知，新的在前；unread=true 只列未读。",
    parameters=[NoticeQuerySerializer],
    responses={200: NoticeSerializer(many=True), 400: INVALID},
)
class NoticeList(_OwnNotices, generics.ListAPIView):
    def get_queryset(self):
        notices = super().get_queryset()
        if _query(NoticeQuerySerializer, self.request)["unread"]:
            notices = notices.filter(read_at__isnull=True)
        return notices


@extend_schema_view(get=extend_schema(
    tags=["notices"],
    summary="一条站内通知",
    description="当前用户自己的一条通知（读取不会标为已读：用 read/ 标记）；他人的通知答 404。",
    responses={200: NoticeSerializer, 404: OpenApiResponse(description="通知不存在或不是自己的")},
))
class NoticeDetail(_OwnNotices, generics.RetrieveAPIView):
    pass


@extend_schema(
    tags=["notices"],
    summary="标为已读",
    description="把自己的一条通知标为已读（再次标记保留首次时间）。只读令牌答 403。",
    request=None,
    responses={200: NoticeSerializer,
               403: OpenApiResponse(description="只读令牌不能写入"),
               404: OpenApiResponse(description="通知不存在或不是自己的")},
)
class NoticeRead(_OwnNotices, generics.GenericAPIView):
    def post(self, request, *args, **kwargs):
        notice = api_results.mark_notice_read(self.get_object())
        return Response(self.get_serializer(notice).data, status=status.HTTP_200_OK)
