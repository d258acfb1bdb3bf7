"""The 抽查复核 overview per unit (performance.checks.overview): averages and 自评偏差 over the
concluded checks only, against the hand-worked figures of tests/check_overview_setup.py; the
projects whose grade changed; the order (most kindly self-graded first); one query."""

from decimal import Decimal

import pytest

from performance.checks.overview import (
    DEVIATION_DANGER,
    DEVIATION_WARNING,
    UnitRow,
    period_overview,
    unit_deviations,
)
from tests.check_overview_setup import check, make_checks
from tests.factories import CheckBatchFactory, PeriodFactory, ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def period():
    return PeriodFactory()


def test_unit_averages_and_deviation_count_concluded_checks_only(period):
    made = make_checks(period)
    first, second = unit_deviations(period)
    assert (first.code, first.sampled, first.concluded) == (made.unit_a.code, 3, 2)
    assert (first.self_average, first.check_average) == (Decimal("88.50"), Decimal("80.75"))
    assert first.deviation == Decimal("7.75")
    assert (second.code, second.sampled, second.concluded) == (made.unit_b.code, 1, 1)
    assert (second.self_average, second.check_average, second.deviation) == (
        Decimal("78.00"), Decimal("80.00"), Decimal("-2.00"))


def test_period_total_line_averages_every_concluded_check(period):
    make_checks(period)
    total = period_overview(period).total
    assert (total.name, total.sampled, total.concluded, total.grade_changed) == ("合计", 4, 3, 2)
    assert (total.self_average, total.check_average, total.deviation) == (
        Decimal("85.00"), Decimal("80.50"), Decimal("4.50"))


def test_projects_whose_grade_changed_are_listed_with_their_figures(period):
    made = make_checks(period)
    overview = period_overview(period)
    unit_a, unit_b = overview.units
    assert unit_a.grade_changed == unit_b.grade_changed == 1
    changed = overview.changed
    assert [c.checked_id for c in changed] == [made.changed_a.id, made.changed_b.id]
    first = changed[0]
    assert (first.project_name, first.unit_code, first.self_total, first.self_grade,
            first.check_total, first.check_grade) == (
        "甲项目一", made.unit_a.code, Decimal("92.00"), "优", Decimal("81.50"), "良")
    assert first.deviation == Decimal("10.50")


def test_in_progress_check_with_a_grade_change_is_not_listed(period):
    made = make_checks(period)
    listed = {c.checked_id for c in period_overview(period).changed}
    assert made.in_progress_a.id not in listed  # 中 → 差, but still 复核中


def test_units_sorted_by_deviation_descending_and_without_concluded_checks_last(period):
    made = make_checks(period)
    unit_c = UnitFactory(code="910000", name="丙单位")
    check(CheckBatchFactory(period=period), ProjectFactory(unit=unit_c), "90.00", "优",
          "60.00", "中", done=False)
    kind = UnitFactory(code="910009", name="丁单位")
    check(made.batch, ProjectFactory(unit=kind), "95.00", "优", "70.00", "中")
    codes = [u.code for u in unit_deviations(period)]
    assert codes == ["910009", made.unit_a.code, made.unit_b.code, "910000"]
    last = unit_deviations(period)[-1]
    assert (last.sampled, last.concluded, last.deviation, last.level) == (1, 0, None, "")


def test_other_periods_checks_are_not_counted(period):
    make_checks(period)
    other = PeriodFactory(code="2024-final", year=2024, name="2024 年度绩效自评")
    check(CheckBatchFactory(period=other), ProjectFactory(), "99.00", "优", "10.00", "差")
    assert period_overview(period).total.sampled == 4
    assert period_overview(other).total.sampled == 1


def test_deviation_levels_follow_the_thresholds():
    def line(deviation):
        return UnitRow(None, "", "", self_average=Decimal(80) + deviation,
                       check_average=Decimal(80))

    assert line(DEVIATION_DANGER).level == "danger"
    assert line(DEVIATION_WARNING).level == "warning"
    assert line(DEVIATION_WARNING - Decimal("0.01")).level == ""
    assert line(Decimal(-20)).level == ""


def test_a_period_without_checks_is_empty(period):
    overview = period_overview(period)
    assert overview.units == [] and overview.changed == []
    assert (overview.total.sampled, overview.total.deviation) == (0, None)


def test_overview_reads_every_check_of_the_period_in_one_query(period, django_assert_num_queries):
    make_checks(period)
    for _ in range(5):
        check(CheckBatchFactory(period=period), ProjectFactory(unit=UnitFactory()), "90.00",
              "优", "75.00", "中")
    with django_assert_num_queries(1):
        overview = period_overview(period)
    assert len(overview.units) == 7
