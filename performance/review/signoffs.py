"""A project's 目标审核 through its levels, read and written: the 单位审核 and 主管部门审核
confirmations and returns before finance records the result (docs/review.md). The rules —
which levels, in which order, who — are performance.review.signoff_rules; this module reads the
facts they need and keeps every step (TargetReviewSignoff)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from budget.models import Membership, Project, Role
from performance.access import ProjectRights, tiered_units
from performance.models import ProjectReview
from performance.models.review import SignoffAction, TargetReviewSignoff

from .signoff_rules import (
    CONFIRM,
    RETURN,
    SignoffState,
    levels,
    refusal,
    return_target_text,
    state_of,
)


@dataclass
class ProjectSignoffs:
    """A project's review as its page shows it: the state, every step (oldest first) and the
    confirmation now in force at each level."""

    state: SignoffState
    steps: list = field(default_factory=list)

    @property
    def confirmations(self) -> dict:
        found = {}
        for step in self.steps:
            if step.action == CONFIRM and step.level in self.state.confirmed:
                found[step.level] = step
        return found


def unit_chains(units) -> dict[int, tuple[str, ...]]:
    """The levels of each unit's review, in at most two queries for any number of units: 单位审核
    where the unit has an active 单位审核人; 主管部门审核 where the unit is tiered
    (performance.access.tiered_units)."""
    units = list({u.id: u for u in units}.values())
    reviewed = set(Membership.objects.filter(
        role=Role.UNIT_REVIEWER, unit__in=[u.id for u in units], user__is_active=True)
        .order_by().values_list("unit_id", flat=True))
    tiered = tiered_units(units)
    return {u.id: levels(u.id in reviewed, u.id in tiered) for u in units}


def project_signoffs(projects) -> dict[int, ProjectSignoffs]:
    """The review state of each project (its unit loaded), in four queries at most."""
    projects = list(projects)
    if not projects:
        return {}
    chains = unit_chains(p.unit for p in projects)
    ids = [p.id for p in projects]
    steps = defaultdict(list)
    for step in (TargetReviewSignoff.objects.filter(project_id__in=ids).select_related("by")
                 .order_by("at", "id")):
        steps[step.project_id].append(step)
    decided = set(ProjectReview.objects.filter(project_id__in=ids)
                  .values_list("project_id", flat=True))
    return {p.id: ProjectSignoffs(state_of(chains[p.unit_id], steps[p.id], p.id in decided),
                                  steps[p.id])
            for p in projects}


def state_for(project) -> SignoffState:
    return project_signoffs([project])[project.id].state


def confirm(project, user, *, note: str = "", level: str | None = None) -> TargetReviewSignoff:
    """The level the project waits for confirms its review (an opinion optional); the next
    level acts then. `level`: the level the page showed, so a stale page is refused."""
    return _step(CONFIRM, project, user, note, level)


def send_back(project, user, reason: str, *, level: str | None = None) -> TargetReviewSignoff:
    """The level the project waits for returns it, with the reason, to the level below (whose
    confirmation is cleared), or from the first level to the unit's 填报人."""
    return _step(RETURN, project, user, reason, level)


def _step(action, project, user, note, level) -> TargetReviewSignoff:
    note = (note or "").strip()
    with transaction.atomic():
        # one step of a project at a time: two reviewers acting at once are taken in turn
        locked = Project.objects.select_for_update().select_related("unit").get(pk=project.pk)
        state = state_for(locked)
        problem = refusal(action, state, ProjectRights(user, locked.unit_id).capacities(),
                          level=level, reason=note)
        if problem:
            raise ValidationError(problem)
        return TargetReviewSignoff.objects.create(
            project=locked, level=state.waiting_for, action=SignoffAction(action), note=note,
            by=user)


def done_text(step: TargetReviewSignoff, chain: tuple[str, ...]) -> str:
    """What a step did, in words for the message after it."""
    if step.action == RETURN:
        return f"已退回{return_target_text(step.level, chain)}"
    return f"{step.get_level_display()}已确认"
