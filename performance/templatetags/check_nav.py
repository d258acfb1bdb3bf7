"""The 抽查复核 links of the top navigation (docs/checks.md), for finance staff only."""

from django import template

from performance.access import sees_all_units

register = template.Library()


@register.inclusion_tag("checks/_nav.html", takes_context=True)
def checks_nav(context):
    """抽查复核 (the batches) and 复核汇总 (the overview per unit) for those who see every unit
    (finance staff and superusers); nothing for anyone else. The memberships are read once per
    request (performance.access.user_roles), usually already by the view."""
    user = context.get("user")
    return {"show": user is not None and sees_all_units(user)}
