"""What a finance reviewer decides: a finding accepted (or reopened), a project's review result.

Callers check who may decide (performance.access.sees_all_units); these functions check
what is decided and write it — and, for a project's result, that the levels below finance have
confirmed the review (performance.review.signoffs, docs/review.md).
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from budget.models import Project, Unit
from performance.models import FindingDecision, ProjectReview, TargetReviewResult
from performance.models.review import SignoffAction, TargetReviewSignoff

from .findings import Finding
from .signoff_rules import FINANCE, RECORD, order_refusal
from .signoffs import state_for


@transaction.atomic
def accept_finding(finding: Finding, *, unit: Unit, user, note: str) -> FindingDecision:
    """Mark `finding` accepted with a note: it stops showing as open. Accepting again updates
    the note."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("接受审核问题时须填写说明。")
    if finding.unit_code != unit.code or finding.year is None:
        raise ValidationError("该审核问题不属于此单位或年度。")
    decision, _ = FindingDecision.objects.update_or_create(
        key=finding.key,
        defaults={
            "rule": finding.rule,
            "unit": unit,
            "year": finding.year,
            "project_id": finding.project_id,
            "indicator_id": finding.indicator_id,
            "message": finding.message,
            "note": note,
            "decided_by": user,
        },
    )
    return decision


def reopen_finding(key: str, *, unit: Unit) -> bool:
    """Withdraw the acceptance of a finding of `unit`; False when there was none."""
    deleted, _ = FindingDecision.objects.filter(key=key, unit=unit).delete()
    return bool(deleted)


@transaction.atomic
def record_project_review(project: Project, *, user, result: str, note: str) -> ProjectReview:
    """The review result of a project's targets: 通过, 修改后通过 (with a note) or 不通过 (with a
    note), once the unit's and the department's reviewers have confirmed the review where the
    project's chain has them. Recording again replaces the earlier result; each is kept as a
    step of the review."""
    if result not in TargetReviewResult.values:
        raise ValidationError("审核结果应为通过、修改后通过或不通过。")
    note = (note or "").strip()
    if result != TargetReviewResult.PASSED and not note:
        raise ValidationError("修改后通过或不通过时须填写审核意见。")
    locked = Project.objects.select_for_update().select_related("unit").get(pk=project.pk)
    problem = order_refusal(RECORD, state_for(locked))
    if problem:
        raise ValidationError(problem)
    review, _ = ProjectReview.objects.update_or_create(
        project=project, defaults={"result": result, "note": note, "reviewer": user}
    )
    TargetReviewSignoff.objects.create(project=project, level=FINANCE, action=SignoffAction.RECORD,
                                       result=result, note=note, by=user)
    return review
