from django.conf import settings
from django.db import models


def user_stamp(verbose_name: str) -> models.ForeignKey:
    """Who did something (updated, submitted, locked…): kept as a name, not as ownership, so
    deleting the user leaves the record and empties this field."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
