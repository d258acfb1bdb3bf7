"""Which proposals wait for whom (docs/adjustments.md): a 单位审核人 sees those 待单位审核 of its
units, a 主管部门审核人 those 待主管部门审核 of its department's units, finance those 待财政审核
of every unit, a 填报人 the open proposals of its units (drafts, returned, under review). A
reviewer does not wait for a proposal they proposed or submitted (separation of duties).

Read from the memberships the access helper has already read for the request, so a queue is
one query for its counts and one for its page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Q

from budget.models import Role
from performance.access import sees_all_units, separation_of_duties, user_roles
from performance.chain import EDITABLE, OPEN, ChainAction, Level, VersionStatus, waiting_for
from performance.models import TargetVersion, VersionStep

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Queue:
    """The proposals a person acts on: `waiting` those waiting for one of the person's
    decisions (to review, or returned to be edited); `everything` also the person's units'
    other open proposals."""

    waiting: Q
    everything: Q
    levels: tuple  # the review levels the person holds
    fills: bool  # a 填报人 of some unit

    @property
    def empty(self) -> bool:
        return self.everything is NOTHING


def queue_of(user) -> Queue:
    units = defaultdict(set)
    for unit_id, role in user_roles(user):
        units[role].add(unit_id)
    review, levels = [], []
    if sees_all_units(user):
        review.append(Q(status=VersionStatus.AT_FINANCE))
        levels.append(Level.FINANCE)
    if units[Role.DEPARTMENT_REVIEWER]:
        review.append(Q(status=VersionStatus.AT_DEPARTMENT,
                        project__unit_id__in=sorted(units[Role.DEPARTMENT_REVIEWER])))
        levels.append(Level.DEPARTMENT)
    if units[Role.UNIT_REVIEWER]:
        review.append(Q(status=VersionStatus.AT_UNIT,
                        project__unit_id__in=sorted(units[Role.UNIT_REVIEWER])))
        levels.append(Level.UNIT)
    if review and separation_of_duties():
        # what the person proposed or submitted waits for someone else (separation of duties)
        submitted = VersionStep.objects.filter(version=OuterRef("pk"), action=ChainAction.SUBMIT,
                                               by_id=user.pk)
        others = ~Q(created_by_id=user.pk) & Q(~Exists(submitted))
        review = [part & others for part in review]
    fill = sorted(units[Role.FILLER])
    waiting = review + ([Q(status=VersionStatus.RETURNED, project__unit_id__in=fill)] if fill else [])
    everything = review + ([Q(status__in=sorted(OPEN), project__unit_id__in=fill)] if fill else [])
    return Queue(_any(waiting), _any(everything), tuple(reversed(levels)), bool(fill))


def _any(parts) -> Q:
    if not parts:
        return NOTHING
    found = parts[0]
    for part in parts[1:]:
        found |= part
    return found


def pending_count(user) -> int:
    """How many proposals wait for `user` (one query; none when the user has no role)."""
    queue = queue_of(user)
    if queue.waiting is NOTHING:
        return 0
    return TargetVersion.objects.filter(queue.waiting).count()


def proposals(queue: Queue, status: str = ""):
    """The queue's proposals (of one status if given), the oldest submitted first (drafts
    last)."""
    found = (TargetVersion.objects.filter(queue.everything)
             .select_related("project__unit", "created_by")
             .order_by(F("submitted_at").asc(nulls_last=True), "created_at", "id"))
    if status:
        found = found.filter(status=status)
    return found


def counts(queue: Queue) -> dict[str, int]:
    """status → how many of the queue's proposals are in it (one query)."""
    if queue.empty:
        return {}
    rows = (TargetVersion.objects.filter(queue.everything).order_by().values("status")
            .annotate(n=Count("id")))
    return {row["status"]: row["n"] for row in rows}


def waiting_text(status: str) -> str:
    """Whom a proposal in `status` waits for, as the queue prints it."""
    level = waiting_for(status)
    if level is not None:
        return level.label
    return "填报人" if status in EDITABLE else "—"
