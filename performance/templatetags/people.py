from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A user as people read it: full name, else username; "—" when nobody is recorded (a
    deleted user leaves these fields empty)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.get_username()
