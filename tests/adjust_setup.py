"""Target adjustments for the tests: a department reviewer, and proposals made and approved
through the services (performance.services.adjustments / adjustment_chain)."""

import datetime
from decimal import Decimal

from budget.models import Membership, Role
from performance.services import adjustment_chain, adjustments

from .entry_setup import UNUSABLE
from .factories import UserFactory


def department_reviewer(unit, name="孙主管"):
    """A 主管部门审核人 over the department of `unit`."""
    user = UserFactory(first_name=name, password=UNUSABLE)
    Membership.objects.create(user=user, department=unit.department,
                              role=Role.DEPARTMENT_REVIEWER)
    return user


def change_targets(project, user, changes: dict, *, reason="业务量调整",
                   effective_from=datetime.date(2025, 9, 1), **extra):
    """A proposal changing indicators of `project`: {indicator id: {field: value}}; a value of
    None for an indicator removes it. Each change gets a reason."""
    data = adjustments.draft_from(project)
    for draft in data.indicators:
        if draft.indicator_id in changes:
            fields = changes[draft.indicator_id]
            if fields is None:
                draft.remove = True
            else:
                for name, value in fields.items():
                    setattr(draft, name, value)
            draft.reason = "按调整后的工作任务"
    for name, value in extra.items():
        setattr(data, name, value)
    data.reason = reason
    data.effective_from = effective_from
    return adjustments.save_proposal(project, user, data)


def approve_all(version, *reviewers, effective_from=None):
    """Submit (by its author) and approve at each level, by the reviewers in order."""
    version = adjustment_chain.submit(version, version.created_by)
    for reviewer in reviewers:
        version = adjustment_chain.approve(version, reviewer, effective_from=effective_from)
    return version


def weight(value) -> Decimal:
    return Decimal(str(value))
