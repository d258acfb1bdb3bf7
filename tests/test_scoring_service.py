"""Scoring from the database: the seed's projects with hand-worked actuals, and query counts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.models import Project
from performance.domain import Grade, Operator
from performance.models import Indicator, IndicatorRecord, ProjectRecord, ReportingPeriod
from performance.services.scoring import score_period, score_project_period
from performance.services.snapshot import lights_for_period
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    PeriodFactory,
    ProjectFactory,
    UnitFactory,
)

# Per project: money spent, and the actuals that differ from "target met" (every other
# quantitative indicator reaches its target exactly, every 定性 one is graded 优).
# The totals and grades on the right were worked out by hand from docs/scoring.md's rules:
HAND_WORKED = {
    "社会保险信息网络建设维护费": (
        "6.50",  # 6.50 / 7 = 92.857 % → 10 × 0.92857 = 9.29
        {"购置办公软件数量": "15", "系统正常运行率": "98.5"},  # 4×15/20 = 3.00; 2×98.5/99 = 1.99
        "98.28", "优",  # 84 + 3.00 + 1.99 + 9.29
    ),
    "社会保险全民参保工作专项经费": (
        "20.00",  # 100 % → 10
        {"云 MAS 短信服务费": "15", "促进参保扩面工作": "良"},  # 5×(1−1.04/13.96) = 4.63; 10×0.8 = 8
        "97.63", "优",  # 75 + 4.63 + 8 + 10
    ),
    "企保、机保代财政管理工作经费（原代管工作经费）": (
        "12.60",  # 70 % → 7.00
        {"发放批次": "45", "补助人员满意度": "92", "代发所需的办公资料成本": "6.5"},
        # 6×45/60 = 4.50; 10×92/100 = 9.20; 6.5 ≥ 2×3 → 0
        "86.70", "良",  # 66 + 4.50 + 9.20 + 0 + 7.00
    ),
    "年金征缴工作经费": (
        "1.00",  # 40 % → 4.00
        {"提高经办人员业务水平，保障社保经办服务质效": "中", "培训人数": "20"},  # 12.00; 7×20/50 = 2.80
        "81.80", "良",  # 63 + 12 + 2.80 + 4
    ),
    "离退休人员社会化管理服务专项经费": (
        "30.00",  # 30 / 36.8 = 81.52 % → 8.15
        {"IPTV 宣传场次": "800", "保持社会化发放率": "97"},  # overshoot still 6; 20×97/100 = 19.40
        "97.55", "优",  # 70 + 19.40 + 8.15
    ),
    "社会保险委托稽核和基金管理专项经费": (
        "2.00",  # 40 % → 4.00
        {"稽核处理参保年均投诉案件": "0", "维护社保基金安全": "差", "参保对象满意度": "60"},
        # 0; 0; 10×60/98 = 6.12
        "73.12", "中",  # 63 + 6.12 + 4
    ),
}


def fill(period, project_name, spent, overrides, *, only=None):
    project = Project.objects.get(name=project_name)
    ProjectRecord.objects.create(project=project, period=period, spent=Decimal(spent) if spent else None)
    records = []
    for indicator in project.indicators.all():
        if only is not None and indicator.name not in only:
            continue
        value = overrides.get(indicator.name)
        if indicator.operator == Operator.QUALITATIVE:
            records.append(IndicatorRecord(indicator=indicator, period=period,
                                           actual_grade=value or Grade.EXCELLENT))
        else:
            records.append(IndicatorRecord(indicator=indicator, period=period,
                                           actual_value=Decimal(value) if value else indicator.target_value))
    IndicatorRecord.objects.bulk_create(records)


@pytest.fixture
def final(seeded):
    period = ReportingPeriod.objects.get(code="2025-final")
    for name, (spent, overrides, _, _) in HAND_WORKED.items():
        fill(period, name, spent, overrides)
    # 乡村振兴经费: nothing spent entered, one indicator of nine filled in.
    fill(period, "乡村振兴经费", None, {}, only={"贫困监测户数"})
    return period


def test_seed_projects_score_the_hand_worked_totals_and_grades(final):
    results = {r.project_name: r for r in score_period(final)}
    for name, (_, _, total, grade) in HAND_WORKED.items():
        assert (results[name].score.total, results[name].score.grade) == (Decimal(total), Grade(grade)), name


def test_a_project_with_missing_values_scores_only_what_was_entered(final):
    result = next(r for r in score_period(final) if r.project_name == "乡村振兴经费")
    assert result.score.total == Decimal("6.00")
    assert result.score.grade == Grade.POOR
    assert len(result.score.missing) == 8
    assert result.score.execution.missing


def test_overshoot_scores_full_weight_but_asks_for_an_explanation(final):
    result = next(r for r in score_period(final) if r.project_name == "离退休人员社会化管理服务专项经费")
    iptv = next(s for line, s in zip(result.lines, result.score.indicator_scores, strict=True)
                if line.name == "IPTV 宣传场次")
    assert iptv.score == Decimal("6.00")
    assert iptv.overshoot and iptv.needs_reason


def test_one_project_scores_the_same_as_in_the_period(final):
    project = Project.objects.get(name="年金征缴工作经费")
    alone = score_project_period(project, final)
    in_period = next(r for r in score_period(final) if r.project_id == project.pk)
    assert alone.score.total == in_period.score.total == Decimal("81.80")
    assert [line.name for line in alone.lines] == list(
        project.indicators.order_by("position").values_list("name", flat=True)
    )


def test_scores_only_read_the_records_of_the_asked_period(final):
    monitoring = ReportingPeriod.objects.get(code="2025-07")
    results = list(score_period(monitoring))
    assert all(r.score.total == 0 for r in results)
    assert sum(len(r.score.missing) for r in results) == Indicator.objects.count()


def test_period_can_be_limited_to_one_unit(final):
    other = ProjectFactory(unit=UnitFactory(), year=2025)
    IndicatorFactory(project=other)
    assert {r.unit_code for r in score_period(final, other.unit)} == {other.unit.code}
    assert len(list(score_period(final))) == 8


def test_period_scoring_runs_a_constant_number_of_queries(db):
    period = PeriodFactory()

    def make(n):
        unit = UnitFactory()
        for _ in range(n):
            project = ProjectFactory(unit=unit)
            for _ in range(4):
                IndicatorFactory(project=project)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            results = list(score_period(period))
        return len(ctx.captured_queries), len(results)

    make(3)
    few, n_few = queries()
    make(40)
    many, n_many = queries()
    assert (n_few, n_many) == (3, 43)
    assert few == many <= 5


def test_project_json_has_numbers_as_numbers(final):
    result = next(r for r in score_period(final) if r.project_name == "社会保险信息网络建设维护费")
    data = result.as_json()
    assert data["execution_rate"] == 0.9286
    assert data["execution_score"] == 9.29
    assert data["total"] == 98.28
    assert data["grade"] == "优"
    first = data["indicators"][1]
    assert first == {
        "level1": "产出指标", "level2": "数量指标", "name": "购置办公软件数量", "operator": "≥",
        "unit": "套", "weight": 4.0, "target": "20", "actual": "15", "score": 3.0, "missing": False,
        "explanation": first["explanation"],
    }
    assert "15" in first["explanation"] and "20" in first["explanation"]


# ---------------------------------------------------------------- honest missing values


def scored_alone(project, period):
    return score_project_period(project, period)


def a_project_with_two_indicators():
    project = ProjectFactory(unit=UnitFactory())
    first, second = (IndicatorFactory(project=project, weight=Decimal(45)) for _ in range(2))
    return project, first, second


def test_a_project_with_nothing_entered_keeps_its_total_but_has_no_grade(db):
    period = PeriodFactory()
    project, _, _ = a_project_with_two_indicators()
    result = scored_alone(project, period)
    assert result.nothing_entered and result.missing_indicators == 2
    assert result.score.total == 0 and result.score.grade == Grade.POOR  # still computed
    data = result.as_json()
    assert data["total"] == 0.0 and data["grade"] is None  # shown: no 差
    assert data["nothing_entered"] is True and data["missing_indicators"] == 2
    assert all(i["missing"] and i["score"] == 0.0 for i in data["indicators"])


def test_records_without_a_value_are_still_nothing_entered(db):
    period = PeriodFactory()
    project, first, _ = a_project_with_two_indicators()
    IndicatorRecordFactory(indicator=first, period=period, explanation="尚在统计")
    ProjectRecord.objects.create(project=project, period=period, spent_reason="待报账")
    assert scored_alone(project, period).nothing_entered


@pytest.mark.parametrize("entered", [
    {"spent": Decimal(0)},  # money spent alone, even 0
    {"actual_value": Decimal(0)},  # one indicator, even 0
    {"expected_value": Decimal(80)},  # a forecast alone (监控): no score, but entered
    {"expected_grade": "良"},
])
def test_any_value_or_the_money_spent_counts_as_entered(db, entered):
    period = PeriodFactory()
    project, first, _ = a_project_with_two_indicators()
    if "spent" in entered:
        ProjectRecord.objects.create(project=project, period=period, spent=entered["spent"])
    else:
        IndicatorRecordFactory(indicator=first, period=period, **entered)
    result = scored_alone(project, period)
    assert not result.nothing_entered
    data = result.as_json()
    assert data["nothing_entered"] is False and data["grade"] == "差"
    assert data["missing_indicators"] == 2 - ("actual_value" in entered)


def test_a_partly_filled_project_counts_its_missing_indicators(final):
    result = next(r for r in score_period(final) if r.project_name == "乡村振兴经费")
    data = result.as_json()
    assert (data["missing_indicators"], data["nothing_entered"], data["grade"]) == (8, False, "差")
    assert [i["missing"] for i in data["indicators"]].count(True) == 8


def test_nothing_entered_agrees_with_the_snapshots_has_values(db):
    period = PeriodFactory()
    empty, _, _ = a_project_with_two_indicators()
    forecast, first, _ = a_project_with_two_indicators()
    IndicatorRecordFactory(indicator=first, period=period, expected_value=Decimal(5))
    lights = lights_for_period(period)
    for project in (empty, forecast):
        assert scored_alone(project, period).nothing_entered is not lights[project.id].has_values
