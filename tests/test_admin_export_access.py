"""The admin's 导出 (django-import-export) of indicators and entered values: only for staff
who may view the model, and only of the units they may see (performance.admin_records
.ScopedExportMixin)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from budget.models import Role
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    MembershipFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EXPORTS = ["admin:performance_indicator_export", "admin:performance_indicatorrecord_export"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def two_units():
    """Units A and B, each with one project, one indicator and one entered value."""
    period = PeriodFactory()
    found = {}
    for code in ("900101", "900102"):
        unit = UnitFactory(code=code, name=f"单位{code}")
        indicator = IndicatorFactory(project=ProjectFactory(unit=unit, name=f"项目{code}"),
                                     name=f"指标{code}")
        IndicatorRecordFactory(indicator=indicator, period=period, actual_value=1)
        found[code] = unit
    return found


def staff(*perms, username="staffer"):
    user = UserFactory(username=username, is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    return user


@pytest.mark.parametrize("name", EXPORTS)
def test_staff_without_permission_gets_403_on_the_export_url(client, two_units, name):
    client.force_login(staff())
    url = reverse(name)

    assert client.get(url).status_code == 403
    assert client.post(url, {"format": "0", "resource": "0"}).status_code == 403


@pytest.mark.parametrize("name", EXPORTS)
def test_staff_without_permission_gets_403_when_the_form_is_skipped(client, settings,
                                                                     two_units, name):
    settings.IMPORT_EXPORT_SKIP_ADMIN_EXPORT_UI = True
    client.force_login(staff())

    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize(("name", "perm"), [
    ("admin:performance_indicator_export", "view_indicator"),
    ("admin:performance_indicatorrecord_export", "view_indicatorrecord"),
])
def test_view_permission_limited_to_one_unit_exports_only_that_units_rows(
        client, settings, two_units, name, perm):
    settings.IMPORT_EXPORT_SKIP_ADMIN_EXPORT_UI = True
    user = staff(perm)
    MembershipFactory(user=user, unit=two_units["900101"], role=Role.UNIT_REVIEWER)
    client.force_login(user)

    response = client.get(reverse(name))

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "900101" in text and "900102" not in text


def test_view_permission_without_any_unit_exports_no_rows(client, settings, two_units):
    settings.IMPORT_EXPORT_SKIP_ADMIN_EXPORT_UI = True
    client.force_login(staff("view_indicator"))

    text = client.get(reverse(EXPORTS[0])).content.decode("utf-8-sig")

    assert "900101" not in text and "900102" not in text


def test_the_export_form_posted_by_a_one_unit_reviewer_gives_only_that_unit(client, two_units):
    user = staff("view_indicatorrecord")
    MembershipFactory(user=user, unit=two_units["900102"], role=Role.FILLER)
    client.force_login(user)
    url = reverse(EXPORTS[1])
    form = client.get(url).context["form"]  # the export form, every column ticked
    data = {"format": "0", "resource": "0",
            **{name: "on" for fields in form.resource_fields.values() for name in fields}}

    response = client.post(url, data)

    text = response.content.decode("utf-8-sig")
    assert response["Content-Disposition"].startswith("attachment")
    assert "900102" in text and "900101" not in text


@pytest.mark.parametrize("name", EXPORTS)
def test_finance_staff_and_superuser_export_every_unit(client, settings, superuser, two_units,
                                                       name):
    settings.IMPORT_EXPORT_SKIP_ADMIN_EXPORT_UI = True
    finance = staff("view_indicator", "view_indicatorrecord", username="finance")
    MembershipFactory(user=finance, unit=None, role=Role.FINANCE_REVIEWER)
    for user in (superuser, finance):
        client.force_login(user)
        text = client.get(reverse(name)).content.decode("utf-8-sig")
        assert "900101" in text and "900102" in text, user.username


def test_change_permission_offers_the_export_button(client, two_units):
    user = staff("change_indicator")  # may change, so may view and export
    client.force_login(user)
    page = client.get(reverse("admin:performance_indicator_changelist"))
    assert reverse(EXPORTS[0]) in page.content.decode()
