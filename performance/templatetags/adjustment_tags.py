"""Target adjustments on other pages: the versions panel of the project page and the link to
the queue in the navigation (docs/adjustments.md)."""

from django import template

from performance.access import sees_all_units, user_roles
from performance.adjustments.display import project_versions as read_versions

register = template.Library()


@register.simple_tag
def project_versions(project):
    """The project's versions and open proposal (one query; the project page renders it into
    its cached content, see performance.adjustments.display.project_versions)."""
    return read_versions(project)


@register.inclusion_tag("adjustments/_nav.html", takes_context=True)
def adjustments_nav(context):
    """The 目标调整 link for anyone who fills in or reviews (the memberships are read once per
    request, usually already by the view). How many proposals wait is fetched by the page's
    script (static/adjustments/nav.js) from the `pending` view, so no page pays for it."""
    user = context.get("user")
    return {"show": user is not None and user.is_authenticated
            and bool(user_roles(user) or sees_all_units(user))}
