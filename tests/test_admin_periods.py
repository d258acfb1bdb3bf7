"""The admin of reporting periods: the change form locks and unlocks through the lock service
when the status changes (a reason required), the changelist actions ask for a reason first,
rows of 单位解锁 open and close a locked period for one unit, lock events are read-only, and a
staff user without permissions reaches none of it."""

from html.parser import HTMLParser

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance import admin_periods
from performance.models import (
    PeriodLockEvent,
    PeriodStatus,
    PeriodUnitUnlock,
    ReportingPeriod,
)
from performance.services.period_lock import PeriodRefused, unlock_unit
from performance.workflow import Channel
from tests.entry_setup import UNUSABLE, lock, make_team
from tests.factories import MonitoringPeriodFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "填报截止，数据已汇总"
NEEDS_REASON = "修改状态（锁定或解锁）时须填写原因。"


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def change_url(period):
    return reverse("admin:performance_reportingperiod_change", args=[period.pk])


CHANGELIST = "admin:performance_reportingperiod_changelist"


def stored(period):
    return ReportingPeriod.objects.get(pk=period.pk)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


class FormReader(HTMLParser):
    """The fields of the page's form as a browser would post them (submit buttons aside)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value", "")
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea:  # a textarea's first newline is not part of its value
                self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_data(client, url, form_id="reportingperiod_form", **changes):
    """GET the change form and return what it posts, with `changes`."""
    response = client.get(url)
    assert response.status_code == 200
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    data = reader.data
    assert data, f"no form {form_id} on {url}"
    data.pop("csrfmiddlewaretoken", None)
    data.update(changes)
    return data


def events(period):
    return [(e.action, e.unit_id, e.reason, e.by, e.channel)
            for e in PeriodLockEvent.objects.filter(period=period).order_by("at", "id")]


# ---------------------------------------------------------------- the change form


def test_the_change_form_has_the_lock_fields_and_the_unit_unlocks(admin_client, team):
    data = form_data(admin_client, change_url(team.period))
    for name in ("year", "code", "name", "kind", "cutoff_month", "deadline", "status",
                 "lock_note", "unit_unlocks-TOTAL_FORMS"):
        assert name in data
    assert data["status"] == PeriodStatus.OPEN and data["lock_note"] == ""


def test_locking_in_the_change_form_with_a_reason_goes_through_the_service(admin_client, team,
                                                                           superuser):
    data = form_data(admin_client, change_url(team.period), status=PeriodStatus.LOCKED,
                     lock_note=f" {REASON} ")
    response = admin_client.post(change_url(team.period), data)
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    period = stored(team.period)
    assert period.is_locked and period.locked_by == superuser and period.lock_reason == REASON
    assert period.locked_at is not None and period.lock_changed_at == period.locked_at
    assert events(period) == [("lock", None, REASON, superuser, Channel.ADMIN)]


def test_locking_in_the_change_form_without_a_reason_shows_the_error(admin_client, team):
    data = form_data(admin_client, change_url(team.period), status=PeriodStatus.LOCKED,
                     lock_note="  ", name="改了名字")
    response = admin_client.post(change_url(team.period), data)
    assert response.status_code == 200
    assert NEEDS_REASON in response.content.decode()
    assert response.context["adminform"].form.errors == {"lock_note": [NEEDS_REASON]}
    period = stored(team.period)
    assert not period.is_locked and period.name == team.period.name  # nothing saved
    assert not PeriodLockEvent.objects.exists()


def test_unlocking_in_the_change_form_with_a_reason(admin_client, team, superuser):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    data = form_data(admin_client, change_url(team.period), status=PeriodStatus.OPEN,
                     lock_note="补录遗漏项目")
    assert data["unit_unlocks-TOTAL_FORMS"] == "1"
    response = admin_client.post(change_url(team.period), data)
    assert response.status_code == 302
    period = stored(team.period)
    assert period.status == PeriodStatus.OPEN
    assert (period.locked_at, period.locked_by, period.lock_reason) == (None, None, "")
    assert not PeriodUnitUnlock.objects.exists()
    assert events(period)[-1] == ("unlock", None, "补录遗漏项目", superuser, Channel.ADMIN)


def test_unlocking_in_the_change_form_without_a_reason_shows_the_error(admin_client, team):
    lock(team.period, team.finance)
    data = form_data(admin_client, change_url(team.period), status=PeriodStatus.OPEN)
    response = admin_client.post(change_url(team.period), data)
    assert response.status_code == 200 and NEEDS_REASON in response.content.decode()
    period = stored(team.period)
    assert period.is_locked and period.lock_reason == REASON
    assert PeriodLockEvent.objects.count() == 1


@pytest.mark.parametrize("locked", [False, True])
def test_editing_the_name_needs_no_reason_and_leaves_no_event(admin_client, team, locked):
    if locked:
        lock(team.period, team.finance)
    before = stored(team.period)
    data = form_data(admin_client, change_url(team.period), name="2025 年度绩效自评（更正）")
    response = admin_client.post(change_url(team.period), data)
    assert response.status_code == 302
    period = stored(team.period)
    assert period.name == "2025 年度绩效自评（更正）"
    assert (period.status, period.locked_at, period.locked_by_id, period.lock_reason,
            period.lock_changed_at) == (before.status, before.locked_at, before.locked_by_id,
                                        before.lock_reason, before.lock_changed_at)
    assert PeriodLockEvent.objects.count() == (1 if locked else 0)


def test_a_reason_without_a_change_of_status_leaves_no_event(admin_client, team):
    data = form_data(admin_client, change_url(team.period), lock_note="只是备注")
    assert admin_client.post(change_url(team.period), data).status_code == 302
    assert not stored(team.period).is_locked and not PeriodLockEvent.objects.exists()


def test_a_change_refused_by_the_service_keeps_the_status_and_says_why(admin_client, team,
                                                                     monkeypatch):
    """The period changed between the form's check and the save: the service refuses."""
    def refuse(*args, **kwargs):
        raise PeriodRefused("该期间已锁定。")
    monkeypatch.setattr(admin_periods, "lock_period", refuse)
    data = form_data(admin_client, change_url(team.period), status=PeriodStatus.LOCKED,
                     lock_note=REASON)
    response = admin_client.post(change_url(team.period), data, follow=True)
    assert response.status_code == 200
    assert "状态未改变：该期间已锁定。" in response.content.decode()
    assert not stored(team.period).is_locked and not PeriodLockEvent.objects.exists()


def test_a_new_period_is_added_open_without_a_status_field(admin_client):
    url = reverse("admin:performance_reportingperiod_add")
    data = form_data(admin_client, url, year="2025", code="2025-10", name="2025 年 1–10 月监控",
                     kind="monitoring", cutoff_month="10", deadline="2025-11-15")
    assert "status" not in data and "lock_note" not in data
    assert admin_client.post(url, data).status_code == 302
    period = ReportingPeriod.objects.get(code="2025-10")
    assert period.status == PeriodStatus.OPEN and not PeriodLockEvent.objects.exists()


def change_page_queries(client, period):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(change_url(period)).status_code == 200
    return len(ctx.captured_queries)


def test_the_change_page_of_a_locked_period_takes_few_queries(admin_client, team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    assert change_page_queries(admin_client, team.period) <= 10


def test_the_change_page_queries_do_not_grow_with_events_and_unlocks(admin_client, team):
    lock(team.period, team.finance)
    few = change_page_queries(admin_client, team.period)
    for unit in [UnitFactory() for _ in range(5)]:
        unlock_unit(team.period, unit, team.finance, "迟报更正")
    assert change_page_queries(admin_client, team.period) == few


# ---------------------------------------------------------------- the changelist actions


def action_post(client, action, periods, **more):
    return client.post(reverse(CHANGELIST), {
        "action": action, "_selected_action": [p.pk for p in periods], "index": "0", **more})


@pytest.fixture
def two_periods(team):
    return [team.period, MonitoringPeriodFactory()]


def test_the_lock_action_asks_for_a_reason_first(admin_client, two_periods):
    response = action_post(admin_client, "lock_period_action", two_periods)
    assert response.status_code == 200
    page = response.content.decode()
    assert "确认锁定" in page and 'name="reason"' in page
    for period in two_periods:
        assert period.code in page and f'value="{period.pk}"' in page
    assert 'name="action" value="lock_period_action"' in page
    assert 'name="apply" value="1"' in page
    assert "请填写原因" not in page  # no error before anything was submitted
    assert not ReportingPeriod.objects.filter(status=PeriodStatus.LOCKED).exists()


def test_the_lock_action_with_a_reason_locks_every_selected_period(admin_client, two_periods,
                                                                   superuser):
    response = action_post(admin_client, "lock_period_action", two_periods, apply="1",
                           reason=REASON)
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    assert texts(response) == ["已锁定 2 个期间。"]
    for period in two_periods:
        period = stored(period)
        assert period.is_locked and period.lock_reason == REASON and period.locked_by == superuser
        assert events(period) == [("lock", None, REASON, superuser, Channel.ADMIN)]


def test_the_lock_action_without_a_reason_shows_the_page_again_with_an_error(admin_client,
                                                                           two_periods):
    response = action_post(admin_client, "lock_period_action", two_periods, apply="1",
                           reason="  ")
    assert response.status_code == 200
    page = response.content.decode()
    assert "确认锁定" in page and "请填写原因。" in page
    assert not ReportingPeriod.objects.filter(status=PeriodStatus.LOCKED).exists()
    assert not PeriodLockEvent.objects.exists()


def test_the_lock_action_skips_a_period_already_locked_and_says_so(admin_client, two_periods,
                                                                  team):
    lock(team.period, team.finance)
    response = action_post(admin_client, "lock_period_action", two_periods, apply="1",
                           reason="再锁一次")
    assert sorted(texts(response)) == sorted([f"{team.period.code}：该期间已锁定。",
                                              "已锁定 1 个期间。"])
    assert stored(team.period).lock_reason == REASON  # untouched
    assert stored(two_periods[1]).is_locked


def test_the_unlock_action_with_a_reason_unlocks_them(admin_client, two_periods, team, superuser):
    for period in two_periods:
        lock(period, team.finance)
    response = action_post(admin_client, "unlock_period_action", two_periods)
    assert response.status_code == 200 and "确认解锁" in response.content.decode()
    response = action_post(admin_client, "unlock_period_action", two_periods, apply="1",
                           reason="重新开放")
    assert texts(response) == ["已解锁 2 个期间。"]
    for period in two_periods:
        assert stored(period).status == PeriodStatus.OPEN
        assert events(period)[-1] == ("unlock", None, "重新开放", superuser, Channel.ADMIN)


def test_the_unlock_action_on_open_periods_unlocks_nothing(admin_client, two_periods):
    response = action_post(admin_client, "unlock_period_action", two_periods, apply="1",
                           reason="重新开放")
    assert response.status_code == 302
    assert sorted(texts(response)) == sorted(f"{p.code}：该期间未锁定。" for p in two_periods)
    assert not PeriodLockEvent.objects.exists()


# ---------------------------------------------------------------- 单位解锁


UNLOCK_ADD = "admin:performance_periodunitunlock_add"


def test_adding_a_unit_unlock_opens_a_locked_period_for_that_unit(admin_client, team, superuser):
    lock(team.period, team.finance)
    response = admin_client.post(reverse(UNLOCK_ADD), {
        "period": team.period.pk, "unit": team.unit.pk, "reason": " 迟报更正 "})
    assert response.status_code == 302
    unlocked = PeriodUnitUnlock.objects.get()
    assert (unlocked.period, unlocked.unit, unlocked.reason, unlocked.unlocked_by) == (
        team.period, team.unit, "迟报更正", superuser)
    assert unlocked.unlocked_at is not None
    assert events(team.period)[-1] == ("unlock_unit", team.unit.pk, "迟报更正", superuser,
                                       Channel.ADMIN)
    assert stored(team.period).is_locked
    assert LogEntry.objects.get().object_id == str(unlocked.pk)


def test_adding_a_unit_unlock_for_an_open_period_shows_the_form_error(admin_client, team):
    response = admin_client.post(reverse(UNLOCK_ADD), {
        "period": team.period.pk, "unit": team.unit.pk, "reason": "迟报更正"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"period": ["该期间未锁定，无需为单位解锁。"]}
    assert not PeriodUnitUnlock.objects.exists() and not PeriodLockEvent.objects.exists()


def test_adding_a_unit_unlock_twice_shows_the_form_error(admin_client, team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    response = admin_client.post(reverse(UNLOCK_ADD), {
        "period": team.period.pk, "unit": team.unit.pk, "reason": "再解一次"})
    assert response.status_code == 200
    assert "该单位在本期间已解锁。" in response.content.decode()
    assert PeriodUnitUnlock.objects.count() == 1 and PeriodLockEvent.objects.count() == 2


def test_adding_a_unit_unlock_needs_a_reason(admin_client, team):
    lock(team.period, team.finance)
    response = admin_client.post(reverse(UNLOCK_ADD), {
        "period": team.period.pk, "unit": team.unit.pk, "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["adminform"].form.errors
    assert not PeriodUnitUnlock.objects.exists()


def test_a_unit_unlock_refused_after_the_form_check_says_why_and_adds_nothing(
        admin_client, team, monkeypatch):
    """The period was unlocked between the form's check and the save."""
    lock(team.period, team.finance)

    def refuse(*args, **kwargs):
        raise PeriodRefused("该期间未锁定，无需为单位解锁。")
    monkeypatch.setattr(admin_periods, "unlock_unit", refuse)
    response = admin_client.post(reverse(UNLOCK_ADD), {
        "period": team.period.pk, "unit": team.unit.pk, "reason": "迟报更正"}, follow=True)
    assert response.status_code == 200
    assert "该期间未锁定，无需为单位解锁。" in texts(response)
    assert not PeriodUnitUnlock.objects.exists() and PeriodLockEvent.objects.count() == 1


def test_a_refused_unit_unlock_leaves_no_addition_in_the_admin_log(admin_client, team,
                                                                  monkeypatch):
    lock(team.period, team.finance)

    def refuse(*args, **kwargs):
        raise PeriodRefused("该期间未锁定，无需为单位解锁。")
    monkeypatch.setattr(admin_periods, "unlock_unit", refuse)
    admin_client.post(reverse(UNLOCK_ADD), {
        "period": team.period.pk, "unit": team.unit.pk, "reason": "迟报更正"})
    assert not LogEntry.objects.exists()


def test_deleting_a_unit_unlock_relocks_the_unit(admin_client, team, superuser):
    lock(team.period, team.finance)
    unlocked = unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    url = reverse("admin:performance_periodunitunlock_delete", args=[unlocked.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not PeriodUnitUnlock.objects.exists() and stored(team.period).is_locked
    assert events(team.period)[-1] == ("relock_unit", team.unit.pk, "管理后台删除解锁", superuser,
                                       Channel.ADMIN)


def test_a_unit_unlock_row_cannot_be_changed(admin_client, team):
    lock(team.period, team.finance)
    unlocked = unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    url = reverse("admin:performance_periodunitunlock_change", args=[unlocked.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(url, {"period": team.period.pk, "unit": team.other_unit.pk,
                                   "reason": "改单位"}).status_code == 403
    assert PeriodUnitUnlock.objects.get().unit == team.unit


def test_the_unit_unlock_changelist_renders(admin_client, team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    response = admin_client.get(reverse("admin:performance_periodunitunlock_changelist"))
    assert response.status_code == 200 and "迟报更正" in response.content.decode()


# ---------------------------------------------------------------- 期间锁定记录


def test_lock_events_are_read_only_in_the_admin(admin_client, team):
    lock(team.period, team.finance)
    event = PeriodLockEvent.objects.get()
    changelist = admin_client.get(reverse("admin:performance_periodlockevent_changelist"))
    assert changelist.status_code == 200 and REASON in changelist.content.decode()
    assert changelist.context["action_form"] is None  # not even "delete selected"
    assert admin_client.get(reverse("admin:performance_periodlockevent_add")).status_code == 403
    change = reverse("admin:performance_periodlockevent_change", args=[event.pk])
    page = admin_client.get(change)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.post(change, {"reason": "改掉"}).status_code == 403
    delete = reverse("admin:performance_periodlockevent_delete", args=[event.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert PeriodLockEvent.objects.get().reason == REASON


def test_the_change_page_lists_the_lock_events_read_only(admin_client, team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正<script>")
    page = admin_client.get(change_url(team.period)).content.decode()
    assert REASON in page and "迟报更正&lt;script&gt;" in page and "迟报更正<script>" not in page
    assert "lock_events-" not in page and "unit_unlocks-0-DELETE" not in page


# ---------------------------------------------------------------- staff without permissions


@pytest.fixture
def bare_staff(client):
    user = UserFactory(username="staff-without-perms", is_staff=True, password=UNUSABLE)
    client.force_login(user)
    return client


def admin_pages(team):
    lock(team.period, team.finance)
    unlocked = unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    event = PeriodLockEvent.objects.first()
    return [
        reverse(CHANGELIST),
        reverse("admin:performance_reportingperiod_add"),
        change_url(team.period),
        reverse("admin:performance_reportingperiod_delete", args=[team.period.pk]),
        reverse("admin:performance_periodunitunlock_changelist"),
        reverse(UNLOCK_ADD),
        reverse("admin:performance_periodunitunlock_change", args=[unlocked.pk]),
        reverse("admin:performance_periodunitunlock_delete", args=[unlocked.pk]),
        reverse("admin:performance_periodlockevent_changelist"),
        reverse("admin:performance_periodlockevent_change", args=[event.pk]),
    ]


def test_a_staff_user_without_permissions_gets_403_on_every_page(bare_staff, team):
    for url in admin_pages(team):
        assert bare_staff.get(url).status_code == 403, url


def test_a_staff_user_without_permissions_cannot_lock_or_unlock(bare_staff, team):
    other = MonitoringPeriodFactory()
    data = {"year": "2025", "code": other.code, "name": other.name, "kind": other.kind,
            "cutoff_month": "7", "deadline": "2025-08-15", "status": "locked",
            "lock_note": REASON}
    assert bare_staff.post(change_url(other), data).status_code == 403
    response = action_post(bare_staff, "lock_period_action", [other], apply="1", reason=REASON)
    assert response.status_code == 403
    lock(team.period, team.finance)
    response = bare_staff.post(reverse(UNLOCK_ADD), {
        "period": team.period.pk, "unit": team.unit.pk, "reason": "迟报更正"})
    assert response.status_code == 403
    assert not stored(other).is_locked and not PeriodUnitUnlock.objects.exists()
    assert PeriodLockEvent.objects.count() == 1


@pytest.fixture
def viewer(client):
    """A staff user who may only view periods."""
    user = UserFactory(username="viewer", is_staff=True, password=UNUSABLE)
    user.user_permissions.add(Permission.objects.get(codename="view_reportingperiod"))
    client.force_login(user)
    return client


def test_view_permission_alone_shows_the_periods_but_not_to_change(viewer, team):
    assert viewer.get(reverse(CHANGELIST)).status_code == 200
    page = viewer.get(change_url(team.period))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    data = {"year": "2025", "code": team.period.code, "name": team.period.name,
            "kind": team.period.kind, "cutoff_month": "12", "deadline": "2026-03-31",
            "status": "locked", "lock_note": REASON}
    assert viewer.post(change_url(team.period), data).status_code == 403
    assert not stored(team.period).is_locked


@pytest.mark.parametrize("action", ["lock_period_action", "unlock_period_action"])
def test_view_permission_alone_cannot_lock_or_unlock_through_the_actions(viewer, team, action):
    if action == "unlock_period_action":
        lock(team.period, team.finance)
    before = stored(team.period).status
    action_post(viewer, action, [team.period], apply="1", reason=REASON)
    assert stored(team.period).status == before
    assert PeriodLockEvent.objects.count() == (1 if action == "unlock_period_action" else 0)
