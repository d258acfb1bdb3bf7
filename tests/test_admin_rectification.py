"""The admin of 问题整改 (performance.admin_rectification): items listed, filtered and searched
for a superuser, shown read-only with their evidence and history (text escaped), confirmed only
through the service by the admin action (history channel admin), bounded changelist queries."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.models import Rectification
from performance.services import rectification as service
from performance.services.evidence import upload_evidence
from tests import evidence_files as f
from tests.entry_setup import make_team
from tests.factories import RectificationFactory

pytestmark = pytest.mark.django_db
EVIL = "<script>alert(1)</script>"
CHANGELIST = reverse("admin:performance_rectification_changelist")


@pytest.fixture
def admin_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def team():
    return make_team()


def make(team, **extra):
    return RectificationFactory(project=team.project, unit=team.unit, period=team.period,
                                **extra)


def test_the_changelist_lists_filters_and_searches(admin_client, team):
    make(team, problem="台账不全")
    make(team, problem="进度滞后", status="in_progress")
    text = admin_client.get(CHANGELIST).content.decode()
    assert "台账不全" in text and "进度滞后" in text
    filtered = admin_client.get(CHANGELIST, {"status__exact": "in_progress"}).content.decode()
    assert "进度滞后" in filtered and "台账不全" not in filtered
    found = admin_client.get(CHANGELIST, {"q": "台账"}).content.decode()
    assert "台账不全" in found and "进度滞后" not in found


def test_an_item_is_shown_read_only_with_its_evidence_and_history_escaped(admin_client, team):
    item = make(team, problem=EVIL)
    upload_evidence(team.project, team.period, team.filler, [f.upload("整改.pdf")],
                    rectification=item)
    service.start(item, team.filler, progress=EVIL)
    response = admin_client.get(reverse("admin:performance_rectification_change",
                                        args=[item.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert EVIL not in text and "&lt;script&gt;" in text
    assert "整改.pdf" in text and "开始整改" in text
    assert 'name="problem"' not in text  # no editable field
    assert admin_client.get(reverse("admin:performance_rectification_add")).status_code == 403


def test_the_admin_action_confirms_done_items_through_the_service(admin_client, team, superuser):
    done = make(team, status="done", progress="已整改")
    pending = make(team)
    response = admin_client.post(CHANGELIST, {"action": "confirm_selected",
                                              "_selected_action": [done.pk, pending.pk]},
                                 follow=True)
    assert "已确认 1 项" in response.content.decode()
    assert "1 项不是“已整改”" in response.content.decode()
    done.refresh_from_db()
    pending.refresh_from_db()
    assert (done.status, done.confirmed_by, pending.status) == ("confirmed", superuser, "pending")
    row = done.history.order_by("history_id").last()
    assert (row.history_channel, row.history_change_reason) == ("admin", "确认整改完成")


def test_items_cannot_be_deleted_here(admin_client, team):
    item = make(team)
    assert admin_client.get(reverse("admin:performance_rectification_delete",
                                    args=[item.pk])).status_code == 403


def test_the_changelist_reads_a_bounded_number_of_queries(admin_client, team):
    for n in range(40):
        make(team, problem=f"问题{n}", deadline=datetime.date(2026, 6, 1 + n % 28))
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(CHANGELIST).status_code == 200
    assert len(queries) <= 15
    assert Rectification.objects.count() == 40
