"""The API tests' callers: an APIClient per role of tests/entry_setup.Team, each presenting a
personal token (accounts.tokens) as `Authorization: Bearer …`, plus the anonymous caller and the
tokens that must be refused (revoked, expired) or may only read."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, TokenScope
from accounts.tokens import create_token, revoke_token

from .adjust_setup import department_reviewer

# the roles of the endpoint × role matrix, in the order the tables list them
ROLES = ("anonymous", "filler_a", "filler_b", "reviewer", "department", "finance", "revoked",
         "expired", "read_only")


def bearer(user, scope: str = TokenScope.READ_WRITE, days: int = 30) -> APIClient:
    """A client presenting a new token of `user`."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {create_token(user, 'tests', scope, days).plaintext}")
    return client


def revoked(user) -> APIClient:
    new = create_token(user, "revoked", TokenScope.READ_WRITE, 30)
    revoke_token(new.token, user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.plaintext}")
    return client


def expired(user) -> APIClient:
    new = create_token(user, "expired", TokenScope.READ_WRITE, 1)
    ApiToken.objects.filter(pk=new.token.pk).update(
        created_at=timezone.now() - timedelta(days=3), expires_at=timezone.now() - timedelta(days=2))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {new.plaintext}")
    return client


def role_clients(team, department=None) -> dict[str, APIClient]:
    """One client per role of ROLES for `team` (tests/entry_setup.make_team). `department`: the
    unit's 主管部门审核人 (made here when not given). revoked, expired and read_only are tokens of
    the unit's filler."""
    if department is None:
        department = department_reviewer(team.unit)
    return {
        "anonymous": APIClient(),
        "filler_a": bearer(team.filler),
        "filler_b": bearer(team.outsider),
        "reviewer": bearer(team.reviewer),
        "department": bearer(department),
        "finance": bearer(team.finance),
        "revoked": revoked(team.filler),
        "expired": expired(team.filler),
        "read_only": bearer(team.filler, TokenScope.READ),
    }
