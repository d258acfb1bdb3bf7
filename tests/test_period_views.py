"""The finance page of a period (/periods/<code>/): lock and unlock with a reason, open a locked
period for one unit and close it again, the list of lock events; 404 to everyone but finance;
`next` stays on the site; a bounded number of queries."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from performance.models import PeriodLockEvent, PeriodUnitUnlock, ReportingPeriod
from performance.services.period_lock import relock_unit, unlock_unit
from performance.workflow import Channel
from tests.entry_setup import lock, make_team
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
REASON = "填报截止，数据已汇总"


@pytest.fixture
def team():
    return make_team()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(period):
    return reverse("periods:detail", args=[period.code])


def action_urls(team):
    code = team.period.code
    return {
        "lock": reverse("periods:lock", args=[code]),
        "unlock": reverse("periods:unlock", args=[code]),
        "unlock_unit": reverse("periods:unlock_unit", args=[code]),
        "relock_unit": reverse("periods:relock_unit", args=[code, team.unit.code]),
    }


def stored(period):
    return ReportingPeriod.objects.get(pk=period.pk)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def state(period):
    """What the actions change: the period's lock fields, its unit unlocks, its events."""
    p = stored(period)
    return (p.status, p.locked_at, p.locked_by_id, p.lock_reason, p.lock_changed_at,
            list(PeriodUnitUnlock.objects.values_list("unit_id", flat=True)),
            PeriodLockEvent.objects.count())


# ---------------------------------------------------------------- who reaches the page


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
def test_the_page_is_404_to_anyone_but_finance(team, who):
    assert as_user(getattr(team, who)).get(page_url(team.period)).status_code == 404


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
@pytest.mark.parametrize("action", ["lock", "unlock", "unlock_unit", "relock_unit"])
def test_every_action_is_404_to_anyone_but_finance_and_changes_nothing(team, who, action):
    if action != "lock":  # a state in which finance's POST would succeed
        lock(team.period, team.finance)
    if action == "relock_unit":
        unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    before = state(team.period)
    response = as_user(getattr(team, who)).post(
        action_urls(team)[action], {"reason": "想改数据", "unit": team.unit.code})
    assert response.status_code == 404
    assert state(team.period) == before


def test_an_anonymous_visitor_is_sent_to_log_in(team):
    client = Client()
    response = client.get(page_url(team.period))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    response = client.post(action_urls(team)["lock"], {"reason": REASON})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not stored(team.period).is_locked


def test_an_unknown_period_is_404_for_finance(team):
    client = as_user(team.finance)
    assert client.get(reverse("periods:detail", args=["1999-01"])).status_code == 404
    assert client.post(reverse("periods:lock", args=["1999-01"]),
                       {"reason": REASON}).status_code == 404


def test_the_page_takes_only_get_and_the_actions_only_post(team):
    client = as_user(team.finance)
    assert client.post(page_url(team.period)).status_code == 405
    for url in action_urls(team).values():
        assert client.get(url).status_code == 405


def test_finance_sees_the_open_period_with_its_lock_form(team):
    page = as_user(team.finance).get(page_url(team.period)).content.decode()
    assert team.period.name in page and "填报中" in page
    assert f'action="{action_urls(team)["lock"]}"' in page
    assert "暂无锁定记录" in page and "期间未锁定，所有单位都可以填写" in page


# ---------------------------------------------------------------- lock and unlock


def test_finance_locks_with_a_reason(team):
    with time_machine.travel(datetime.datetime(2026, 4, 1, 9, 30, tzinfo=SHANGHAI), tick=False):
        response = as_user(team.finance).post(action_urls(team)["lock"], {"reason": REASON},
                                              follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(page_url(team.period), 302)]
    page = response.content.decode()
    assert f"已锁定“{team.period.name}”" in page
    period = stored(team.period)
    assert period.is_locked and period.locked_by == team.finance and period.lock_reason == REASON
    event = PeriodLockEvent.objects.get()
    assert (event.action, event.reason, event.by, event.channel, event.unit) == (
        "lock", REASON, team.finance, Channel.PAGE, None)
    assert "已于 2026-04-01 09:30 由 王财政 锁定" in page and "解锁期间" in page


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_a_lock_without_a_reason_is_refused_with_a_message(team, reason):
    before = state(team.period)
    data = {} if reason is None else {"reason": reason}
    response = as_user(team.finance).post(action_urls(team)["lock"], data, follow=True)
    assert response.status_code == 200
    assert texts(response) == ["请填写原因。"]
    assert "请填写原因。" in response.content.decode()
    assert state(team.period) == before and not stored(team.period).is_locked


def test_a_reason_longer_than_the_form_allows_is_refused(team):
    response = as_user(team.finance).post(action_urls(team)["lock"], {"reason": "长" * 501})
    assert response.status_code == 302
    assert len(texts(response)) == 1 and "500" in texts(response)[0]
    assert not stored(team.period).is_locked and not PeriodLockEvent.objects.exists()


def test_locking_a_locked_period_says_so(team):
    lock(team.period, team.finance)
    before = state(team.period)
    response = as_user(team.finance).post(action_urls(team)["lock"], {"reason": "再锁"})
    assert texts(response) == ["该期间已锁定。"]
    assert state(team.period) == before


def test_finance_unlocks_with_a_reason(team):
    lock(team.period, team.finance)
    response = as_user(team.finance).post(action_urls(team)["unlock"], {"reason": "补录遗漏项目"},
                                          follow=True)
    assert f"已解锁“{team.period.name}”" in response.content.decode()
    period = stored(team.period)
    assert not period.is_locked and period.lock_reason == "" and period.locked_by is None
    assert PeriodLockEvent.objects.order_by("-id").first().action == "unlock"


def test_an_unlock_without_a_reason_is_refused(team):
    lock(team.period, team.finance)
    before = state(team.period)
    response = as_user(team.finance).post(action_urls(team)["unlock"], {"reason": " "})
    assert texts(response) == ["请填写原因。"]
    assert state(team.period) == before


def test_unlocking_an_open_period_says_so(team):
    response = as_user(team.finance).post(action_urls(team)["unlock"], {"reason": "解锁"})
    assert texts(response) == ["该期间未锁定。"]
    assert not PeriodLockEvent.objects.exists()


def test_a_superuser_may_lock(team, superuser):
    response = as_user(superuser).post(action_urls(team)["lock"], {"reason": REASON})
    assert response.status_code == 302 and stored(team.period).locked_by == superuser


# ---------------------------------------------------------------- one unit


@pytest.mark.parametrize("typed", ["{code}", " {code} ", "{code}-社保中心"])
def test_finance_unlocks_one_unit_by_its_code(team, typed):
    lock(team.period, team.finance)
    unit = typed.format(code=team.unit.code)
    response = as_user(team.finance).post(action_urls(team)["unlock_unit"],
                                          {"unit": unit, "reason": "迟报更正"}, follow=True)
    page = response.content.decode()
    assert f"已为 {team.unit} 单独解锁“{team.period.name}”" in page
    unlocked = PeriodUnitUnlock.objects.get()
    assert (unlocked.unit, unlocked.reason, unlocked.unlocked_by) == (
        team.unit, "迟报更正", team.finance)
    assert stored(team.period).is_locked
    event = PeriodLockEvent.objects.order_by("-id").first()
    assert (event.action, event.unit, event.channel) == ("unlock_unit", team.unit, Channel.PAGE)
    relock = reverse("periods:relock_unit", args=[team.period.code, team.unit.code])
    assert f'action="{relock}"' in page


def test_a_unit_unlock_accepts_the_unit_as_it_prints(team):
    lock(team.period, team.finance)
    response = as_user(team.finance).post(action_urls(team)["unlock_unit"],
                                          {"unit": str(team.unit), "reason": "迟报更正"})
    assert texts(response) == [f"已为 {team.unit} 单独解锁“{team.period.name}”，其他单位仍为锁定。"]
    assert PeriodUnitUnlock.objects.filter(unit=team.unit).exists()


def test_a_unit_unlock_of_an_unknown_code_says_so(team):
    lock(team.period, team.finance)
    before = state(team.period)
    response = as_user(team.finance).post(action_urls(team)["unlock_unit"],
                                          {"unit": "000000", "reason": "迟报更正"})
    assert texts(response) == ["没有代码为“000000”的单位。"]
    assert state(team.period) == before


def test_a_unit_unlock_without_a_reason_is_refused(team):
    lock(team.period, team.finance)
    before = state(team.period)
    response = as_user(team.finance).post(action_urls(team)["unlock_unit"],
                                          {"unit": team.unit.code, "reason": ""})
    assert texts(response) == ["请填写原因。"]
    assert state(team.period) == before


def test_a_unit_unlock_of_an_open_period_is_refused(team):
    response = as_user(team.finance).post(action_urls(team)["unlock_unit"],
                                          {"unit": team.unit.code, "reason": "迟报更正"})
    assert texts(response) == ["该期间未锁定，无需为单位解锁。"]
    assert not PeriodUnitUnlock.objects.exists() and not PeriodLockEvent.objects.exists()


def test_finance_relocks_a_unit(team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    response = as_user(team.finance).post(action_urls(team)["relock_unit"], {"reason": "更正完成"},
                                          follow=True)
    assert f"已重新锁定 {team.unit}。" in response.content.decode()
    assert not PeriodUnitUnlock.objects.exists() and stored(team.period).is_locked
    event = PeriodLockEvent.objects.order_by("-id").first()
    assert (event.action, event.unit, event.reason) == ("relock_unit", team.unit, "更正完成")


def test_relocking_a_unit_that_is_not_unlocked_says_so(team):
    lock(team.period, team.finance)
    response = as_user(team.finance).post(action_urls(team)["relock_unit"], {"reason": "更正完成"})
    assert texts(response) == ["该单位没有单独解锁。"]
    assert PeriodLockEvent.objects.count() == 1


def test_relocking_an_unknown_unit_is_404(team):
    lock(team.period, team.finance)
    url = reverse("periods:relock_unit", args=[team.period.code, "000000"])
    assert as_user(team.finance).post(url, {"reason": "更正完成"}).status_code == 404


# ---------------------------------------------------------------- next


@pytest.mark.parametrize("action", ["lock", "unlock_unit"])
def test_next_brings_finance_back_to_a_local_page(team, action):
    if action == "unlock_unit":
        lock(team.period, team.finance)
    back = f"{reverse('dashboard:overview')}?period={team.period.code}"
    response = as_user(team.finance).post(
        action_urls(team)[action], {"reason": REASON, "unit": team.unit.code, "next": back})
    assert response.status_code == 302 and response["Location"] == back


def test_next_is_followed_after_a_refusal_too(team):
    back = f"{reverse('dashboard:overview')}?period={team.period.code}"
    response = as_user(team.finance).post(action_urls(team)["lock"], {"next": back})
    assert response["Location"] == back and texts(response) == ["请填写原因。"]


def test_relock_follows_next(team):
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    back = reverse("dashboard:overview")
    response = as_user(team.finance).post(action_urls(team)["relock_unit"], {"next": back})
    assert response["Location"] == back and not PeriodUnitUnlock.objects.exists()


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example", "//evil.example/periods/", "http:/evil.example",
    "javascript:alert(1)", "evil.example", "",
])
def test_next_off_the_site_falls_back_to_the_period_page(team, target):
    response = as_user(team.finance).post(action_urls(team)["lock"],
                                          {"reason": REASON, "next": target})
    assert response.status_code == 302 and response["Location"] == page_url(team.period)
    assert stored(team.period).is_locked


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", "/\n/evil.example"])
def test_next_with_a_backslash_or_a_control_character_stays_on_the_site(team, target):
    """Browsers read '/\\host' and '/<TAB>/host' as '//host'; the Location sent is
    percent-encoded ('/%5Chost'), a path of this site."""
    response = as_user(team.finance).post(action_urls(team)["lock"],
                                          {"reason": REASON, "next": target})
    location = response["Location"]
    assert response.status_code == 302 and location.startswith("/")
    assert location[1] not in "/\\\t\n" and "evil.example" in location
    assert url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"})


# ---------------------------------------------------------------- what the page shows


def test_the_page_lists_the_unit_unlocks_and_the_events(team):
    late = UnitFactory(code="000001", name="迟报单位")
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正一")
    unlock_unit(team.period, late, team.finance, "迟报更正二")
    relock_unit(team.period, late, team.finance, "更正完成")
    page = as_user(team.finance).get(page_url(team.period)).content.decode()
    unlocks = page[page.index('id="unit-unlocks"'):page.index('id="lock-events"')]
    assert team.unit.code in unlocks and "迟报更正一" in unlocks
    assert "迟报更正二" not in unlocks  # relocked: no longer listed
    events = page[page.index('id="lock-events"'):]
    for text in (REASON, "迟报更正一", "迟报更正二", "更正完成", "锁定期间", "为单位解锁",
                 "重新锁定单位", "全部单位", "000001 迟报单位", "王财政", "页面"):
        assert text in events
    assert events.index("重新锁定单位") < events.index("锁定期间")  # newest first


def test_the_page_escapes_a_reason_with_a_script(team):
    evil = "<script>alert('x')</script>"
    lock(team.period, team.finance, evil)
    unlock_unit(team.period, team.unit, team.finance, evil)
    page = as_user(team.finance).get(page_url(team.period)).content.decode()
    assert "<script>alert(" not in page
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    assert page.count(escaped) == 4  # the lock panel, the unit's unlock, the two events


def test_the_page_and_its_messages_escape_a_unit_name_with_a_script(team):
    lock(team.period, team.finance)
    team.unit.name = "<script>alert(1)</script>"
    team.unit.save()
    response = as_user(team.finance).post(action_urls(team)["unlock_unit"],
                                          {"unit": team.unit.code, "reason": "迟报更正"},
                                          follow=True)
    page = response.content.decode()
    assert "单独解锁" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def get_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_page_queries_do_not_grow_with_events_and_unlocks(team):
    client = as_user(team.finance)
    url = page_url(team.period)
    lock(team.period, team.finance)
    unlock_unit(team.period, team.unit, team.finance, "迟报更正")
    few = get_queries(client, url)
    units = [UnitFactory() for _ in range(8)]
    for unit in units:
        unlock_unit(team.period, unit, team.finance, "迟报更正")
    for unit in units[:4]:
        relock_unit(team.period, unit, team.finance, "更正完成")
    many = get_queries(client, url)
    assert PeriodLockEvent.objects.count() == 14 and PeriodUnitUnlock.objects.count() == 5
    assert many == few
    assert few <= 10
