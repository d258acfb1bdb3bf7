"""Import jobs through the API: a workbook uploaded as multipart starts an actuals import with
the page's checks and the page's service (performance.services.uploads, channel API: its
history rows say API); the job and its problems are resources the client polls.

POST answers 201 when the job already ran in the request (a small file: status done or
failed) and 202 when it waits for the Celery worker (status pending or running): both with the
job's body and `Location`, its URL. A job is seen by whoever uploaded it and by finance staff
(performance.access.get_import_job_for_user, as the upload status page); anyone else gets 404.
"""

from __future__ import annotations

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, parsers, status
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.response import Response

from api.pagination import PageNumberPagination
from api.serializers.imports import (
    ImportJobSerializer,
    ProblemSerializer,
    UploadSerializer,
    failure,
    problems,
)
from performance.access import fill_units, get_import_job_for_user, import_jobs_for_user
from performance.entry.upload_views import PROBLEMS_PER_PAGE
from performance.excel import jobs
from performance.excel.errors import BadFile
from performance.models import ImportJob, ImportKind, ImportStatus
from performance.services.uploads import start_upload
from performance.workflow import Channel

NOT_A_FILLER = "只有填报人可以上传完成值。"


class WorkbookParser(parsers.MultiPartParser):
    """multipart/form-data, refusing in Chinese (400) what Django will not read: too many
    fields or files, or fields too large (DATA_UPLOAD_MAX_* as for the page)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
            raise ParseError("上传的内容过大或字段、文件过多，无法读取，未导入。") from exc
        except ParseError as exc:
            raise ParseError("上传的内容无法读取：须为 multipart/form-data。") from exc


class ImportJobFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ImportStatus.choices, help_text="任务状态")
    kind = filters.ChoiceFilter(choices=ImportKind.choices, help_text="导入类型")
    period = filters.CharFilter(field_name="period__code", help_text="填报期间代码")

    class Meta:
        model = ImportJob
        fields = ["status", "kind", "period"]


LOCATION = OpenApiParameter("Location", OpenApiTypes.URI, OpenApiParameter.HEADER,
                            description="该导入任务（api:import-detail）的地址", response=[201, 202])


@extend_schema_view(
    get=extend_schema(
        tags=["imports"], summary="导入任务列表",
        description="本人上传的导入任务（财政审核人：全部），新的在前。"),
    post=extend_schema(
        tags=["imports"], summary="上传完成值（启动导入任务）",
        description=(
            "与项目列表的“上传完成值”相同：只有填报人可以上传，只导入本人所填单位的行，"
            "已锁定的期间拒绝（409）。小文件在请求内导入完毕，答 201；较大的文件交给后台任务，"
            "答 202。两者都带 Location 与任务内容：status 为 pending/running 时稍后读取 "
            "Location，done/failed 为最终结果（问题明细见 errors_url）。"),
        request={"multipart/form-data": UploadSerializer},
        parameters=[LOCATION],
        responses={
            201: OpenApiResponse(ImportJobSerializer, "已在请求内导入完毕（成功或失败）"),
            202: OpenApiResponse(ImportJobSerializer, "已排队，由后台任务导入"),
            400: OpenApiResponse(description="文件缺失、为空或过大（说明中写明文件名），或期间代码无效"),
            403: OpenApiResponse(description="不是填报人，或令牌为只读"),
            409: OpenApiResponse(description="填报期间已锁定"),
        }),
)
class ImportJobList(generics.ListCreateAPIView):
    serializer_class = ImportJobSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ImportJobFilter
    parser_classes = [WorkbookParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no user
            return ImportJob.objects.none()
        return import_jobs_for_user(self.request.user)

    def create(self, request, *args, **kwargs):
        # as the page: who cannot upload is refused before the body is read
        if not fill_units(request.user).exists():
            raise PermissionDenied(NOT_A_FILLER)
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        data = upload.validated_data
        try:
            job = start_upload(data["file"], data["period"], request.user,
                               clear_blanks=data["clear_blanks"], overwrite=data["overwrite"],
                               channel=Channel.API)
        except BadFile as exc:  # the size checked again by the service (20 MB by default)
            raise ValidationError({"file": exc.messages()}) from exc
        body = self.get_serializer(job).data
        answer = status.HTTP_201_CREATED if job.finished else status.HTTP_202_ACCEPTED
        return Response(body, status=answer, headers={"Location": body["url"]})


@extend_schema(tags=["imports"], summary="导入任务",
               description="状态、进度、结果与问题数；status 为 pending/running 时稍后再读。")
class ImportJobDetail(generics.RetrieveAPIView):
    serializer_class = ImportJobSerializer

    def get_object(self):
        return get_import_job_for_user(self.request.user, self.kwargs["pk"])


class ProblemPagination(PageNumberPagination):
    """The problems 50 a page, as the upload status page; the page also says how many there
    are in all (error_count) and how many were counted but not kept (omitted)."""

    page_size = PROBLEMS_PER_PAGE

    def paginate_job(self, job, request, view):
        self.job = job
        return self.paginate_queryset(problems(job), request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data.update(error=failure(self.job), error_count=self.job.error_count,
                             omitted=jobs.omitted(self.job))
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"].update({
            "error": {"type": "string", "nullable": True, "description": "失败时的总述"},
            "error_count": {"type": "integer", "description": "问题总数（含未保留明细的）"},
            "omitted": {"type": "integer", "description": "计入问题总数但未保留明细的问题数"},
        })
        paginated["required"] = [*paginated.get("required", []), "error_count", "omitted"]
        return paginated


@extend_schema(tags=["imports"], summary="导入任务的问题",
               description="失败的导入保留的问题（至多 IMPORT_MAX_ERRORS 条），每页 50 条，"
                           "与上传结果页相同；error_count 为问题总数。")
class ImportJobErrors(generics.ListAPIView):
    serializer_class = ProblemSerializer
    pagination_class = ProblemPagination

    def list(self, request, *args, **kwargs):
        job = get_import_job_for_user(request.user, kwargs["pk"])
        page = self.paginator.paginate_job(job, request, self)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
