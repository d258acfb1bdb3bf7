"""整改事项 counted per unit (performance.services.rectification_counts) and shown on the finance
overview: one aggregated query, overdue ones first, links to the filtered list."""

import datetime
import functools
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.services.rectification_counts import Counts, counts_by_unit
from tests.dashboard_world import build_world
from tests.factories import ProjectFactory, RectificationFactory, UnitFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 7, 1)
PAST, FUTURE = datetime.date(2026, 6, 30), datetime.date(2026, 7, 31)
OVERVIEW = reverse("dashboard:overview") + "?period=2025-07"
CONFIRMED_AT = datetime.datetime(2026, 6, 1, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


def items(unit, *, pending=0, in_progress=0, overdue=0, done=0, confirmed=0, period=None):
    """Items of a new project of `unit` (in `period`: on the overview, its own period, since
    another period would add a query of its own to the page)."""
    project = ProjectFactory(unit=unit)
    make = functools.partial(RectificationFactory, project=project,
                             **({"period": period} if period else {}))
    for _ in range(pending):
        make(deadline=FUTURE)
    for _ in range(in_progress):
        make(deadline=FUTURE, status="in_progress")
    for n in range(overdue):
        make(deadline=PAST, status="in_progress" if n % 2 else "pending")
    for _ in range(done):  # past the deadline, but reported done: not overdue
        make(deadline=PAST, status="done", progress="已补齐")
    for _ in range(confirmed):
        make(deadline=PAST, status="confirmed", progress="已补齐", confirmed_at=CONFIRMED_AT)


def test_counts_per_unit_open_overdue_done_and_confirmed():
    a, b = UnitFactory(code="900001", name="甲单位"), UnitFactory(code="900002", name="乙单位")
    UnitFactory(code="900003")  # no items: not listed
    items(a, pending=2, in_progress=1, overdue=2, done=1, confirmed=3)
    items(b, done=2)

    counts = counts_by_unit(today=TODAY)

    assert counts == {
        a.pk: Counts(a.pk, "900001", "甲单位", open=5, overdue=2, done=1, confirmed=3),
        b.pk: Counts(b.pk, "900002", "乙单位", open=0, overdue=0, done=2, confirmed=0),
    }
    assert counts[a.pk].total == 9


def test_the_deadline_day_is_not_yet_overdue():
    unit = UnitFactory()
    items(unit, pending=1)

    assert counts_by_unit(today=FUTURE)[unit.pk].overdue == 0
    assert counts_by_unit(today=FUTURE + datetime.timedelta(days=1))[unit.pk].overdue == 1


def test_units_with_most_overdue_first_limited_and_filtered_by_unit():
    quiet, late, later = UnitFactory(code="900001"), UnitFactory(code="900002"), UnitFactory(
        code="900003")
    items(quiet, pending=5)
    items(late, overdue=1)
    items(later, overdue=3)

    assert list(counts_by_unit(today=TODAY)) == [later.pk, late.pk, quiet.pk]
    assert list(counts_by_unit(today=TODAY, limit=2)) == [later.pk, late.pk]
    assert list(counts_by_unit([quiet.pk], today=TODAY)) == [quiet.pk]


def test_counting_is_one_query_however_many_units(django_assert_num_queries):
    for n in range(6):
        items(UnitFactory(), pending=n, done=1, confirmed=1)
    with django_assert_num_queries(1):
        assert len(counts_by_unit(today=TODAY)) == 6


# --- the overview page ----------------------------------------------------------------------


def section(page: str) -> str:
    return page[page.index('id="rectification"'):]


def test_finance_sees_the_counts_with_links_to_the_filtered_list(client):
    world = build_world()
    items(world.unit, pending=1, overdue=2, done=1, confirmed=1, period=world.period)
    client.force_login(world.finance)

    with time_machine.travel(datetime.datetime(2026, 7, 1, 2, tzinfo=datetime.UTC)):
        page = section(client.get(OVERVIEW).content.decode())

    listing = reverse("rectification:list")
    row = re.search(r"<tr>\s*<td><a[^>]*>342601 .*?</tr>", page, re.S).group()
    cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
    assert [re.sub(r"<[^>]+>", "", c) for c in cells] == ["3", "2", "1", "1"]
    unit = world.unit.pk
    assert f'href="{listing}?unit={unit}"' in row
    assert f'href="{listing}?unit={unit}&amp;overdue=on"' in row
    assert f'href="{listing}?unit={unit}&amp;status=done"' in row
    assert f'href="{listing}?unit={unit}&amp;status=confirmed"' in row
    assert "342602" not in page  # no items


def test_the_overview_without_items_says_so(client):
    world = build_world()
    client.force_login(world.finance)

    assert "还没有整改事项" in section(client.get(OVERVIEW).content.decode())


def test_the_counts_are_live_not_cached_with_the_overview(client):
    world = build_world()
    client.force_login(world.finance)
    client.get(OVERVIEW)
    items(world.unit, pending=1, period=world.period)

    assert "342601" in section(client.get(OVERVIEW).content.decode())


def test_the_counts_cost_one_query_however_many_units(client):
    world = build_world()
    client.force_login(world.finance)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            client.get(OVERVIEW)
        return len(ctx)

    client.get(OVERVIEW)  # the cached content warmed
    before = queries()
    for _ in range(5):
        items(UnitFactory(), pending=1, overdue=1, period=world.period)
    client.get(OVERVIEW)
    assert queries() == before


def test_a_unit_member_is_sent_to_their_unit_and_an_outsider_gets_404(client):
    world = build_world()
    items(world.unit, pending=1, period=world.period)
    for user in (world.filler, world.reviewer):
        client.force_login(user)
        response = client.get(OVERVIEW)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("dashboard:unit", args=["342601"]))
    client.force_login(User.objects.create(username="nobody"))
    assert client.get(OVERVIEW).status_code == 404
