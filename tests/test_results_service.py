"""performance.services.results: the grade each suggestion takes (self or 复核), the rules,
finance's override kept on a recompute and flagged when the grade moves, stale pages, who may
decide, history and the command."""

from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from performance.models import BudgetSuggestion, CheckStatus, SuggestionRule
from performance.services.results import (
    CHUNK,
    OverrideInvalid,
    ResultsRefused,
    clear_override,
    compute_suggestions,
    override,
    override_grades,
)
from performance.workflow import Channel
from tests.entry_setup import make_team
from tests.factories import (
    CheckedProjectFactory,
    MonitoringPeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team(indicators=1)


def graded(project, period, grade, total=D("85.00")):
    return ProjectRecordFactory(project=project, period=period, score_grade=grade,
                                score_total=total)


def suggestion(project, period):
    return BudgetSuggestion.objects.get(project=project, period=period)


def test_self_grade_gives_the_suggestion_of_its_rule(team):
    graded(team.project, team.period, "中", D("72.50"))
    summary = compute_suggestions(team.period, user=team.finance, channel=Channel.PAGE)
    row = suggestion(team.project, team.period)
    assert (row.grade, row.grade_source, row.total) == ("中", "self", D("72.50"))
    assert (row.action, row.rate, row.base_amount, row.suggested_amount) == (
        "cut", D("10.00"), D("100.00"), D("90.00"))
    assert summary.created == 1


def test_concluded_check_grade_wins_over_self_grade(team):
    graded(team.project, team.period, "优", D("95"))
    CheckedProjectFactory(project=team.project, batch__period=team.period, status=CheckStatus.DONE,
                          conclusion="复核完成", concluded_at="2026-04-01T09:00:00Z",
                          check_total=D("55"), check_grade="差")
    summary = compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    assert (row.grade, row.grade_source, row.action, row.suggested_amount) == (
        "差", "check", "cancel", D("0.00"))
    assert summary.from_check == 1


def test_check_in_progress_leaves_the_self_grade(team):
    graded(team.project, team.period, "优", D("95"))
    CheckedProjectFactory(project=team.project, batch__period=team.period,
                          status=CheckStatus.IN_PROGRESS, check_total=D("55"), check_grade="差")
    compute_suggestions(team.period)
    assert suggestion(team.project, team.period).grade_source == "self"


def test_base_amount_is_the_effective_budget(team):
    team.project.adjusted_amount = D("60.00")
    team.project.save()
    graded(team.project, team.period, "良")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    assert (row.base_amount, row.suggested_amount) == (D("60.00"), D("60.00"))


def test_projects_without_a_grade_get_no_suggestion(team):
    ProjectFactory(unit=team.unit)  # no record at all
    ProjectRecordFactory(project=ProjectFactory(unit=team.unit), period=team.period)  # no grade
    summary = compute_suggestions(team.period)
    assert summary.no_grade == 3
    assert not BudgetSuggestion.objects.exists()


def test_rule_changes_in_the_admin_apply_on_recompute(team):
    graded(team.project, team.period, "中")
    compute_suggestions(team.period)
    SuggestionRule.objects.filter(grade="中").update(rate=D("20"))
    summary = compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    assert (row.rate, row.suggested_amount, row.version, summary.updated) == (
        D("20.00"), D("80.00"), 1, 1)


def test_recompute_without_change_writes_nothing(team):
    graded(team.project, team.period, "良")
    compute_suggestions(team.period)
    summary = compute_suggestions(team.period)
    assert (summary.unchanged, summary.updated) == (1, 0)
    assert suggestion(team.project, team.period).history.count() == 1


def test_a_grade_without_a_rule_refuses_the_whole_computation(team):
    graded(team.project, team.period, "差")
    SuggestionRule.objects.filter(grade="差").delete()
    with pytest.raises(ResultsRefused, match="差.*没有结果应用规则"):
        compute_suggestions(team.period)
    assert not BudgetSuggestion.objects.exists()


def test_only_self_evaluation_periods(team):
    with pytest.raises(ResultsRefused, match="绩效自评"):
        compute_suggestions(MonitoringPeriodFactory())


def test_only_finance_computes_from_a_page(team):
    for user in (team.filler, team.reviewer, team.outsider):
        with pytest.raises(ResultsRefused, match="财政审核人"):
            compute_suggestions(team.period, user=user, channel=Channel.PAGE)


def test_one_unit_only(team):
    other = ProjectFactory(unit=team.other_unit)
    graded(team.project, team.period, "良")
    graded(other, team.period, "良")
    compute_suggestions(team.period, unit=team.unit)
    assert list(BudgetSuggestion.objects.values_list("project_id", flat=True)) == [team.project.id]


def test_many_projects_are_computed_in_chunks(team, django_assert_max_num_queries):
    for project in ProjectFactory.create_batch(CHUNK + 5, unit=team.unit):
        graded(project, team.period, "优")
    with django_assert_max_num_queries(40):
        summary = compute_suggestions(team.period)
    assert summary.created == CHUNK + 5


def test_override_is_kept_on_recompute(team):
    graded(team.project, team.period, "中")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    override(row, team.finance, "keep", None, None, "重点民生项目", version=row.version)
    SuggestionRule.objects.filter(grade="中").update(rate=D("30"))
    summary = compute_suggestions(team.period)
    row.refresh_from_db()
    assert (row.override_action, row.override_amount, row.override_reason) == (
        "keep", D("100.00"), "重点民生项目")
    assert (row.final_action, row.final_amount, row.suggested_amount) == (
        "keep", D("100.00"), D("70.00"))
    assert summary.overridden == 1 and summary.grade_changed == []


def test_grade_changed_since_the_override_is_flagged(team):
    record = graded(team.project, team.period, "中")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    override(row, team.finance, "cut", "5", None, "酌情", version=row.version)
    record.score_grade = "差"
    record.save()
    summary = compute_suggestions(team.period)
    row.refresh_from_db()
    assert summary.grade_changed == [team.project.name]
    assert row.override_action == "cut" and row.grade == "差"
    assert override_grades([row]) == {row.id: "中"}


def test_override_amount_computed_or_given(team):
    graded(team.project, team.period, "良")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    row = override(row, team.finance, "cut", "15", "", "压减", version=row.version)
    assert (row.override_rate, row.override_amount, row.overridden_by) == (
        D("15"), D("85.00"), team.finance)
    row = override(row, team.finance, "keep", None, "120", "增加", version=row.version)
    assert (row.final_amount, row.final_rate) == (D("120"), None)


def test_override_errors_are_by_field(team):
    graded(team.project, team.period, "良")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    with pytest.raises(OverrideInvalid) as caught:
        override(row, team.finance, "cut", "120", None, "", version=row.version)
    assert set(caught.value.errors) == {"rate", "reason"}
    row.refresh_from_db()
    assert row.override_action == "" and row.version == 0


def test_stale_version_is_refused(team):
    graded(team.project, team.period, "良")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    override(row, team.finance, "keep", None, None, "一", version=0)
    with pytest.raises(ResultsRefused, match="请刷新"):
        override(row, team.finance, "cancel", None, None, "二", version=0)
    row.refresh_from_db()
    assert row.override_reason == "一"


def test_only_finance_overrides(team):
    graded(team.project, team.period, "良")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    for user in (team.filler, team.reviewer, team.outsider):
        with pytest.raises(ResultsRefused, match="财政审核人"):
            override(row, user, "keep", None, None, "理由", version=0)
    override(row, None, "keep", None, None, "后台修正", version=None, channel=Channel.ADMIN)


def test_clear_override_returns_to_the_computed_suggestion(team):
    graded(team.project, team.period, "中")
    compute_suggestions(team.period)
    row = suggestion(team.project, team.period)
    row = override(row, team.finance, "keep", None, None, "理由", version=0)
    row = clear_override(row, team.finance, version=row.version)
    assert (row.final_action, row.final_amount, row.overridden_by) == ("cut", D("90.00"), None)
    with pytest.raises(ResultsRefused, match="未经调整"):
        clear_override(row, team.finance, version=row.version)


def test_every_write_leaves_history_with_channel_and_person(team):
    graded(team.project, team.period, "中")
    compute_suggestions(team.period, user=team.finance, channel=Channel.PAGE)
    row = suggestion(team.project, team.period)
    override(row, team.finance, "keep", None, None, "理由", version=0)
    clear_override(row, team.finance, version=1, channel=Channel.PAGE)
    rows = list(row.history.order_by("history_date", "history_id").values_list(
        "history_type", "history_change_reason", "history_channel", "history_user"))
    assert rows == [("+", "计算建议", "page", team.finance.id),
                    ("~", "调整建议", "page", team.finance.id),
                    ("~", "取消调整", "page", team.finance.id)]


def test_command_computes_and_reports(team, capsys):
    graded(team.project, team.period, "优")
    call_command("suggestions", "--period", team.period.code, "--unit", team.unit.code)
    assert "新增建议 1 条" in capsys.readouterr().out
    assert suggestion(team.project, team.period).action == "priority"
    with pytest.raises(CommandError, match="没有代码"):
        call_command("suggestions", "--period", "nope")
