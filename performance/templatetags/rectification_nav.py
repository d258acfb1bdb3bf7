"""The links of the top navigation that close the loop, 结果应用 (docs/results.md) and 问题整改
(docs/rectification.md): for everyone with a role."""

from django import template

from performance.access import sees_all_units, user_roles

register = template.Library()


@register.inclusion_tag("rectification/_nav.html", takes_context=True)
def rectification_nav(context):
    """结果应用 and 问题整改 for finance staff and every member of a unit or 主管部门; nothing for anyone
    else (the memberships are read once per request, usually already by the view)."""
    user = context.get("user")
    return {"show": user is not None and (sees_all_units(user) or bool(user_roles(user)))}
