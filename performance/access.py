"""Who may see which unit, and in which capacity a person acts: the one access helper.

财政审核人 (Membership role finance_reviewer) and superusers see every unit; a 主管部门审核人
sees the units of its department; a unit's members (any role) see their unit; anyone else gets
404, so a unit's existence is not disclosed. What each capacity may do is performance.workflow's
and performance.chain's business.
"""

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404

from budget.models import Membership, Project, Role, Unit
from performance.models import (
    CheckedProject,
    CheckStatus,
    Evidence,
    ExplanationRequest,
    ImportJob,
    Rectification,
)
from performance.workflow import CHANNEL_CAPACITY, Capacity


def visible_units(user) -> QuerySet[Unit]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Unit.objects.none()
    if sees_all_units(user):
        return Unit.objects.all()
    return Unit.objects.filter(id__in={unit_id for unit_id, _ in user_roles(user)})


def get_unit_for_user(user, unit_code: str) -> Unit:
    """The unit with this code if `user` may see it; Http404 otherwise (also when unknown)."""
    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该单位")
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise Http404("未找到该单位")
    if not sees_all_units(user) and not any(unit_id == unit.id for unit_id, _ in user_roles(user)):
        raise Http404("未找到该单位")
    return unit


def require_finance_reviewer(user) -> None:
    """Http404 unless `user` sees every unit (the finance overview and its charts)."""
    if not sees_all_units(user):
        raise Http404("未找到该页面")


# -- projects and their records: what this user may do --------------------------------------------


def user_roles(user) -> frozenset[tuple[int | None, str]]:
    """(unit id, role) of every membership of `user`, read once per user object (request).

    A 主管部门审核人 holds its role in every unit of its department (read with the
    memberships: the units a department has today, not when the role was given)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_jxt_roles", None)
    if cached is None:
        # unordered: Membership's default ordering would join the user and unit tables
        found = set()
        for unit_id, role, department_unit in (
                Membership.objects.filter(user=user).order_by()
                .values_list("unit_id", "role", "department__units__id")):
            if role == Role.DEPARTMENT_REVIEWER:
                if department_unit is not None:
                    found.add((department_unit, role))
            else:
                found.add((unit_id, role))
        cached = frozenset(found)
        user._jxt_roles = cached
    return cached


def department_tier_enabled() -> bool:
    """The deployment turns the 主管部门 level of the approval chains on (DEPARTMENT_TIER)."""
    return bool(getattr(settings, "DEPARTMENT_TIER", False))


def department_tier(unit) -> bool:
    """Whether approvals of `unit` pass its 主管部门: the tier is on and the unit's department
    has at least one active reviewer (one query)."""
    return unit is not None and unit.id in tiered_units([unit])


def tiered_units(units) -> set[int]:
    """The ids of `units` whose approvals pass their 主管部门 (one query for any number)."""
    departments = {unit.department_id for unit in units if unit.department_id}
    if not department_tier_enabled() or not departments:
        return set()
    staffed = set(Membership.objects.filter(role=Role.DEPARTMENT_REVIEWER,
                                            department_id__in=departments,
                                            user__is_active=True)
                  .order_by().values_list("department_id", flat=True))
    return {unit.id for unit in units if unit.department_id in staffed}


def separation_of_duties() -> bool:
    """Whoever submitted a record (or proposed a target adjustment) may not approve it
    (SEPARATION_OF_DUTIES, on by default; docs/workflow.md)."""
    return bool(getattr(settings, "SEPARATION_OF_DUTIES", True))


def sees_all_units(user) -> bool:
    """A superuser or a 财政审核人: sees every unit and takes the finance decisions (from the
    memberships read once per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or any(role == Role.FINANCE_REVIEWER for _, role in user_roles(user))


class ProjectRights:
    """What `user` may do with the values and the workflow of one project.

    fill: a 填报人 of the project's unit (enters values, saves drafts, submits);
    review: a 单位审核人 of that unit, or finance (approves, returns);
    department_review: a 主管部门审核人 of the unit's department;
    finance: sees every unit and reviews, never enters a unit's values.

    Separation of duties: `own(record)` — this user submitted the record, so approves it at
    no level (performance.services.workflow refuses; pages offer no approve button)."""

    __slots__ = ("department_review", "fill", "finance", "review", "unit_review", "user_id")

    def __init__(self, user, unit_id: int):
        self.user_id = getattr(user, "pk", None)
        roles = user_roles(user)
        self.finance = sees_all_units(user)
        self.fill = (unit_id, Role.FILLER) in roles
        self.unit_review = (unit_id, Role.UNIT_REVIEWER) in roles
        self.department_review = (unit_id, Role.DEPARTMENT_REVIEWER) in roles
        self.review = self.finance or self.unit_review

    def capacities(self, channel: str | None = None) -> frozenset[Capacity]:
        """The capacities performance.workflow checks, for a change arriving by `channel`."""
        found = {c for c, on in ((Capacity.FILLER, self.fill),
                                 (Capacity.UNIT_REVIEWER, self.unit_review),
                                 (Capacity.DEPARTMENT_REVIEWER, self.department_review),
                                 (Capacity.FINANCE, self.finance)) if on}
        if channel in CHANNEL_CAPACITY:
            found.add(CHANNEL_CAPACITY[channel])
        return frozenset(found)

    def own(self, record) -> bool:
        """Whether separation of duties keeps this user from approving `record` (a
        ProjectRecord or None): they submitted it. No query."""
        return (record is not None and self.user_id is not None
                and record.submitted_by_id == self.user_id and separation_of_duties())

    @property
    def separation_key(self) -> int:
        """What a page cached per rights must add to its key: the user's id where they may
        both submit and approve (their own submissions show no approve button), else 0."""
        if self.fill and (self.review or self.department_review) and separation_of_duties():
            return self.user_id or 0
        return 0

    @property
    def role_label(self) -> str:
        labels = [label for on, label in ((self.fill, Role.FILLER.label),
                                          (self.review and not self.finance,
                                           Role.UNIT_REVIEWER.label),
                                          (self.department_review,
                                           Role.DEPARTMENT_REVIEWER.label),
                                          (self.finance, Role.FINANCE_REVIEWER.label)) if on]
        return "、".join(labels) or "查看"


def get_project_for_user(user, project_id) -> Project:
    """The project (with its unit and 年度目标) if `user` may see it; Http404 otherwise."""
    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该项目")
    project = (Project.objects.select_related("unit", "goal").filter(pk=project_id).first()
               if str(project_id).isdigit() else None)
    if project is None:
        raise Http404("未找到该项目")
    if not sees_all_units(user) and not any(unit_id == project.unit_id
                                            for unit_id, _ in user_roles(user)):
        raise Http404("未找到该项目")
    return project


def project_rights(user, project) -> ProjectRights:
    return ProjectRights(user, project.unit_id)


def period_capacities(user, channel: str | None = None) -> frozenset[Capacity]:
    """Who `user` is for a period as a whole: finance staff (and superusers) keep the periods;
    the admin site and the command line act as administrators (the admin's own permissions
    decide who reaches them)."""
    found = {Capacity.FINANCE} if sees_all_units(user) else set()
    if channel in CHANNEL_CAPACITY:
        found.add(CHANNEL_CAPACITY[channel])
    return frozenset(found)



def fill_units(user) -> QuerySet[Unit]:
    """The units whose values `user` enters (填报人): the only ones an upload may write."""
    ids = [unit_id for unit_id, role in user_roles(user) if role == Role.FILLER]
    return Unit.objects.filter(id__in=ids).order_by("code")


def get_fill_unit_for_user(user, unit_code: str) -> Unit:
    """A unit `user` fills in for; Http404 for any other (also for finance staff)."""
    unit = fill_units(user).filter(code=unit_code).first()
    if unit is None:
        raise Http404("未找到该单位")
    return unit


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    """The uploads `user` may open: their own (finance staff every one)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ImportJob.objects.none()
    jobs = ImportJob.objects.select_related("period", "created_by")
    return jobs if sees_all_units(user) else jobs.filter(created_by=user)


def get_import_job_for_user(user, job_id) -> ImportJob:
    """An upload the user started (finance staff see every one); Http404 otherwise."""
    job = import_jobs_for_user(user).filter(pk=job_id).first()
    if job is None:
        raise Http404("未找到该导入任务")
    return job


# -- 抽查复核 (docs/checks.md) ----------------------------------------------------------------------


def _sees_unit(user, unit_id) -> bool:
    return any(found == unit_id for found, _ in user_roles(user))


def get_check_for_user(user, checked_id) -> CheckedProject:
    """A project's 复核 (with its batch, period, project and unit) if `user` may see it: finance
    always; a member of the project's unit or of its 主管部门 only once it is 已复核 (the
    reviewer's work in progress is not shown to the unit). Http404 otherwise."""
    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该复核项目")
    checked = (CheckedProject.objects.select_related("batch", "period", "project__unit",
                                                     "reviewer", "updated_by", "concluded_by")
               .filter(pk=checked_id).first() if str(checked_id).isdigit() else None)
    if checked is None:
        raise Http404("未找到该复核项目")
    if sees_all_units(user):
        return checked
    if checked.status == CheckStatus.DONE and _sees_unit(user, checked.project.unit_id):
        return checked
    raise Http404("未找到该复核项目")


def may_see_check(user, checked, unit_id: int) -> bool:
    """The rule of get_check_for_user for a check already in hand (`unit_id`: its project's
    unit): finance always; the unit's members and its 主管部门 once it is 已复核."""
    if sees_all_units(user):
        return True
    return checked.status == CheckStatus.DONE and _sees_unit(user, unit_id)


def get_explanation_for_user(user, request_id) -> ExplanationRequest:
    """A 补充说明 request (with its check, period, project and unit) if `user` is finance or a
    member of the project's unit (or of its 主管部门); Http404 otherwise."""
    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该补充说明")
    found = (ExplanationRequest.objects
             .select_related("checked__period", "checked__project__unit", "indicator",
                             "asked_by", "answered_by", "withdrawn_by")
             .filter(pk=request_id).first() if str(request_id).isdigit() else None)
    if found is None or not (sees_all_units(user)
                             or _sees_unit(user, found.checked.project.unit_id)):
        raise Http404("未找到该补充说明")
    return found


def get_evidence_for_user(user, evidence_id):
    """A 佐证材料 file (with its project, unit, period and check) if `user` may see it; Http404
    otherwise. The project must be visible (get_project_for_user's rules); the evidence of a
    复核 opinion only to finance, and to the unit's members once the check is 已复核."""
    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该文件")
    evidence = (Evidence.objects.select_related("project__unit", "period", "checked", "indicator",
                                                "uploaded_by").filter(pk=evidence_id).first()
                if str(evidence_id).isdigit() else None)
    if evidence is None:
        raise Http404("未找到该文件")
    if not sees_all_units(user):
        if not any(unit_id == evidence.project.unit_id for unit_id, _ in user_roles(user)):
            raise Http404("未找到该文件")
        if evidence.checked_id and evidence.checked.status != CheckStatus.DONE:
            raise Http404("未找到该文件")
    return evidence


# -- 问题整改 (docs/rectification.md) ---------------------------------------------------------------


def visible_rectifications(user) -> QuerySet[Rectification]:
    """The 整改事项 `user` may see: finance every one; a unit's members (and its 主管部门's
    reviewers) their unit's; nobody else any."""
    if sees_all_units(user):
        return Rectification.objects.all()
    units = {unit_id for unit_id, _ in user_roles(user)}
    if not units:
        return Rectification.objects.none()
    return Rectification.objects.filter(unit_id__in=units)


def get_rectification_for_user(user, pk) -> Rectification:
    """A 整改事项 (with its unit, project, period and indicator) if `user` may see it
    (visible_rectifications' rule); Http404 otherwise."""
    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该整改事项")
    found = (visible_rectifications(user)
             .select_related("unit", "project__unit", "period", "indicator", "raised_by",
                             "responded_by", "done_by", "confirmed_by", "updated_by")
             .filter(pk=pk).first() if str(pk).isdigit() else None)
    if found is None:
        raise Http404("未找到该整改事项")
    return found


def get_report_job_for_user(user, job_id):
    """A unit's report zip (ReportJob, with its unit and period) if `user` may see its unit
    (get_unit_for_user's rules); Http404 otherwise."""
    from performance.models import ReportJob

    if not sees_all_units(user) and not user_roles(user):
        raise Http404("未找到该任务")
    job = (ReportJob.objects.select_related("unit", "period", "created_by").filter(pk=job_id)
           .first() if str(job_id).isdigit() else None)
    if job is None or not (sees_all_units(user) or _sees_unit(user, job.unit_id)):
        raise Http404("未找到该任务")
    return job
