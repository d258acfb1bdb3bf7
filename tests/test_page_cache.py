"""The cached content of the project list and the project page: served again while the data
are unchanged, rendered anew after any change that shows on the page, never shared between
people with different rights or units, and with each request's own CSRF token."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget.models import Role
from performance.models import IndicatorRecord, ProjectRecord
from performance.services import page_cache
from performance.services.entry import Entry, save_entries
from performance.services.snapshot import refresh_snapshots
from performance.services.workflow import approve, submit
from tests.entry_setup import UNUSABLE, lock, make_team
from tests.factories import (
    IndicatorFactory,
    MembershipFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

HOME = reverse("entry:home")


@pytest.fixture
def team():
    return make_team()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def project_url(team):
    return f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"


def get(client, url) -> tuple[str, int]:
    """The page and the number of queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def same_page(a: str, b: str) -> bool:
    """Equal but for the CSRF tokens (each request masks its own)."""
    return TOKEN.sub("", a) == TOKEN.sub("", b)


def save_values(team, *values, spent=None):
    entries = {}
    for indicator, value in zip(team.indicators, values, strict=False):
        record = IndicatorRecord.objects.filter(indicator=indicator, period=team.period).first()
        entries[indicator.id] = Entry(record.version if record else None,
                                      {"actual_value": Decimal(value)})
    record = ProjectRecord.objects.filter(project=team.project, period=team.period).first()
    project_entry = (Entry(record.version if record else None, {"spent": Decimal(spent)})
                     if spent is not None else None)
    save_entries(team.project, team.period, team.filler, entries, project_entry)


# --- the project list ---------------------------------------------------------------------

def test_the_project_list_seen_again_is_served_from_the_cache_with_fewer_queries(team):
    client = as_user(team.finance)
    first, cold = get(client, HOME)
    again, warm = get(client, HOME)
    assert same_page(again, first)
    assert warm < cold


def test_the_project_list_shows_a_renamed_project_and_unit_at_once(team):
    client = as_user(team.finance)
    get(client, HOME)
    team.project.name = "更名后的项目"
    team.project.save()
    assert "更名后的项目" in get(client, HOME)[0]
    team.unit.name = "更名后的单位"
    team.unit.save()
    assert "更名后的单位" in get(client, HOME)[0]


def test_the_project_list_shows_saved_values_workflow_steps_and_refreshed_scores(team):
    client = as_user(team.finance)
    assert "已提交" not in get(client, HOME)[0].split("<tbody>")[1]
    save_values(team, "100", "100", "100", spent="95")
    assert "95.00" in get(client, HOME)[0]
    submit(team.project, team.period, team.filler)
    assert "已提交" in get(client, HOME)[0].split("<tbody>")[1]
    approve(team.project, team.period, team.reviewer)
    assert "已审核" in get(client, HOME)[0].split("<tbody>")[1]
    ProjectRecord.objects.filter(project=team.project).update(score_total=None)
    refresh_snapshots(team.period)
    assert ProjectRecord.objects.get(project=team.project).score_total is not None
    body = get(client, HOME)[0].split("<tbody>")[1]
    assert str(ProjectRecord.objects.get(project=team.project).score_total) in body


def test_the_project_list_shows_added_and_deleted_projects(team):
    client = as_user(team.finance)
    get(client, HOME)
    one = ProjectFactory(unit=team.unit, name="删除的项目")
    ProjectFactory(unit=team.other_unit, name="批量删除的项目")
    ProjectFactory(unit=team.unit, name="最后新增的项目")  # the newest stays: no stamp goes back
    page = get(client, HOME)[0]
    assert "删除的项目" in page and "批量删除的项目" in page and "最后新增的项目" in page
    one.delete()
    assert "删除的项目" not in get(client, HOME)[0].replace("批量删除的项目", "")
    type(one).objects.filter(name="批量删除的项目").delete()  # as the admin's action does
    assert "批量删除的项目" not in get(client, HOME)[0]


def test_the_project_list_shows_a_deleted_record(team):
    ProjectRecordFactory(project=team.project, period=team.period, status="submitted")
    client = as_user(team.finance)
    assert "已提交" in get(client, HOME)[0].split("<tbody>")[1]
    ProjectRecord.objects.filter(project=team.project).delete()
    assert "已提交" not in get(client, HOME)[0].split("<tbody>")[1]


def test_units_do_not_share_their_cached_project_list(team):
    ProjectFactory(unit=team.other_unit, name="外单位的项目")
    assert "外单位的项目" in get(as_user(team.outsider), HOME)[0]
    page = get(as_user(team.filler), HOME)[0]
    assert "外单位的项目" not in page and team.project.name in page


def test_filters_sorting_and_pages_are_cached_apart(team):
    ProjectRecordFactory(project=team.project, period=team.period, light="red")
    ProjectFactory(unit=team.unit, name="没有亮灯的项目")
    client = as_user(team.finance)
    everything = get(client, HOME)[0]
    red = get(client, f"{HOME}?light=red")[0]
    assert "没有亮灯的项目" in everything and "没有亮灯的项目" not in red


# --- the project page ---------------------------------------------------------------------

def test_the_project_page_seen_again_is_served_from_the_cache_with_fewer_queries(team):
    client = as_user(team.filler)
    first, cold = get(client, project_url(team))
    again, warm = get(client, project_url(team))
    assert same_page(again, first)
    assert warm < cold


def test_the_project_page_shows_saved_values_and_workflow_steps_at_once(team):
    client = as_user(team.reviewer)
    get(client, project_url(team))
    save_values(team, "100.5", "100", "100", spent="95")
    assert "100.5" in get(client, project_url(team))[0]
    approve_form = reverse("entry:approve", args=[team.project.pk])
    submit(team.project, team.period, team.filler)
    assert approve_form in get(client, project_url(team))[0]
    approve(team.project, team.period, team.reviewer)
    page = get(client, project_url(team))[0]
    assert approve_form not in page and "退回修改" not in page  # final for the unit reviewer
    assert "重新打开" in get(as_user(team.finance), project_url(team))[0]


def test_the_project_page_shows_changed_targets_goal_and_names_at_once(team):
    client = as_user(team.filler)
    get(client, project_url(team))
    indicator = team.indicators[0]
    indicator.name = "改过名称的指标"
    indicator.save()
    assert "改过名称的指标" in get(client, project_url(team))[0]
    IndicatorFactory(project=team.project, name="新加的指标", weight=Decimal(1))
    assert "新加的指标" in get(client, project_url(team))[0]
    team.project.goal.text = "改过的年度目标"
    team.project.goal.save()
    assert "改过的年度目标" in get(client, project_url(team))[0]
    team.unit.name = "改过名称的单位"
    team.unit.save()
    assert "改过名称的单位" in get(client, project_url(team))[0]


def test_a_locked_period_shows_on_the_cached_project_page(team):
    client = as_user(team.filler)
    assert "保存草稿" in get(client, project_url(team))[0]
    lock(team.period, team.finance)
    page = get(client, project_url(team))[0]
    assert "保存草稿" not in page and "已锁定" in page


def test_people_with_other_rights_do_not_share_the_cached_project_page(team):
    filler_page = get(as_user(team.filler), project_url(team))[0]
    reviewer_page = get(as_user(team.reviewer), project_url(team))[0]
    finance_page = get(as_user(team.finance), project_url(team))[0]
    assert "保存草稿" in filler_page
    assert "保存草稿" not in reviewer_page and "保存草稿" not in finance_page
    assert "你的角色：填报人" in filler_page
    assert "你的角色：单位审核人" in reviewer_page
    assert "你的角色：财政审核人" in finance_page


def tokens_in(page: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


def entry_form_token(page: str) -> str:
    """The token of the cached fragment's entry form (not the one of the base template's
    logout form, which is rendered anew on every request)."""
    return re.search(r'<form method="post" id="entry-form"[^>]*>\s*'
                     r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
                     page).group(1)


def entry_form_data(team, token: str) -> dict:
    data = {"csrfmiddlewaretoken": token, "period": team.period.code, "action": "save",
            "p-version": "", "p-spent": "60", "p-spent_reason": ""}
    for indicator in team.indicators:
        data.update({f"i{indicator.id}-version": "", f"i{indicator.id}-actual_value": "",
                     f"i{indicator.id}-explanation": ""})
    return data


def test_each_request_of_a_cached_page_gets_its_own_working_csrf_token(team, monkeypatch,
                                                                        settings):
    markers = []
    real = page_cache.secrets.token_hex

    def remember(n):
        markers.append(real(n))
        return markers[-1]

    monkeypatch.setattr(page_cache.secrets, "token_hex", remember)
    # two people with the same rights, so the second is served the first one's cached page
    colleague = UserFactory(first_name="钱填报", password=UNUSABLE)
    MembershipFactory(user=colleague, unit=team.unit, role=Role.FILLER)
    clients = []
    for user in (team.filler, colleague):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        clients.append(client)
    pages = [get(client, project_url(team))[0] for client in clients]
    assert len(markers) == 1  # rendered once: the second page came from the cache
    secrets = [client.cookies[settings.CSRF_COOKIE_NAME].value for client in clients]
    assert secrets[0] != secrets[1]
    for page, secret in zip(pages, secrets, strict=True):
        assert markers[0] not in page
        assert len(tokens_in(page)) >= 2  # the logout form's and the cached entry form's
        # every token of the page, the cached fragment's among them, is this session's own
        for token in [*tokens_in(page), entry_form_token(page)]:
            assert len(token) == CSRF_TOKEN_LENGTH
            assert _unmask_cipher_token(token) == secret
    # the token works for its own session only
    second = clients[1]
    refused = second.post(project_url(team), entry_form_data(team, entry_form_token(pages[0])))
    assert refused.status_code == 403
    assert not ProjectRecord.objects.filter(project=team.project).exists()
    response = second.post(project_url(team), entry_form_data(team, entry_form_token(pages[1])))
    assert response.status_code == 302
    assert ProjectRecord.objects.get(project=team.project).spent == Decimal("60")


def test_a_stand_in_token_never_reaches_a_page(team, monkeypatch):
    seen = []
    real = page_cache.secrets.token_hex

    def remember(n):
        seen.append(real(n))
        return seen[-1]

    monkeypatch.setattr(page_cache.secrets, "token_hex", remember)
    client = as_user(team.filler)
    pages = [get(client, project_url(team))[0] for _ in range(2)]
    assert seen and not any(marker in page for marker in seen for page in pages)


@pytest.mark.parametrize("page", ["home", "project", "overview"])
def test_the_cache_can_be_turned_off(team, settings, page):
    ProjectRecordFactory(project=team.project, period=team.period)
    url = {"home": HOME, "project": project_url(team),
           "overview": f"{reverse('dashboard:overview')}?period={team.period.code}"}[page]
    client = as_user(team.finance)
    settings.PAGE_CACHE_SECONDS = 0
    _, first = get(client, url)
    _, second = get(client, url)
    assert first == second  # both read and rendered in full
    settings.PAGE_CACHE_SECONDS = 300
    get(client, url)
    assert get(client, url)[1] < first


# --- the versions ---------------------------------------------------------------------------

def test_a_version_does_not_change_while_nothing_changes(team):
    assert page_cache.listing_version(team.period) == page_cache.listing_version(team.period)
    project = type(team.project).objects.select_related("unit", "goal").get(pk=team.project.pk)
    assert (page_cache.project_version(project, team.period)
            == page_cache.project_version(project, team.period))


def test_another_projects_values_do_not_change_a_project_pages_version(team):
    other = ProjectFactory(unit=team.unit)
    indicator = IndicatorFactory(project=other)
    project = type(team.project).objects.select_related("unit", "goal").get(pk=team.project.pk)
    before = page_cache.project_version(project, team.period)
    listing = page_cache.listing_version(team.period)
    save_entries(other, team.period, team.filler,
                 {indicator.id: Entry(None, {"actual_value": Decimal(5)})})
    assert page_cache.project_version(project, team.period) == before
    assert page_cache.listing_version(team.period) != listing  # the list shows the other one


def test_the_finance_overview_shows_a_renamed_unit_at_once(team):
    ProjectRecordFactory(project=team.project, period=team.period)
    refresh_snapshots(team.period)
    client = as_user(team.finance)
    overview = f"{reverse('dashboard:overview')}?period={team.period.code}"
    assert team.unit.name in get(client, overview)[0]
    team.unit.name = "更名后的单位"
    team.unit.save()
    assert "更名后的单位" in get(client, overview)[0]
