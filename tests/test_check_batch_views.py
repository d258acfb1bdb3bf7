"""The 复核批次 pages: finance lists, draws (errors next to their fields, line-numbered hand picks,
nothing written on a refusal), reads a batch with its rules, verification and projects, and
downloads its workbook; a filler, a unit reviewer and an outsider get 404; bounded queries."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from performance.checks.draw import DrawRules
from performance.models import CheckBatch, CheckedProject, WorkflowStatus
from performance.services.check_batches import draw_batch

from .entry_setup import make_team
from .factories import (
    CheckBatchFactory,
    CheckedProjectFactory,
    MonitoringPeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team(indicators=1)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


def a_batch(team, name="第一批", n=6, seed="20260301"):
    for i in range(n):
        project = ProjectFactory(unit=team.unit if i % 2 else team.other_unit,
                                 budget_amount=Decimal(100 * (i + 1)))
        ProjectRecordFactory(project=project, period=team.period,
                             status=WorkflowStatus.APPROVED, score_total=Decimal("90.00"),
                             score_grade="优")
    rules = DrawRules(amount_threshold=Decimal(500), random_share=Decimal("0.5"),
                      stratify="unit")
    return draw_batch(team.period, team.finance, rules, name=name, seed=seed, note="年度抽查")


def post_data(team, **changes):
    data = {"period": team.period.pk, "name": "第一批", "amount_threshold": "",
            "random_percent": "50", "stratify": "unit", "hand_picked": "",
            "approved_only": "", "seed": "7", "note": ""}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


URLS = {
    "batches": lambda b: reverse("checks:batches"),
    "draw": lambda b: reverse("checks:draw"),
    "batch": lambda b: reverse("checks:batch", args=[b.pk]),
    "export": lambda b: reverse("checks:batch_export", args=[b.pk]),
}


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
@pytest.mark.parametrize("which", list(URLS))
def test_only_finance_sees_the_batch_pages(team, who, which):
    batch = a_batch(team)
    response = as_user(getattr(team, who)).get(URLS[which](batch))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["filler", "reviewer", "outsider"])
def test_only_finance_may_draw(team, who):
    response = as_user(getattr(team, who)).post(reverse("checks:draw"), post_data(team))
    assert response.status_code == 404
    assert not CheckBatch.objects.exists()


def test_anonymous_people_are_sent_to_log_in(team):
    response = Client().get(reverse("checks:batches"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_finance_lists_the_batches_with_counts_per_status(team):
    batch = a_batch(team)
    checked = batch.projects.first()
    CheckedProject.objects.filter(pk=checked.pk).update(status="in_progress")
    response = as_user(team.finance).get(reverse("checks:batches"))
    html = page(response)
    assert response.status_code == 200
    assert "第一批" in html and reverse("checks:batch", args=[batch.pk]) in html
    total = batch.projects.count()
    assert f'<td class="text-end">{total}</td>' in html
    assert f'<td class="text-end">{total - 1}</td>' in html  # 待复核
    assert "王财政" in html


def test_the_draw_form_offers_self_evaluation_periods_only(team):
    monitoring = MonitoringPeriodFactory()
    html = page(as_user(team.finance).get(reverse("checks:draw")))
    assert team.period.name in html and monitoring.name not in html
    assert team.unit.code in html  # the units to restrict to


def test_finance_draws_a_batch_and_lands_on_it(team):
    for _ in range(4):
        ProjectFactory(unit=team.unit)
    response = as_user(team.finance).post(reverse("checks:draw"), post_data(team), follow=True)
    batch = CheckBatch.objects.get()
    assert response.redirect_chain[-1][0] == reverse("checks:batch", args=[batch.pk])
    assert batch.seed == "7" and batch.drawn_by == team.finance
    assert batch.rules["random_share"] == "0.5" and batch.rules["approved_only"] is False
    html = page(response)
    assert "已抽取复核批次“第一批”" in html
    assert 'data-ok="1"' in html
    history = CheckedProject.history.filter(batch_id=batch.pk)
    assert {h.history_channel for h in history} == {"page"}


def test_hand_picked_lines_with_problems_are_shown_by_line(team):
    response = as_user(team.finance).post(reverse("checks:draw"), post_data(
        team, hand_picked=f"{team.unit.code} {team.project.name}\n{team.unit.code} 不存在的项目\n"
                          "只有一列"))
    html = page(response)
    assert response.status_code == 200
    assert "第 2 行：单位" in html and "不存在的项目" in html
    assert "第 3 行：应为“单位代码 项目名称”或项目编号" in html
    assert not CheckBatch.objects.exists()


@pytest.mark.parametrize(("changes", "words", "anchor"), [
    ({"random_percent": "150"}, "不能超过 100", "id_random_percent"),
    ({"random_percent": "abc"}, "请填写数字", "id_random_percent"),
    ({"amount_threshold": "-5"}, "不能为负数", "id_amount_threshold"),
    ({"random_percent": "0"}, "请至少设置一项抽取规则", None),
    ({"name": ""}, "必填", "id_name"),
])
def test_form_errors_are_shown_next_to_their_fields(team, changes, words, anchor):
    response = as_user(team.finance).post(reverse("checks:draw"), post_data(team, **changes))
    html = page(response)
    assert response.status_code == 200
    assert words in html
    if anchor:
        assert f'href="#{anchor}"' in html
    assert not CheckBatch.objects.exists()


def test_a_refusal_of_the_service_is_shown_on_the_form(team):
    a_batch(team, name="第一批")
    response = as_user(team.finance).post(reverse("checks:draw"), post_data(team))
    html = page(response)
    assert "已有名为“第一批”的复核批次" in html and 'href="#id_name"' in html
    assert CheckBatch.objects.count() == 1


def test_a_batch_shows_its_rules_verification_and_projects(team):
    batch = a_batch(team)
    html = page(as_user(team.finance).get(reverse("checks:batch", args=[batch.pk])))
    assert "20260301" in html and "按单位分组" in html and "≥ 500 万元" in html
    assert 'data-ok="1"' in html and "一致" in html
    assert "年度抽查" in html
    for checked in batch.projects.select_related("project"):
        assert checked.project.name in html
    assert "金额达到标准" in html and "随机抽取" in html
    assert "90.00" in html and "优" in html


def test_a_batch_that_does_not_follow_its_rules_says_so(team):
    batch = a_batch(team)
    batch.projects.filter(reason="random").first().delete()
    html = page(as_user(team.finance).get(reverse("checks:batch", args=[batch.pk])))
    assert 'data-ok="0"' in html and "不一致" in html and "应抽取而不在本批次" in html


def test_an_unknown_batch_is_404(team):
    assert as_user(team.finance).get(reverse("checks:batch", args=[999])).status_code == 404


def test_the_workbook_has_the_projects_the_rules_and_the_candidates(team):
    batch = a_batch(team)
    response = as_user(team.finance).get(reverse("checks:batch_export", args=[batch.pk]))
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["抽查项目", "抽取规则", "候选项目"]
    rows = list(book["抽查项目"].iter_rows(min_row=3, values_only=True))
    assert len(rows) == batch.projects.count()
    names = {r[3] for r in rows}
    assert names == set(batch.projects.values_list("project__name", flat=True))
    rules = {r[0]: r[1] for r in book["抽取规则"].iter_rows(min_row=2, values_only=True)}
    assert rules["随机种子"] == "20260301" and rules["重新抽取核对"].startswith("一致")
    candidates = list(book["候选项目"].iter_rows(min_row=4, values_only=True))
    assert len(candidates) == batch.candidates
    assert sum(1 for r in candidates if r[6] == "是") == batch.projects.count()


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(team):
    project = ProjectFactory(unit=team.unit, name="=HYPERLINK(\"x\")")
    batch = draw_batch(team.period, team.finance, DrawRules(hand_picked=(project.pk,)),
                       name="=1+1")
    response = as_user(team.finance).get(reverse("checks:batch_export", args=[batch.pk]))
    sheet = load_workbook(BytesIO(response.content))["抽查项目"]
    cell = sheet.cell(row=3, column=4)
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_the_list_page_runs_a_bounded_number_of_queries(team, django_assert_max_num_queries):
    client = as_user(team.finance)
    a_batch(team, name="一", n=4)
    client.get(reverse("checks:batches"))
    other = UnitFactory()
    for _ in range(5):
        ProjectFactory(unit=other)
    draw_batch(team.period, team.finance, DrawRules(random_share=Decimal(1), approved_only=False),
               name="二")
    with django_assert_max_num_queries(8):
        assert client.get(reverse("checks:batches")).status_code == 200


def test_the_batch_page_runs_a_bounded_number_of_queries(team, django_assert_max_num_queries):
    client = as_user(team.finance)
    batch = a_batch(team, n=12)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("checks:batch", args=[batch.pk])).status_code == 200


def test_a_batch_without_recorded_rules_is_shown_as_unverifiable(team):
    batch = CheckBatchFactory(period=team.period, rules={})
    CheckedProjectFactory(batch=batch, project=team.project)
    client = as_user(team.finance)
    html = page(client.get(reverse("checks:batch", args=[batch.pk])))
    assert 'data-ok="0"' in html and "无法重新抽取" in html and "记录的规则无法读取" in html
    response = client.get(reverse("checks:batch_export", args=[batch.pk]))
    assert load_workbook(BytesIO(response.content)).sheetnames[0] == "抽查项目"
