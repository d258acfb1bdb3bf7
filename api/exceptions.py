"""Every API error as {"detail": "<one Chinese sentence>"} and, for invalid input, "errors": a
list of {"field": "<path>", "message": "..."} where the path names the field as the request
body does ("indicators[2].actual_value", "spent"; "non_field_errors" for the whole body).

The services' own refusals keep their words: a workflow or write refusal (locked period,
submitted project…) and an edit conflict are 409, a missing right 403, an invalid value 400.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from performance.services.merge import EditConflict
from performance.services.values import EntryRefused

MAX_ERRORS = 100  # field errors kept in one answer


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = "写入须带 If-Match 请求头（先 GET 取得 ETag）。"
    default_code = "precondition_required"


class PreconditionFailed(exceptions.APIException):
    """A stale If-Match: the detail names what changed since (and who, and when)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "数据已被他人修改，请重新读取后再提交。"
    default_code = "precondition_failed"

    def __init__(self, detail=None, changes: list | None = None, etag: str | None = None):
        super().__init__(detail)
        self.changes = changes or []
        self.etag = etag


class Refused(exceptions.APIException):
    """What the workflow does not allow now; `problems` lists each missing item."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许此操作。"
    default_code = "refused"

    def __init__(self, detail=None, problems: list | None = None):
        super().__init__(detail)
        self.problems = problems or []


def field_errors(detail, path: str = "") -> list[dict]:
    """Flatten DRF's nested error detail into [{"field": path, "message": text}]."""
    found = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key)
            inner = name if not path else (path if name == "non_field_errors" else f"{path}.{name}")
            found += field_errors(value, inner)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            found += [{"field": path or "non_field_errors", "message": str(item)}
                      for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:  # a list of child serializers: {} for a valid child
                    found += field_errors(item, f"{path}[{index}]")
    else:
        found.append({"field": path or "non_field_errors", "message": str(detail)})
    return found


def invalid(errors: list[dict]) -> Response:
    shown = errors[:MAX_ERRORS]
    text = "；".join(e["message"].rstrip("。") if e["field"] == "non_field_errors"
                    else f"{e['field']}：{e['message'].rstrip('。')}" for e in shown[:10])
    more = len(errors) - 10
    if more > 0:
        text += f"；另有 {more} 项问题"
    body = {"detail": f"输入有误：{text}。", "errors": shown}
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return invalid(field_errors(detail))
    if isinstance(exc, exceptions.ValidationError):
        return invalid(field_errors(exc.detail))
    if isinstance(exc, Http404):
        # the access helpers' own words ("未找到该单位"); Django's generic get_object_or_404
        # text is English ("No Notice matches the given query.")
        text = str(exc)
        exc = exceptions.NotFound(text if _chinese(text) else "未找到该对象。")
    elif isinstance(exc, PermissionDenied) and str(exc):
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, EditConflict):
        exc = Refused(str(exc))
    elif isinstance(exc, EntryRefused):
        exc = Refused(str(exc), problems=[str(p) for p in getattr(exc, "problems", [])])
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Refused) and exc.problems:
        response.data["problems"] = exc.problems
    if isinstance(exc, PreconditionFailed):
        response.data["changes"] = exc.changes
        if exc.etag:
            response["ETag"] = exc.etag
            response.data["etag"] = exc.etag
    return response


def _chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)
