"""`notices_unread`: the user's unread in-app notices, counted only if a template uses it."""

from django.utils.functional import SimpleLazyObject

from performance.models import Notice


def notices(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notices_unread": 0}
    return {"notices_unread": SimpleLazyObject(
        lambda: Notice.objects.filter(recipient=user, read_at__isnull=True).count()
    )}
