"""What waits for a reviewer (docs/workflow.md, "Queues and notices"): the projects of open
periods waiting for a decision the person takes, per level, counted in one grouped query.

    待填报审核   单位审核人: 已提交 in the units they review
    待主管部门审核 主管部门审核人: 单位已审核 in their department's units
    待财政审核   财政审核人: 单位已审核 where no 主管部门 decides — the tier is off, or the
                unit's department has no active reviewer — so finance decides (docs/workflow.md)

Separation of duties (SEPARATION_OF_DUTIES): a record the person submitted is not in their
queues — they may not approve it.

A person holding no reviewer role costs no query beyond their memberships (read once per
request by performance.access.user_roles). `for_request` keeps the answer on the request, so
the header and the home page share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Max, Q
from django.urls import reverse

from budget.models import Membership, Role
from performance.access import department_tier_enabled, separation_of_duties, user_roles
from performance.models import PeriodStatus, ProjectRecord
from performance.workflow import AWAITING_DEPARTMENT_REVIEW, AWAITING_UNIT_REVIEW, WorkflowStatus

UNIT, DEPARTMENT, FINANCE = "unit", "department", "finance"
LABELS = {UNIT: "待填报审核", DEPARTMENT: "待主管部门审核", FINANCE: "待财政审核"}
STATUS = {UNIT: WorkflowStatus.SUBMITTED, DEPARTMENT: WorkflowStatus.UNIT_APPROVED,
          FINANCE: WorkflowStatus.UNIT_APPROVED}


@dataclass(frozen=True)
class Queue:
    kind: str  # UNIT, DEPARTMENT, FINANCE
    period_id: int
    period_code: str
    period_name: str
    count: int
    unit_id: int | None = None  # the one unit all of it is in, for the list's unit filter

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def url(self) -> str:
        """The project list of the period, filtered to this queue."""
        query = {"period": self.period_code, "status": STATUS[self.kind].value}
        if self.unit_id is not None:
            query["unit"] = self.unit_id
        return f"{reverse('entry:home')}?{urlencode(query)}"


@dataclass(frozen=True)
class Queues:
    items: list[Queue] = field(default_factory=list)  # the non-empty queues of open periods
    kinds: tuple[str, ...] = ()  # the levels the person reviews, in order

    @property
    def total(self) -> int:
        return sum(item.count for item in self.items)

    @property
    def first(self) -> Queue | None:
        """The queue the header opens: the first level with something waiting."""
        return next((item for item in self.items if item.count), None)

    def of_period(self, period) -> list[Queue]:
        """One queue per level the person reviews in `period` (empty ones too: nothing waits);
        none in a locked period, where nothing can be decided."""
        if period.status != PeriodStatus.OPEN:
            return []
        found = {item.kind: item for item in self.items if item.period_id == period.pk}
        return [found.get(kind) or Queue(kind, period.pk, period.code, period.name, 0)
                for kind in self.kinds]


def _conditions(user) -> dict[str, Q]:
    roles = user_roles(user)
    # separation of duties: what the person submitted waits for someone else, not for them
    others = ~Q(submitted_by_id=user.pk) if separation_of_duties() else Q()
    reviews = {unit for unit, role in roles if role == Role.UNIT_REVIEWER}
    departments = {unit for unit, role in roles if role == Role.DEPARTMENT_REVIEWER}
    found = {}
    if reviews:
        found[UNIT] = Q(status__in=AWAITING_UNIT_REVIEW, project__unit_id__in=reviews) & others
    if departments:
        found[DEPARTMENT] = Q(status__in=AWAITING_DEPARTMENT_REVIEW,
                              project__unit_id__in=departments) & others
    if any(role == Role.FINANCE_REVIEWER for _, role in roles):
        undecided = Q(status__in=AWAITING_DEPARTMENT_REVIEW)
        if department_tier_enabled():
            staffed = (Membership.objects.filter(role=Role.DEPARTMENT_REVIEWER,
                                                 user__is_active=True)
                       .order_by().values("department_id"))
            undecided &= (Q(project__unit__department_id__isnull=True)
                          | ~Q(project__unit__department_id__in=staffed))
        found[FINANCE] = undecided & others
    return found


def queues(user) -> Queues:
    """`user`'s queues in every open period (one query; none without a reviewer role)."""
    conditions = _conditions(user)
    if not conditions:
        return Queues()
    either = Q()
    for condition in conditions.values():
        either |= condition
    annotations = {}
    for kind, condition in conditions.items():
        annotations[kind] = Count("pk", filter=condition)
        annotations[f"{kind}_units"] = Count("project__unit_id", filter=condition, distinct=True)
        annotations[f"{kind}_unit"] = Max("project__unit_id", filter=condition)
    rows = (ProjectRecord.objects.filter(either, period__status=PeriodStatus.OPEN)
            .order_by().values("period_id", "period__code", "period__name", "period__year",
                               "period__cutoff_month")
            .annotate(**annotations)
            .order_by("period__year", "period__cutoff_month", "period_id"))
    items = []
    for row in rows:
        for kind in (UNIT, DEPARTMENT, FINANCE):
            if row.get(kind):
                single = row[f"{kind}_unit"] if row[f"{kind}_units"] == 1 else None
                items.append(Queue(kind, row["period_id"], row["period__code"],
                                   row["period__name"], row[kind], single))
    order = {UNIT: 0, DEPARTMENT: 1, FINANCE: 2}
    items.sort(key=lambda item: order[item.kind])  # stable: periods in order within a level
    return Queues(items, tuple(sorted(conditions, key=order.get)))


def for_request(request) -> Queues:
    """The user's queues, read once per request."""
    cached = getattr(request, "_jxt_queues", None)
    if cached is None:
        cached = request._jxt_queues = queues(request.user)
    return cached
