"""The review pages: who sees what, filters, Excel export, decisions, and bounded queries."""

from io import BytesIO

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from budget.models import Project, Role
from performance.models import FindingDecision, ProjectReview
from performance.review.service import review_unit
from tests.factories import IndicatorFactory, MembershipFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("review:unit", args=["342601", 2025])
EXPORT = reverse("review:export", args=["342601", 2025])
ACCEPT = reverse("review:accept", args=["342601", 2025])


@pytest.fixture
def member(seeded):
    return MembershipFactory(unit=seeded.unit, role=Role.FILLER).user


@pytest.fixture
def reviewer(db):
    return MembershipFactory(unit=None, role=Role.FINANCE_REVIEWER).user


@pytest.fixture
def outsider(seeded):
    return MembershipFactory(role=Role.UNIT_REVIEWER).user  # a member of another unit


def login(client, user):
    client.force_login(user)
    return client


def a_finding(unit, rule="detail_sum_mismatch"):
    return next(f for f in review_unit(unit, 2025).findings if f.rule == rule)


def test_a_unit_member_sees_the_review_of_their_unit(client, member):
    response = login(client, member).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "城镇企业职工基本养老保险在职参保人数" in page and "1,072.86" in page
    assert "接受说明" not in page  # no decision forms for a unit member


def test_a_finance_reviewer_sees_every_unit_and_the_decision_forms(client, reviewer, seeded):
    page = login(client, reviewer).get(PAGE).content.decode()
    assert "接受说明" in page and "记录审核结果" in page
    assert "342601" in login(client, reviewer).get(reverse("review:index")).content.decode()


@pytest.mark.parametrize("url", [PAGE, EXPORT])
def test_an_outsider_gets_404(client, outsider, url):
    assert login(client, outsider).get(url).status_code == 404


def test_an_unknown_unit_is_404_even_for_a_reviewer(client, reviewer):
    assert login(client, reviewer).get(reverse("review:unit", args=["000000", 2025])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(client, seeded):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_index_lists_only_the_units_a_user_may_see(client, outsider):
    assert "342601" not in login(client, outsider).get(reverse("review:index")).content.decode()


def test_findings_filter_by_severity_and_rule(client, member):
    login(client, member)
    page = client.get(PAGE, {"rule": "unit_mismatch"}).content.decode()
    assert "工伤保险参保人数" in page and "1,072.86" not in page
    assert "没有符合条件的审核问题" in client.get(PAGE, {"severity": "error"}).content.decode()


def test_the_findings_export_to_excel(client, member):
    response = login(client, member).get(EXPORT, {"rule": "unit_mismatch"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.values)
    assert rows[0][:4] == ("单位", "年度", "严重程度", "规则代码")
    assert {row[6] for row in rows[1:]} == {"工伤保险参保人数", "城镇企业职工基本养老保险在职参保人数"}
    assert {row[7] for row in rows[1:]} == {19, 22}


def test_cells_that_look_like_formulas_are_exported_as_text(client, member):
    Project.objects.filter(name="乡村振兴经费").update(name="=HYPERLINK(\"http://x\")")
    sheet = load_workbook(BytesIO(login(client, member).get(EXPORT).content)).active
    (cell,) = [row[5] for row in sheet.iter_rows() if row[5].value == "=HYPERLINK(\"http://x\")"]
    assert cell.data_type == "s" and cell.quotePrefix  # the text unchanged, never a formula


def test_a_finance_reviewer_accepts_a_finding_with_a_note(client, reviewer, seeded):
    finding = a_finding(seeded.unit)
    response = login(client, reviewer).post(
        ACCEPT, {"key": finding.key, "note": "原表四舍五入", "next": PAGE + "?status=all"})
    assert response.status_code == 302 and response["Location"] == PAGE + "?status=all"
    decision = FindingDecision.objects.get(key=finding.key)
    assert (decision.decided_by, decision.note) == (reviewer, "原表四舍五入")
    assert finding.message[:20] not in client.get(PAGE).content.decode()
    assert "原表四舍五入" in client.get(PAGE, {"status": "accepted"}).content.decode()
    client.post(reverse("review:reopen", args=["342601", 2025]), {"key": finding.key})
    assert not FindingDecision.objects.exists()


def test_accepting_needs_a_note_and_a_current_finding(client, reviewer, seeded):
    login(client, reviewer)
    client.post(ACCEPT, {"key": a_finding(seeded.unit).key, "note": ""})
    assert client.post(ACCEPT, {"key": "no:such:key", "note": "x"}).status_code == 404
    assert not FindingDecision.objects.exists()


def test_a_unit_member_may_not_decide_and_an_outsider_gets_404(client, member, outsider, seeded):
    key = a_finding(seeded.unit).key
    project = Project.objects.get(name="乡村振兴经费")
    result_url = reverse("review:project_result", args=[project.pk])
    assert login(client, member).post(ACCEPT, {"key": key, "note": "x"}).status_code == 403
    assert client.post(result_url, {"result": "passed"}).status_code == 403
    assert login(client, outsider).post(ACCEPT, {"key": key, "note": "x"}).status_code == 404
    assert client.post(result_url, {"result": "passed"}).status_code == 404
    assert not FindingDecision.objects.exists() and not ProjectReview.objects.exists()


def test_decisions_need_post_and_a_csrf_token(reviewer, seeded):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    assert client.get(ACCEPT).status_code == 405
    assert client.post(ACCEPT, {"key": a_finding(seeded.unit).key, "note": "x"}).status_code == 403


def test_a_finance_reviewer_records_a_project_result(client, reviewer, seeded):
    project = Project.objects.get(name="乡村振兴经费")
    url = reverse("review:project_result", args=[project.pk])
    login(client, reviewer)
    client.post(url, {"result": "rejected", "note": ""})
    assert not ProjectReview.objects.exists()  # 不通过 needs a note
    client.post(url, {"result": "rejected", "note": "成本指标不清"})
    client.post(url, {"result": "passed_after_changes", "note": "已修改"})
    review = ProjectReview.objects.get()
    assert (review.result, review.reviewer) == ("passed_after_changes", reviewer)
    assert "修改后通过" in client.get(PAGE).content.decode()


def make_projects(unit, n):
    for _ in range(n):
        project = ProjectFactory(unit=unit)
        IndicatorFactory(project=project, unit="%", name="参保人数")  # a finding per project
        for _ in range(2):
            IndicatorFactory(project=project)


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", [Role.FILLER, Role.FINANCE_REVIEWER])
def test_page_queries_do_not_grow_with_projects(client, role):
    user = UserFactory()
    unit = ProjectFactory().unit
    MembershipFactory(user=user, unit=None if role == Role.FINANCE_REVIEWER else unit, role=role)
    login(client, user)
    url = reverse("review:unit", args=[unit.code, 2025])
    make_projects(unit, 2)
    few = queries_for(client, url)
    make_projects(unit, 25)
    assert queries_for(client, url) == few <= 15  # 15: the header's review queue (finance)


def test_the_admin_action_shows_the_findings_of_the_selected_projects(client, superuser, seeded):
    ids = Project.objects.filter(name="社会保险全民参保工作专项经费").values_list("pk", flat=True)
    response = login(client, superuser).post(
        reverse("admin:budget_project_changelist"),
        {"action": "run_target_review", "_selected_action": list(ids)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "目标审核结果" in page and "城镇企业职工基本养老保险在职参保人数" in page


@pytest.mark.parametrize("name", ["performance_findingdecision", "performance_projectreview"])
def test_the_decision_changelists_render(client, superuser, seeded, name):
    assert login(client, superuser).get(reverse(f"admin:{name}_changelist")).status_code == 200
