"""A project's values in a period (api:project-values: GET, PATCH with If-Match) and the
project records of a period (api:record-list). The logic is
performance.services.api_values'; the values are parsed by the page's forms
(api/serializers/values.py)."""

from __future__ import annotations

import codecs
import json
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ParseError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ApiToken
from api import etags
from api.serializers.values import (
    DetailSerializer,
    InvalidSerializer,
    ProjectRecordFilterSerializer,
    ProjectRecordSerializer,
    RefusedSerializer,
    StaleSerializer,
    ValuesChangeSerializer,
    ValuesSerializer,
    ValuesWriteSerializer,
    parse_values,
)
from performance.access import get_project_for_user
from performance.models import ReportingPeriod
from performance.services import api_values
from performance.workflow import Action

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
    description="GET 得到的 ETag（带引号），如 \"p3.n12.s40.t1764640860123456\"")
ETAG = OpenApiParameter("ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=[200, 412],
                        description="本项目本期填报值的当前版本（写入时放在 If-Match 中）")
# the answers every write may give besides 200
WRITE_RESPONSES = {
    400: OpenApiResponse(InvalidSerializer, description="输入有误（字段路径见 errors）"),
    403: OpenApiResponse(DetailSerializer, description="无此权限（或只读令牌）"),
    404: OpenApiResponse(DetailSerializer, description="项目或期间不存在，或不可见"),
    409: OpenApiResponse(RefusedSerializer, description="当前不允许：期间已锁定、已提交、职责分离……"),
    412: OpenApiResponse(StaleSerializer, description="If-Match 已过期：数据已被修改，未写入"),
    428: OpenApiResponse(DetailSerializer, description="缺少 If-Match，未写入"),
}


class DecimalJSONParser(JSONParser):
    """JSON whose numbers are read as Decimal, never as float."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return json.load(codecs.getreader(encoding)(stream), parse_float=Decimal,
                             parse_constant=_no_constant)
        except ValueError as exc:
            raise ParseError(f"JSON 格式有误：{exc}") from None


def _no_constant(name):
    raise ValueError(f"不接受 {name}")


def values_target(user, code: str, pk) -> tuple[object, ReportingPeriod]:
    """The project (get_project_for_user: 404 when not visible) and the period of its year."""
    project = get_project_for_user(user, pk)
    period = ReportingPeriod.objects.filter(code=code).first()
    if period is None:
        raise Http404("未找到该填报期间")
    if period.year != project.year:
        raise Http404("该项目不在此填报期间（年度不同）")
    return project, period


def answer(state: api_values.ValuesState) -> Response:
    """The resource with its ETag (header and body)."""
    tag = etags.etag(state.versions)
    return Response(ValuesSerializer(state, context={"etag": tag}).data, headers={"ETag": tag})


def stale(exc: api_values.Stale):
    return etags.stale(exc, ValuesChangeSerializer(exc.changes, many=True).data)


def history_reason(request) -> str:
    """The history rows' reason: the token that wrote (the session writes none)."""
    token = request.auth
    return f"API 令牌：{token.name}" if isinstance(token, ApiToken) else ""


class ProjectValuesView(APIView):
    parser_classes = [DecimalJSONParser]

    @extend_schema(
        tags=["values"], operation_id="project_values_retrieve",
        summary="读取项目本期填报值（带 ETag）", parameters=[ETAG],
        responses={200: ValuesSerializer,
                   404: OpenApiResponse(DetailSerializer)})
    def get(self, request, code, pk):
        project, period = values_target(request.user, code, pk)
        return answer(api_values.read_values(request.user, project, period))

    @extend_schema(
        tags=["values"], operation_id="project_values_partial_update",
        summary="写入项目本期填报值（须 If-Match）",
        description="只改给出的字段；全部通过校验才写入（与页面同一校验规则），经统一写入路径，"
                    "修改记录的途径为 API。",
        request=ValuesWriteSerializer, parameters=[IF_MATCH, ETAG],
        responses={200: ValuesSerializer,
                   **WRITE_RESPONSES})
    def patch(self, request, code, pk):
        project, period = values_target(request.user, code, pk)
        api_values.require_right(request.user, project, Action.SAVE)
        expected = etags.expected_versions(request)
        changes, project_values = parse_values(
            request.data, api_values.indicators_in_period(project, period), period.is_monitoring)
        try:
            state = api_values.write(request.user, project, period, expected, changes,
                                     project_values, reason=history_reason(request))
        except api_values.Stale as exc:
            raise stale(exc) from None
        return answer(state)


@extend_schema(tags=["values"], summary="本期项目填报记录列表",
               parameters=[ProjectRecordFilterSerializer])
class RecordListView(ListAPIView):
    serializer_class = ProjectRecordSerializer

    def get_queryset(self):
        filters = ProjectRecordFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        self.period = ReportingPeriod.objects.filter(code=self.kwargs["code"]).first()
        if self.period is None:
            raise Http404("未找到该填报期间")
        return api_values.visible_records(self.request.user, self.period, **filters.validated_data)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        code = self.kwargs["code"]
        context["etag"] = etags.etag
        context["values_url"] = lambda project_id: self.request.build_absolute_uri(
            reverse("api:project-values", args=[code, project_id]))
        return context

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        context = self.get_serializer_context()
        context["versions"] = api_values.record_versions(self.period, page)
        return self.get_paginated_response(ProjectRecordSerializer(page, many=True, context=context).data)
