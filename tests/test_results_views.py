"""The 结果应用 pages: who sees which units, the filters, finance's override form with its
errors, the recompute button, the workbook, and bounded queries."""

import io
from decimal import Decimal as D

import openpyxl
import pytest
from django.urls import reverse

from budget.models import Role
from performance.models import BudgetSuggestion
from performance.services.results import compute_suggestions, override
from tests.entry_setup import make_team
from tests.factories import (
    DepartmentFactory,
    MembershipFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
LIST = reverse("results:list")


@pytest.fixture
def team():
    team = make_team(indicators=1)
    ProjectRecordFactory(project=team.project, period=team.period, score_grade="中",
                         score_total=D("70"))
    other = ProjectFactory(unit=team.other_unit, name="外单位项目", budget_amount=D("50"))
    ProjectRecordFactory(project=other, period=team.period, score_grade="优", score_total=D("95"))
    compute_suggestions(team.period)
    team.other_project = other
    return team


def get(client, user, url=LIST, **params):
    client.force_login(user)
    return client.get(url, params)


def row(team, project=None):
    return BudgetSuggestion.objects.get(project=project or team.project)


def test_finance_sees_every_unit_with_forms(client, team):
    response = get(client, team.finance)
    html = response.content.decode()
    assert response.status_code == 200
    assert team.project.name in html and "外单位项目" in html
    assert "保存调整" in html and 'id="compute-form"' in html
    assert "（自评）" in html and "90.00" in html


def test_unit_member_sees_only_its_unit_read_only(client, team):
    for user in (team.filler, team.reviewer):
        html = get(client, user).content.decode()
        assert team.project.name in html and "外单位项目" not in html
        assert "保存调整" not in html and "compute-form" not in html
        assert "本页只读" in html


def test_department_reviewer_sees_its_departments_units(client, team):
    department = DepartmentFactory(code="343", name="另一主管部门")
    team.unit.department = department
    team.unit.save()
    user = UserFactory()
    MembershipFactory(user=user, unit=None, department=department, role=Role.DEPARTMENT_REVIEWER)
    html = get(client, user).content.decode()
    assert team.project.name in html and "外单位项目" not in html and "保存调整" not in html


def test_outsider_sees_neither_other_units_nor_their_filter(client, team):
    html = get(client, team.outsider).content.decode()
    assert team.project.name not in html
    assert get(client, team.outsider, unit=team.unit.code).status_code == 404
    assert get(client, UserFactory()).status_code == 404


def test_filters(client, team):
    html = get(client, team.finance, unit=team.unit.code).content.decode()
    assert team.project.name in html and "外单位项目" not in html
    html = get(client, team.finance, grade="优").content.decode()
    assert team.project.name not in html and "外单位项目" in html
    html = get(client, team.finance, action="cut").content.decode()
    assert team.project.name in html and "外单位项目" not in html
    suggestion = row(team)
    override(suggestion, team.finance, "keep", None, None, "理由", version=0)
    html = get(client, team.finance, overridden="yes").content.decode()
    assert team.project.name in html and "外单位项目" not in html
    html = get(client, team.finance, action="keep").content.decode()  # the final action
    assert team.project.name in html


def test_summary_per_unit(client, team):
    response = get(client, team.finance)
    summary = response.context["summary"]
    assert [line.code for line in summary] == sorted([team.unit.code, team.other_unit.code]) + [""]
    total = summary[-1]
    assert (total.projects, total.base, total.suggested) == (2, D("150.00"), D("140.00"))


def test_override_form_saves_and_redirects_back(client, team):
    client.force_login(team.finance)
    suggestion = row(team)
    back = f"{LIST}?period={team.period.code}&unit={team.unit.code}"
    response = client.post(reverse("results:override", args=[suggestion.id]),
                           {"action": "cut", "rate": "20", "amount": "", "reason": "执行偏慢",
                            "version": "0", "back": back})
    assert response.status_code == 302 and response.url == back
    suggestion.refresh_from_db()
    assert (suggestion.override_amount, suggestion.overridden_by) == (D("80.00"), team.finance)
    html = client.get(back).content.decode()
    assert "执行偏慢" in html and "王财政" in html


def test_override_form_errors_shown_at_the_row(client, team):
    client.force_login(team.finance)
    suggestion = row(team)
    response = client.post(reverse("results:override", args=[suggestion.id]),
                           {"action": "cut", "rate": "150", "reason": "", "version": "0",
                            "back": LIST})
    html = response.content.decode()
    assert response.status_code == 400
    assert "压缩比例应在 0 到 100 之间" in html and "请填写调整理由" in html
    assert 'value="150"' in html


def test_stale_override_refused(client, team):
    client.force_login(team.finance)
    suggestion = row(team)
    override(suggestion, team.finance, "keep", None, None, "先", version=0)
    response = client.post(reverse("results:override", args=[suggestion.id]),
                           {"action": "cancel", "reason": "后", "version": "0", "back": LIST})
    assert response.status_code == 400 and "请刷新" in response.content.decode()


def test_clear_override_from_the_form(client, team):
    client.force_login(team.finance)
    suggestion = row(team)
    override(suggestion, team.finance, "keep", None, None, "先", version=0)
    client.post(reverse("results:override", args=[suggestion.id]),
                {"clear": "1", "version": "1", "back": LIST})
    suggestion.refresh_from_db()
    assert suggestion.override_action == ""


def test_only_finance_posts(client, team):
    suggestion = row(team)
    for user in (team.filler, team.reviewer, team.outsider):
        client.force_login(user)
        url = reverse("results:override", args=[suggestion.id])
        assert client.post(url, {"action": "keep", "reason": "x", "version": "0"}
                           ).status_code == 404
        assert client.post(reverse("results:compute"), {"period": team.period.code}
                           ).status_code == 404
    suggestion.refresh_from_db()
    assert suggestion.override_action == ""


def test_grade_changed_flag_on_the_list(client, team):
    suggestion = row(team)
    override(suggestion, team.finance, "keep", None, None, "理由", version=0)
    team.project.records.filter(period=team.period).update(score_grade="差")
    compute_suggestions(team.period)
    assert "等级已变化，请核对调整" in get(client, team.finance).content.decode()


def test_compute_button(client, team):
    BudgetSuggestion.objects.all().delete()
    client.force_login(team.finance)
    response = client.post(reverse("results:compute"), {"period": team.period.code},
                           follow=True)
    assert "新增建议 2 条" in response.content.decode()
    assert BudgetSuggestion.objects.count() == 2


def test_export_has_both_sheets_and_formula_safe_text(client, team):
    suggestion = row(team)
    override(suggestion, team.finance, "keep", None, None, "=HYPERLINK(\"x\")", version=0)
    response = get(client, team.finance, reverse("results:export"), period=team.period.code)
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["结果应用建议", "单位汇总"]
    rows = list(book["结果应用建议"].iter_rows(min_row=4, values_only=True))
    mine = next(r for r in rows if r[2] == team.project.name)
    assert mine[5] == "中" and mine[6] == "自评" and mine[16] == "据实保障"
    cell = next(c for c in book["结果应用建议"][4 + rows.index(mine)] if c.value ==
                "=HYPERLINK(\"x\")")
    assert cell.data_type == "s"
    totals = list(book["单位汇总"].iter_rows(min_row=3, values_only=True))
    assert totals[-1][1] == "合计" and totals[-1][2] == 2


def test_export_for_a_member_has_only_its_unit(client, team):
    response = get(client, team.filler, reverse("results:export"), period=team.period.code)
    names = [r[2] for r in openpyxl.load_workbook(io.BytesIO(response.content))["结果应用建议"]
             .iter_rows(min_row=4, values_only=True)]
    assert names == [team.project.name]


def test_list_queries_are_bounded(client, team, django_assert_max_num_queries):
    for project in ProjectFactory.create_batch(15, unit=team.unit):
        ProjectRecordFactory(project=project, period=team.period, score_grade="良")
    compute_suggestions(team.period)
    for suggestion in BudgetSuggestion.objects.all()[:5]:
        override(suggestion, team.finance, "keep", None, None, "理由", version=suggestion.version)
    client.force_login(team.finance)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == 17


def test_export_queries_are_bounded(client, team, django_assert_max_num_queries):
    for project in ProjectFactory.create_batch(15, unit=team.unit):
        ProjectRecordFactory(project=project, period=team.period, score_grade="良")
    compute_suggestions(team.period)
    client.force_login(team.finance)
    with django_assert_max_num_queries(12):
        client.get(reverse("results:export"), {"period": team.period.code})
