"""The 问题整改 pages: the list (filters, counts, overdue in red, paging), one item with its
history, evidence and the forms of the allowed steps, the steps posted (refusals and stale
pages shown), raising by hand (finance only), the Excel export; a unit member, its reviewer,
its 主管部门 and finance see the unit's items, an outsider gets 404; bounded queries."""

import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from budget.models import Role
from performance.models import Notice, Rectification
from performance.services import rectification as service
from performance.services.evidence import upload_evidence
from tests import evidence_files as f
from tests.entry_setup import make_team
from tests.factories import MembershipFactory, ProjectFactory, RectificationFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.datetime(2026, 7, 10, 9, tzinfo=datetime.UTC)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def item(team):
    return RectificationFactory(project=team.project, unit=team.unit, period=team.period,
                                problem="培训台账不完整<b>", deadline=datetime.date(2026, 6, 30))


@pytest.fixture
def department(team):
    user = UserFactory(first_name="孙主管")
    MembershipFactory(user=user, unit=None, department=team.unit.department,
                      role=Role.DEPARTMENT_REVIEWER)
    return user


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def detail(item):
    return reverse("rectification:detail", args=[item.pk])


def act(item, action):
    return reverse("rectification:act", args=[item.pk, action])


# ------------------------------------------------------------------------------ who sees


@pytest.mark.parametrize("who", ["filler", "reviewer", "finance", "department"])
def test_the_unit_its_department_and_finance_see_the_item(team, item, department, who):
    user = department if who == "department" else getattr(team, who)
    response = as_user(user).get(detail(item))
    assert response.status_code == 200
    text = response.content.decode()
    assert "培训台账不完整&lt;b&gt;" in text  # escaped
    listed = as_user(user).get(reverse("rectification:list")).content.decode()
    assert f'data-pk="{item.pk}"' in listed


def test_an_outsider_gets_404_and_an_empty_list(team, item):
    client = as_user(team.outsider)
    assert client.get(detail(item)).status_code == 404
    assert client.post(act(item, "start"), {"version": 0}).status_code == 404
    assert f'data-pk="{item.pk}"' not in client.get(reverse("rectification:list")).content.decode()


def test_someone_without_a_role_gets_404_everywhere(item):
    client = as_user(UserFactory())
    for name in ("list", "export", "new"):
        assert client.get(reverse(f"rectification:{name}")).status_code == 404
    assert client.get(detail(item)).status_code == 404


def test_the_navigation_shows_the_link_to_members_only(team):
    assert "rectification-link" in as_user(team.filler).get(reverse("entry:home")).content.decode()


# ------------------------------------------------------------------------------ the list


@time_machine.travel(TODAY, tick=False)
def test_the_list_filters_counts_and_marks_overdue(team, item):
    other = RectificationFactory(project=ProjectFactory(unit=team.other_unit), period=team.period,
                                 source="red_light", source_key="k1", status="in_progress",
                                 deadline=datetime.date(2026, 12, 31))
    client = as_user(team.finance)
    text = client.get(reverse("rectification:list")).content.decode()
    assert "overdue" in text and 'data-status="pending"' in text
    assert "response-missing" in text  # the red light waits for its response
    filtered = client.get(reverse("rectification:list"), {"overdue": "on"}).content.decode()
    assert f'data-pk="{item.pk}"' in filtered and f'data-pk="{other.pk}"' not in filtered
    by_source = client.get(reverse("rectification:list"), {"source": "red_light"}).content.decode()
    assert f'data-pk="{other.pk}"' in by_source and f'data-pk="{item.pk}"' not in by_source
    missing = client.get(reverse("rectification:list"),
                         {"response_missing": "on"}).content.decode()
    assert f'data-pk="{other.pk}"' in missing and f'data-pk="{item.pk}"' not in missing
    by_unit = client.get(reverse("rectification:list"),
                         {"unit": team.other_unit.pk, "status": "in_progress",
                          "period": team.period.code}).content.decode()
    assert f'data-pk="{other.pk}"' in by_unit and f'data-pk="{item.pk}"' not in by_unit


def test_the_list_reads_a_bounded_number_of_queries(team):
    for n in range(30):
        RectificationFactory(project=team.project, unit=team.unit, period=team.period,
                             problem=f"问题{n}")
    client = as_user(team.filler)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("rectification:list")).status_code == 200
    assert len(queries) <= 12


# ------------------------------------------------------------------------------ one item


def test_the_unit_sees_its_forms_and_finance_its_own(team, item):
    unit_page = as_user(team.filler).get(detail(item)).content.decode()
    assert 'id="action-start"' in unit_page and 'id="action-report_done"' in unit_page
    assert 'id="action-confirm"' not in unit_page and 'id="evidence-upload"' in unit_page
    finance_page = as_user(team.finance).get(detail(item)).content.decode()
    assert 'id="action-edit"' in finance_page and 'id="action-start"' not in finance_page
    assert 'id="evidence-upload"' not in finance_page


def test_the_unit_reports_done_and_finance_confirms_through_the_page(team, item):
    response = as_user(team.reviewer).post(act(item, "report_done"),
                                           {"version": 0, "progress": "已补齐"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"
    page = as_user(team.finance).get(detail(item)).content.decode()
    assert 'id="action-confirm"' in page and "报送整改完成：已补齐" in page  # the history
    as_user(team.finance).post(act(item, "confirm"), {"version": 1})
    item.refresh_from_db()
    assert item.status == "confirmed"


def test_a_refusal_is_shown_and_what_was_typed_kept(team, item):
    service.start(item, team.filler)
    response = as_user(team.reviewer).post(act(item, "report_done"),
                                           {"version": 0, "progress": "我的整改情况"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "其他人已修改" in text and "我的整改情况" in text
    assert Rectification.objects.get().status == "in_progress"


def test_an_unknown_action_is_404(team, item):
    assert as_user(team.filler).post(act(item, "explode"), {"version": 0}).status_code == 404


def test_a_warning_shows_the_response_form(team):
    warned, _ = service.raise_rectification(
        project=team.project, period=team.period, source="impossible", problem="无法完成",
        required_action="选择应对方式", deadline=datetime.date(2026, 9, 30), source_key="imp:1",
        response_deadline=datetime.date(2026, 7, 15))
    client = as_user(team.filler)
    page = client.get(detail(warned)).content.decode()
    assert 'id="action-respond"' in page and 'id="response-missing"' in page
    assert 'id="action-report_done"' not in page  # not before a response
    client.post(act(warned, "respond"), {"version": 0, "response": "adjust", "note": "调剂"})
    warned.refresh_from_db()
    assert warned.response == "adjust"


def test_evidence_is_uploaded_through_the_evidence_view_and_listed(team, item):
    client = as_user(team.filler)
    response = client.post(
        reverse("evidence:upload") + f"?project={team.project.pk}&period={team.period.code}"
        f"&rectification={item.pk}", {"files": [f.upload("整改报告.pdf")]})
    assert response.status_code == 302 and response.url == detail(item) + "#evidence"
    assert item.evidence.count() == 1
    assert "整改报告.pdf" in client.get(detail(item)).content.decode()
    assert as_user(team.finance).get(detail(item)).status_code == 200


def test_the_detail_reads_a_bounded_number_of_queries(team, item):
    for name in ("a.pdf", "b.pdf", "c.pdf"):
        upload_evidence(team.project, team.period, team.filler, [f.upload(name)],
                        rectification=item)
    service.start(item, team.filler)
    service.report_done(item, team.filler, "已整改")
    client = as_user(team.finance)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail(item)).status_code == 200
    assert len(queries) <= 12


# ------------------------------------------------------------------------------ by hand


def test_finance_raises_an_item_from_the_project_page_link(team):
    client = as_user(team.finance)
    project_page = client.get(reverse("entry:project", args=[team.project.pk]),
                              {"period": team.period.code}).content.decode()
    assert "raise-rectification-link" in project_page
    new = reverse("rectification:new") + f"?project={team.project.pk}&period={team.period.code}"
    form = client.get(new).content.decode()
    assert team.project.name in form and team.indicators[0].name in form
    response = client.post(new, {
        "unit_code": team.unit.code, "project_name": team.project.name,
        "period": team.period.code, "indicator": team.indicators[0].pk, "problem": "台账不全",
        "required_action": "补齐", "deadline": "2026-09-30"})
    made = Rectification.objects.get()
    assert response.status_code == 302 and response.url == detail(made)
    assert (made.source, made.raised_by, made.indicator) == ("manual", team.finance,
                                                            team.indicators[0])
    assert made.history.get().history_channel == "page"
    assert Notice.objects.filter(recipient=team.filler).exists()


def test_raising_by_hand_names_a_project_not_found(team):
    response = as_user(team.finance).post(reverse("rectification:new"), {
        "unit_code": team.unit.code, "project_name": "没有这个项目", "period": team.period.code,
        "problem": "x", "required_action": "y", "deadline": "2026-09-30"})
    assert response.status_code == 200 and "未找到单位" in response.content.decode()
    assert not Rectification.objects.exists()


def test_the_unit_cannot_raise_by_hand(team):
    assert as_user(team.filler).get(reverse("rectification:new")).status_code == 404
    project_page = as_user(team.filler).get(reverse("entry:project", args=[team.project.pk]),
                                            {"period": team.period.code}).content.decode()
    assert "raise-rectification-link" not in project_page


# ------------------------------------------------------------------------------ export


def test_the_export_holds_the_filtered_items_and_keeps_formulas_as_text(team, item):
    RectificationFactory(project=ProjectFactory(unit=team.other_unit), period=team.period,
                         problem="=HYPERLINK(\"x\")")
    response = as_user(team.finance).get(reverse("rectification:export"),
                                         {"unit": team.other_unit.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1 and rows[0][6] == "=HYPERLINK(\"x\")"
    assert sheet.cell(row=3, column=7).data_type == "s"


def test_the_unit_exports_only_its_own_items(team, item):
    RectificationFactory(project=ProjectFactory(unit=team.other_unit), period=team.period)
    response = as_user(team.filler).get(reverse("rectification:export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == [team.unit.code]
