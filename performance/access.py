"""Who may see which unit: the one access helper of the pages.

财政审核人 (Membership role finance_reviewer) and superusers see every unit; a unit's members
(any role) see their unit; anyone else gets 404, so a unit's existence is not disclosed.
"""

from django.db.models import QuerySet
from django.http import Http404

from budget.models import Membership, Role, Unit


def is_finance_reviewer(user) -> bool:
    """A superuser or a 财政审核人: sees every unit and takes the review decisions."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role=Role.FINANCE_REVIEWER).exists()


def visible_units(user) -> QuerySet[Unit]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Unit.objects.none()
    if is_finance_reviewer(user):
        return Unit.objects.all()
    return Unit.objects.filter(memberships__user=user).distinct()


def get_unit_for_user(user, unit_code: str) -> Unit:
    """The unit with this code if `user` may see it; Http404 otherwise (also when unknown)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise Http404("未找到该单位")
    unit = Unit.objects.filter(code=unit_code).first()
    if unit is None:
        raise Http404("未找到该单位")
    if user.is_superuser:
        return unit
    allowed = Membership.objects.filter(user=user).filter(
        role=Role.FINANCE_REVIEWER
    ) | Membership.objects.filter(user=user, unit=unit)
    if not allowed.exists():
        raise Http404("未找到该单位")
    return unit
