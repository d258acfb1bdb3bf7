"""The 目标审核 result through its levels: the unit's reviewer confirms, the department's reviewer
confirms where the tier is on, then finance records the result; each level returns to the one
below with a reason; outsiders and other departments are refused."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget.models import Membership, Role
from performance.chain import CAPACITY_OF_LEVEL, Level
from performance.models import ProjectReview, TargetReviewResult
from performance.models.review import SignoffAction, TargetReviewSignoff
from performance.review import signoff_rules as rules
from performance.review import signoffs
from performance.review.decisions import record_project_review
from tests.adjust_setup import department_reviewer
from tests.entry_setup import make_team
from tests.factories import DepartmentFactory, ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def tier(settings, team):
    """The tier on, with a 主管部门审核人 over the team's unit."""
    settings.DEPARTMENT_TIER = True
    return department_reviewer(team.unit)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(team):
    return reverse("review:unit", args=[team.unit.code, team.project.year])


def signoff(team, user, action, note="", level=None):
    data = {"action": action, "note": note, "next": page_url(team)}
    if level:
        data["level"] = level
    return as_user(user).post(reverse("review:project_signoff", args=[team.project.pk]), data,
                              follow=True)


def record(team, user, result="passed", note=""):
    return as_user(user).post(reverse("review:project_result", args=[team.project.pk]),
                              {"result": result, "note": note, "next": page_url(team)},
                              follow=True)


def waiting(team):
    return signoffs.state_for(team.project).waiting_for


# -- the rules, pure -------------------------------------------------------------------------------


def test_the_rules_use_the_levels_and_capacities_of_the_approval_chain():
    assert set(rules.ORDER) == set(Level.values)
    assert {level: rules.CAPACITY[level] for level in rules.ORDER} == {
        level: CAPACITY_OF_LEVEL[Level(level)].value for level in rules.ORDER}
    assert set(SignoffAction.values) == {rules.CONFIRM, rules.RETURN, rules.RECORD}


@pytest.mark.parametrize("unit_reviewed, tier, expected", [
    (True, True, ("unit", "department", "finance")),
    (True, False, ("unit", "finance")),
    (False, True, ("department", "finance")),
    (False, False, ("finance",)),
])
def test_the_levels_follow_the_unit_reviewer_and_the_tier(unit_reviewed, tier, expected):
    assert rules.levels(unit_reviewed, tier) == expected


class Step:
    def __init__(self, level, action):
        self.level, self.action = level, action


def test_a_return_clears_only_the_confirmation_just_below():
    chain = rules.levels(True, True)
    steps = [Step("unit", "confirm"), Step("department", "confirm"), Step("finance", "return")]
    state = rules.state_of(chain, steps, decided=False)
    assert state.confirmed == {"unit"} and state.waiting_for == "department"
    assert state.last_return is steps[-1]
    state = rules.state_of(chain, [*steps, Step("department", "return")], decided=False)
    assert state.confirmed == frozenset() and state.waiting_for == "unit"
    assert rules.return_target_text("unit", chain) == "本单位填报人"


def test_who_may_act_depends_on_the_level_waiting():
    state = rules.state_of(rules.levels(True, True), [Step("unit", "confirm")], decided=False)
    assert rules.acts(state, {"department_reviewer"}) == {"confirm", "return"}
    assert rules.acts(state, {"unit_reviewer", "filler"}) == frozenset()
    assert "主管部门审核人" in rules.refusal("confirm", state, {"unit_reviewer"})
    assert "须先经主管部门审核人确认" in rules.refusal("record", state, {"finance"})
    assert "请刷新页面" in rules.refusal("confirm", state, {"department_reviewer"}, level="unit")
    assert rules.refusal("return", state, {"department_reviewer"}) == "退回时须填写退回原因。"


# -- without the tier ------------------------------------------------------------------------------


def test_without_the_tier_the_unit_reviewer_confirms_then_finance_records(team):
    assert waiting(team) == "unit"
    page = record(team, team.finance).content.decode()
    assert "须先经本单位审核人确认" in page and not ProjectReview.objects.exists()
    page = signoff(team, team.reviewer, "confirm", "指标已逐项核对", level="unit").content.decode()
    assert "单位审核已确认" in page
    assert waiting(team) == "finance"
    record(team, team.finance, "passed_after_changes", "请补充成本指标")
    review = ProjectReview.objects.get()
    assert (review.result, review.reviewer) == ("passed_after_changes", team.finance)
    assert [(s.level, s.action, s.result) for s in TargetReviewSignoff.objects.all()] == [
        ("unit", "confirm", ""), ("finance", "record", "passed_after_changes")]
    assert waiting(team) is None


def test_a_unit_without_a_unit_reviewer_keeps_the_finance_only_review(team):
    Membership.objects.filter(role=Role.UNIT_REVIEWER).delete()
    assert signoffs.state_for(team.project).levels == ("finance",)
    record(team, team.finance, "passed")
    assert ProjectReview.objects.get().result == "passed"


def test_finance_returns_to_the_unit_which_confirms_again(team):
    signoff(team, team.reviewer, "confirm", level="unit")
    signoff(team, team.finance, "return", "年度目标与指标不对应", level="finance")
    assert waiting(team) == "unit"
    page = as_user(team.reviewer).get(page_url(team)).content.decode()
    assert "年度目标与指标不对应" in page and "确认（单位审核）" in page
    signoff(team, team.reviewer, "confirm", level="unit")
    assert waiting(team) == "finance"


def test_the_unit_reviewer_returns_to_the_filler_with_the_reason_kept(team):
    signoff(team, team.reviewer, "return", "请补充满意度指标", level="unit")
    assert waiting(team) == "unit"
    step = TargetReviewSignoff.objects.get()
    assert (step.level, step.action, step.note, step.by) == (
        "unit", "return", "请补充满意度指标", team.reviewer)
    page = as_user(team.filler).get(page_url(team)).content.decode()
    assert "请补充满意度指标" in page and "确认（单位审核）" not in page


def test_a_return_without_a_reason_is_refused(team):
    page = signoff(team, team.reviewer, "return", "  ", level="unit").content.decode()
    assert "退回时须填写退回原因" in page and not TargetReviewSignoff.objects.exists()


# -- with the tier ---------------------------------------------------------------------------------


def test_with_the_tier_unit_then_department_then_finance(team, tier):
    assert signoffs.state_for(team.project).levels == ("unit", "department", "finance")
    assert "只有本单位审核人" in signoff(team, tier, "confirm").content.decode()
    signoff(team, team.reviewer, "confirm", level="unit")
    assert "须先经主管部门审核人确认" in record(team, team.finance).content.decode()
    assert "只有主管部门审核人" in signoff(team, team.reviewer, "confirm").content.decode()
    page = as_user(tier).get(page_url(team)).content.decode()
    assert "确认（主管部门审核）" in page and "退回单位审核" in page
    signoff(team, tier, "confirm", "同意", level="department")
    record(team, team.finance, "passed")
    assert ProjectReview.objects.get().result == "passed"
    assert [(s.level, s.action) for s in TargetReviewSignoff.objects.all()] == [
        ("unit", "confirm"), ("department", "confirm"), ("finance", "record")]


def test_returns_at_each_level_clear_the_level_below_and_keep_the_reasons(team, tier):
    signoff(team, team.reviewer, "confirm", level="unit")
    signoff(team, tier, "confirm", level="department")
    signoff(team, team.finance, "return", "成本指标偏离预算", level="finance")
    state = signoffs.state_for(team.project)
    assert state.waiting_for == "department" and state.confirmed == {"unit"}
    signoff(team, tier, "return", "请单位核实成本测算", level="department")
    assert waiting(team) == "unit"
    signoff(team, team.reviewer, "return", "请填报人修改", level="unit")
    assert waiting(team) == "unit"
    reasons = list(TargetReviewSignoff.objects.filter(action="return").values_list("level", "note"))
    assert reasons == [("finance", "成本指标偏离预算"), ("department", "请单位核实成本测算"),
                       ("unit", "请填报人修改")]
    page = as_user(team.filler).get(page_url(team)).content.decode()
    assert "审核记录（5 条）" in page and "成本指标偏离预算" in page


def test_a_step_from_a_stale_page_is_refused(team, tier):
    signoff(team, team.reviewer, "confirm", level="unit")
    page = signoff(team, team.reviewer, "return", "晚了", level="unit").content.decode()
    assert "请刷新页面" in page
    assert TargetReviewSignoff.objects.count() == 1


def test_turning_the_tier_off_lets_finance_record_after_the_unit(team, tier, settings):
    signoff(team, team.reviewer, "confirm", level="unit")
    settings.DEPARTMENT_TIER = False
    record(team, team.finance, "passed")
    assert ProjectReview.objects.exists()


def test_the_service_refuses_a_result_before_the_confirmations(team, tier):
    with pytest.raises(ValidationError, match="须先经本单位审核人确认"):
        record_project_review(team.project, user=team.finance,
                              result=TargetReviewResult.PASSED, note="")
    with pytest.raises(ValidationError, match="只有本单位审核人"):
        signoffs.confirm(team.project, tier)


# -- who ------------------------------------------------------------------------------------------


def test_an_outsider_and_another_departments_reviewer_get_404(team, tier):
    other_department = UnitFactory(department=DepartmentFactory(code="901", name="其他主管部门"))
    stranger = department_reviewer(other_department, name="周他部门")
    for user in (team.outsider, stranger):
        assert signoff(team, user, "confirm").status_code == 404
        assert as_user(user).get(page_url(team)).status_code == 404
    assert not TargetReviewSignoff.objects.exists()


def test_a_filler_may_not_confirm_or_return(team):
    assert signoff(team, team.filler, "confirm").status_code == 403
    assert signoff(team, team.filler, "return", "自己退回").status_code == 403
    assert "确认（单位审核）" not in as_user(team.filler).get(page_url(team)).content.decode()
    assert not TargetReviewSignoff.objects.exists()


def test_a_unit_member_may_not_record_the_result(team):
    signoff(team, team.reviewer, "confirm", level="unit")
    assert record(team, team.reviewer).status_code == 403
    assert not ProjectReview.objects.exists()


def test_the_steps_need_post_and_a_csrf_token(team):
    url = reverse("review:project_signoff", args=[team.project.pk])
    assert as_user(team.reviewer).get(url).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.reviewer)
    assert client.post(url, {"action": "confirm"}).status_code == 403
    assert not TargetReviewSignoff.objects.exists()


def test_notes_from_data_are_escaped_on_the_page(team):
    signoff(team, team.reviewer, "return", "<script>alert(1)</script>", level="unit")
    page = as_user(team.reviewer).get(page_url(team)).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page


# -- the page's queries ----------------------------------------------------------------------------


def queries_for(user, url):
    client = as_user(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def add_projects(team, reviewer, n):
    for _ in range(n):
        project = ProjectFactory(unit=team.unit)
        signoffs.confirm(project, team.reviewer)
        signoffs.send_back(project, reviewer, "请核实")


@pytest.mark.parametrize("who", ["reviewer", "department", "finance"])
def test_the_unit_page_queries_do_not_grow_with_projects_and_steps(team, tier, who):
    user = {"reviewer": team.reviewer, "department": tier, "finance": team.finance}[who]
    url = page_url(team)
    add_projects(team, tier, 2)
    few = queries_for(user, url)
    add_projects(team, tier, 15)
    assert queries_for(user, url) == few <= 16


def test_an_inactive_department_reviewer_does_not_hold_up_the_chain(team, tier):
    tier.is_active = False
    tier.save()
    assert signoffs.state_for(team.project).levels == ("unit", "finance")


def test_the_index_counts_the_projects_waiting_for_each_reviewer(team, tier):
    ProjectFactory(unit=team.unit)
    signoffs.confirm(team.project, team.reviewer)
    index = reverse("review:index")

    def waiting_cell(user):
        page = as_user(user).get(index).content.decode()
        row = page[page.index(team.unit.code):]
        return row[:row.index("</tr>")]

    assert "<strong>1</strong>" in waiting_cell(tier)  # the confirmed project
    assert "<strong>1</strong>" in waiting_cell(team.reviewer)  # the other one
    assert "<strong>" not in waiting_cell(team.filler)


def test_the_index_queries_do_not_grow_with_projects(team, tier):
    url = reverse("review:index")
    add_projects(team, tier, 2)
    few = queries_for(tier, url)
    add_projects(team, tier, 15)
    assert queries_for(tier, url) == few <= 12
