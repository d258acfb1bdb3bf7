"""The membership admin: a 主管部门审核人 is given a department; a role with the wrong unit or
department is refused on the form with the constraint's words, nothing saved."""

import pytest
from django.urls import reverse

from budget.models import Membership, Role
from tests.factories import DepartmentFactory, MembershipFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:budget_membership_add")
LIST = reverse("admin:budget_membership_changelist")
MESSAGE = "主管部门审核人须指定主管部门（不指定单位）"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def test_a_department_reviewer_is_added_with_a_department(admin_client):
    user, department = UserFactory(), DepartmentFactory()
    response = admin_client.post(ADD, {"user": user.pk, "role": Role.DEPARTMENT_REVIEWER,
                                       "department": department.pk})
    assert response.status_code == 302
    membership = Membership.objects.get(user=user)
    assert (membership.department, membership.unit) == (department, None)


@pytest.mark.parametrize("role, scope", [
    (Role.DEPARTMENT_REVIEWER, "unit"),       # a unit instead of the department
    (Role.DEPARTMENT_REVIEWER, "both"),
    (Role.FILLER, "department"),              # a filler needs a unit
    (Role.FINANCE_REVIEWER, "department"),    # finance takes neither
])
def test_a_wrong_combination_shows_the_constraint_message(admin_client, role, scope):
    user, unit = UserFactory(), UnitFactory()
    data = {"user": user.pk, "role": role}
    if scope in ("unit", "both"):
        data["unit"] = unit.pk
    if scope in ("department", "both"):
        data["department"] = unit.department_id
    response = admin_client.post(ADD, data)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not Membership.objects.filter(user=user).exists()


def test_the_list_shows_and_filters_by_department(admin_client):
    other = DepartmentFactory(code="901", name="其他主管部门")
    reviewer = MembershipFactory(user=UserFactory(username="dept-reviewer"), unit=None,
                                 department=other, role=Role.DEPARTMENT_REVIEWER)
    filler = MembershipFactory(user=UserFactory(username="unit-filler"), role=Role.FILLER)
    page = admin_client.get(LIST, {"department__id__exact": other.pk}).content.decode()
    assert reviewer.user.username in page and filler.user.username not in page
    page = admin_client.get(LIST, {"role__exact": Role.DEPARTMENT_REVIEWER}).content.decode()
    assert "其他主管部门" in page and filler.user.username not in page
