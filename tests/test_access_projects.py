"""performance.access for projects, uploads and rights: the object for this user, or 404."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from budget.models import Role
from performance.access import (
    fill_units,
    get_fill_unit_for_user,
    get_import_job_for_user,
    get_project_for_user,
    project_rights,
)
from tests.entry_setup import UNUSABLE, make_team
from tests.factories import ImportJobFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.mark.parametrize("who", ["filler", "reviewer", "finance"])
def test_members_and_finance_get_the_project(team, who):
    assert get_project_for_user(getattr(team, who), team.project.pk) == team.project


def test_an_outsider_an_anonymous_user_and_a_user_without_role_get_404(team):
    nobody = UserFactory(password=UNUSABLE)
    for user in (team.outsider, AnonymousUser(), nobody):
        with pytest.raises(Http404):
            get_project_for_user(user, team.project.pk)


def test_an_unknown_or_malformed_id_is_404(team):
    for project_id in (999999, "abc"):
        with pytest.raises(Http404):
            get_project_for_user(team.finance, project_id)


def test_a_superuser_sees_every_project(team):
    root = UserFactory(is_superuser=True, password=UNUSABLE)
    assert get_project_for_user(root, team.project.pk) == team.project
    assert project_rights(root, team.project).finance


@pytest.mark.parametrize("who, fill, review, finance", [
    ("filler", True, False, False),
    ("reviewer", False, True, False),
    ("finance", False, True, True),
])
def test_rights_follow_the_role_in_the_unit(team, who, fill, review, finance):
    rights = project_rights(getattr(team, who), team.project)
    assert (rights.fill, rights.review, rights.finance) == (fill, review, finance)


def test_a_filler_and_reviewer_of_the_unit_has_both_rights(team):
    MembershipFactory(user=team.filler, unit=team.unit, role=Role.UNIT_REVIEWER)
    team.filler._jxt_roles = None  # memberships are read once per request
    rights = project_rights(team.filler, team.project)
    assert rights.fill and rights.review and rights.role_label == "填报人、单位审核人"


def test_uploads_write_only_the_units_one_fills_in(team):
    assert list(fill_units(team.filler)) == [team.unit]
    assert not fill_units(team.finance).exists() and not fill_units(team.reviewer).exists()
    assert get_fill_unit_for_user(team.filler, team.unit.code) == team.unit
    with pytest.raises(Http404):
        get_fill_unit_for_user(team.filler, team.other_unit.code)
    with pytest.raises(Http404):
        get_fill_unit_for_user(team.finance, team.unit.code)


def test_an_import_job_is_for_its_uploader_and_finance(team):
    job = ImportJobFactory(created_by=team.filler, period=team.period)
    assert get_import_job_for_user(team.filler, job.pk) == job
    assert get_import_job_for_user(team.finance, job.pk) == job
    for user in (team.reviewer, team.outsider, AnonymousUser()):
        with pytest.raises(Http404):
            get_import_job_for_user(user, job.pk)
