"""The workflow steps of a project's values in a period (POST, If-Match required): submit,
approve, return, the 主管部门's approve and return, reopen — performance.services.workflow's
steps with channel API, under the same rules as the page's buttons (separation of duties
included). Each answers the values resource after the step, with its new ETag."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from api import etags
from api.serializers.values import ValuesSerializer, WorkflowStepSerializer
from api.views.values import (
    ETAG,
    IF_MATCH,
    WRITE_RESPONSES,
    DecimalJSONParser,
    answer,
    stale,
    values_target,
)
from performance.services import api_values
from performance.workflow import RECORD_TRANSITIONS, Action


class StepView(APIView):
    """One workflow step; `step` is its Action."""

    parser_classes = [DecimalJSONParser]
    step: Action

    def post(self, request, code, pk):
        project, period = values_target(request.user, code, pk)
        api_values.require_right(request.user, project, self.step)
        expected = etags.expected_versions(request)
        body = WorkflowStepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason", "")
        refusal = api_values.reason_refusal(self.step, reason)
        if refusal:
            raise ValidationError({"reason": [refusal]})
        try:
            state = api_values.step(request.user, project, period, self.step, expected,
                                    reason=reason)
        except api_values.Stale as exc:
            raise stale(exc) from None
        return answer(state)


def _described(action: Action, description: str):
    """The step's view class, with its schema: a body with the reason where it needs one."""
    needs_reason = RECORD_TRANSITIONS[action].needs_reason
    schema = extend_schema(
        tags=["workflow"], operation_id=f"project_{action.value}", summary=action.label,
        description=description, parameters=[IF_MATCH, ETAG],
        request=WorkflowStepSerializer if needs_reason else None,
        responses={200: ValuesSerializer,
                   **WRITE_RESPONSES})

    def post(self, request, code, pk):  # its own function: the schema is set on it
        return StepView.post(self, request, code, pk)

    return type(f"{action.value.title().replace('_', '')}View", (StepView,),
                {"step": action, "post": schema(post), "__doc__": description,
                 "__module__": __name__})


SubmitView = _described(Action.SUBMIT, "草稿/已退回 → 已提交（本单位填报人）；未填写完整时 409，"
                                       "problems 列出各项。")
ApproveView = _described(Action.APPROVE, "已提交 → 已审核（本单位审核人或财政审核人）；单位经主管部门"
                                         "审核时 → 单位已审核。提交人不能审核自己提交的记录。")
ReturnView = _described(Action.RETURN, "已提交 → 已退回（本单位审核人或财政审核人），须填写 reason。")
DepartmentApproveView = _described(Action.DEPARTMENT_APPROVE,
                                   "单位已审核 → 已审核（主管部门审核人或财政审核人）。")
DepartmentReturnView = _described(Action.DEPARTMENT_RETURN,
                                  "单位已审核 → 已提交，退回单位审核人（主管部门审核人或财政审核人），"
                                  "须填写 reason。")
ReopenView = _described(Action.REOPEN, "已审核 → 已退回（财政审核人），须填写 reason。")
