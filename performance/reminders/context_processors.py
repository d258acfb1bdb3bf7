"""`notices_unread`: the user's unread in-app notices; `review_queue`: what waits for the user's
review (performance.services.queues). Each is read only if a template uses it."""

from django.utils.functional import SimpleLazyObject

from performance.models import Notice


def notices(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notices_unread": 0, "review_queue": None}
    from performance.services.queues import for_request

    return {
        "notices_unread": SimpleLazyObject(
            lambda: Notice.objects.filter(recipient=user, read_at__isnull=True).count()),
        "review_queue": SimpleLazyObject(lambda: for_request(request)),
    }
