"""Drawing a 复核批次 (performance.services.check_batches): the candidates (the period's year,
已审核 only when asked, units and categories, not sampled yet), hand picks by line, refusals with
the field and nothing written, history rows, and the redraw that verifies the record."""

from decimal import Decimal

import pytest
from simple_history.manager import HistoryManager

from budget.models import ProjectCategory
from performance.checks.draw import DrawRefused, DrawRules, draw_key
from performance.models import CheckBatch, CheckedProject, WorkflowStatus
from performance.services import check_batches
from performance.services.check_batches import draw_batch, read_hand_picked, redraw, verify

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

ALL = DrawRules(random_share=Decimal(1), approved_only=False)


@pytest.fixture
def team():
    return make_team(indicators=1)


def approved(project, period, total=Decimal("88.50"), grade="良"):
    return ProjectRecordFactory(project=project, period=period, status=WorkflowStatus.APPROVED,
                                score_total=total, score_grade=grade)


def picked(batch) -> dict[int, str]:
    return dict(batch.projects.values_list("project_id", "reason"))


def test_a_batch_records_its_rules_seed_candidates_and_picks(team):
    big = ProjectFactory(unit=team.unit, budget_amount=Decimal(900))
    small = ProjectFactory(unit=team.other_unit, budget_amount=Decimal(5))
    for project in (team.project, big, small):
        approved(project, team.period)
    rules = DrawRules(amount_threshold=Decimal(500), random_share=Decimal("0.5"))
    batch = draw_batch(team.period, team.finance, rules, name="第一批", seed="20260301",
                       note="年度抽查")
    assert (batch.seed, batch.candidates, batch.drawn_by, batch.note) == (
        "20260301", 3, team.finance, "年度抽查")
    assert batch.rules["amount_threshold"] == "500" and batch.rules["random_share"] == "0.5"
    assert sorted(row[0] for row in batch.rules["candidates"]) == sorted(
        [team.project.pk, big.pk, small.pk])
    reasons = picked(batch)
    assert reasons[big.pk] == "amount"
    assert list(reasons.values()).count("random") == 1  # ceil(0.5 × 2)
    rows = list(batch.projects.all())
    assert all(r.status == "pending" and r.period == team.period for r in rows)
    assert all(r.self_total == Decimal("88.50") and r.self_grade == "良" for r in rows)
    checked = batch.projects.get(project=big)
    assert checked.draw_key == draw_key("20260301", big.unit.code, big.name)
    assert verify(batch)


def test_every_pick_has_a_history_row_with_the_channel(team):
    approved(team.project, team.period)
    batch = draw_batch(team.period, team.finance, DrawRules(random_share=Decimal(1)),
                       name="第一批", channel="command")
    history = list(CheckedProject.history.filter(batch_id=batch.pk))
    assert len(history) == 1
    row = history[0]
    assert (row.history_type, row.history_user, row.history_channel,
            row.history_change_reason) == ("+", team.finance, "command", "抽取复核")


def test_only_approved_self_evaluations_are_candidates_unless_asked(team):
    approved(team.project, team.period)
    submitted = ProjectFactory(unit=team.unit)
    ProjectRecordFactory(project=submitted, period=team.period, status=WorkflowStatus.SUBMITTED)
    nothing = ProjectFactory(unit=team.unit)
    batch = draw_batch(team.period, team.finance, DrawRules(random_share=Decimal(1)), name="a")
    assert set(picked(batch)) == {team.project.pk}
    everything = draw_batch(team.period, team.finance, ALL, name="b")
    assert set(picked(everything)) == {submitted.pk, nothing.pk}  # team.project already drawn


def test_projects_of_another_year_are_not_candidates(team):
    ProjectFactory(unit=team.unit, year=2024)
    batch = draw_batch(team.period, team.finance, ALL, name="a")
    assert set(picked(batch)) == {team.project.pk}


def test_units_and_categories_restrict_the_candidates(team):
    other = ProjectFactory(unit=team.other_unit, category=ProjectCategory.OPERATION)
    ProjectFactory(unit=team.other_unit, category=ProjectCategory.SPECIFIC)
    rules = DrawRules(random_share=Decimal(1), approved_only=False,
                      units=(team.other_unit.code,), categories=(ProjectCategory.OPERATION,))
    batch = draw_batch(team.period, team.finance, rules, name="a")
    assert set(picked(batch)) == {other.pk}
    assert batch.candidates == 1


def test_projects_sampled_in_another_batch_are_left_out(team):
    CheckedProjectFactory(batch=CheckBatchFactory(period=team.period), project=team.project)
    extra = ProjectFactory(unit=team.unit)
    batch = draw_batch(team.period, team.finance, ALL, name="第二批")
    assert set(picked(batch)) == {extra.pk}


def test_hand_picked_projects_are_taken_whatever_their_status(team):
    unapproved = ProjectFactory(unit=team.other_unit)
    approved(team.project, team.period)
    rules = DrawRules(random_share=Decimal(0), hand_picked=(unapproved.pk,))
    batch = draw_batch(team.period, team.finance, rules, name="a")
    assert picked(batch) == {unapproved.pk: "hand"}
    assert verify(batch)


@pytest.mark.parametrize(("case", "field", "words"), [
    ("monitoring", "period", "不是绩效自评期间"),
    ("duplicate", "name", "已有名为“第一批”"),
    ("blank_name", "name", "请填写批次名称"),
    ("unknown_hand", "hand_picked", "编号 999999"),
    ("other_year", "hand_picked", "不是 2025 年度"),
    ("already_sampled", "hand_picked", "已在批次“旧批次”中"),
    ("unknown_unit", "units", "未知的单位代码：000000"),
    ("nothing", None, "没有抽到任何项目"),
    ("long_seed", "seed", "40 个字符"),
])
def test_refusals_name_the_field_and_write_nothing(team, case, field, words):
    period, name, seed, rules = team.period, "第一批", None, ALL
    if case == "monitoring":
        period = MonitoringPeriodFactory()
    elif case == "duplicate":
        CheckBatchFactory(period=team.period, name="第一批")
    elif case == "blank_name":
        name = "  "
    elif case == "unknown_hand":
        rules = DrawRules(hand_picked=(999999,))
    elif case == "other_year":
        rules = DrawRules(hand_picked=(ProjectFactory(unit=team.unit, year=2024).pk,))
    elif case == "already_sampled":
        CheckedProjectFactory(batch=CheckBatchFactory(period=team.period, name="旧批次"),
                              project=team.project)
        rules = DrawRules(hand_picked=(team.project.pk,))
    elif case == "unknown_unit":
        rules = DrawRules(random_share=Decimal(1), units=("000000",))
    elif case == "nothing":
        rules = DrawRules(random_share=Decimal(1))  # approved only: none is
    elif case == "long_seed":
        seed = "9" * 41
    batches, checks = CheckBatch.objects.count(), CheckedProject.objects.count()
    with pytest.raises(DrawRefused) as refused:
        draw_batch(period, team.finance, rules, name=name, seed=seed)
    assert refused.value.field == field
    assert words in str(refused.value)
    assert (CheckBatch.objects.count(), CheckedProject.objects.count()) == (batches, checks)
    assert CheckedProject.history.count() == 0 or case in ("already_sampled",)


def test_a_failure_while_recording_leaves_nothing(team, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(HistoryManager, "bulk_history_create", broken)
    with pytest.raises(RuntimeError):
        draw_batch(team.period, team.finance, ALL, name="第一批")
    assert not CheckBatch.objects.exists()
    assert not CheckedProject.objects.exists()


def test_a_batch_too_large_is_refused(team, monkeypatch):
    monkeypatch.setattr(check_batches, "MAX_PICKS", 1)
    ProjectFactory(unit=team.unit)
    with pytest.raises(DrawRefused, match="最多 1 个"):
        draw_batch(team.period, team.finance, ALL, name="a")
    assert not CheckBatch.objects.exists()


def test_a_seed_is_generated_when_none_is_given(team):
    batch = draw_batch(team.period, team.finance, ALL, name="a")
    assert batch.seed.isdigit() and len(batch.seed) == 12


def test_the_redraw_reads_the_record_not_todays_projects(team):
    projects = [ProjectFactory(unit=team.unit) for _ in range(9)]
    batch = draw_batch(team.period, team.finance,
                       DrawRules(random_share=Decimal("0.3"), approved_only=False), name="a",
                       seed="42")
    before = redraw(batch)
    for project in projects:  # renamed afterwards: the recorded names still draw the sample
        project.name += "（更名）"
        project.save()
    ProjectFactory(unit=team.unit)
    assert redraw(batch) == before
    assert verify(batch).ok


def test_verify_finds_a_pick_that_does_not_follow_the_rules(team):
    for _ in range(5):
        ProjectFactory(unit=team.unit)
    batch = draw_batch(team.period, team.finance,
                       DrawRules(random_share=Decimal("0.4"), approved_only=False), name="a")
    drawn = set(picked(batch))
    outsider = next(c for c in batch.rules["candidates"] if c[0] not in drawn)
    batch.projects.filter(reason="random").first().delete()
    CheckedProjectFactory(batch=batch, project_id=outsider[0], reason="random",
                          draw_key="0" * 64)
    result = verify(batch)
    assert not result
    assert len(result.missing) == 1 and len(result.extra) == 1
    assert result.extra[0].project_id == outsider[0]


def test_hand_picked_lines_read_unit_code_and_name_or_a_number(team):
    other = ProjectFactory(unit=team.other_unit, name="公共就业服务")
    old = ProjectFactory(unit=team.unit, year=2024)
    text = "\n".join([
        f"{team.unit.code} {team.project.name}",
        "",
        f"{team.other_unit.code}\t公共就业服务",
        str(other.pk),
        f"{team.unit.code} 没有这个项目",
        "只有一列",
        str(old.pk),
        "999999",
    ])
    ids, problems = read_hand_picked(2025, text)
    assert ids == [team.project.pk, other.pk]
    assert problems == [
        f"第 5 行：单位 {team.unit.code} 在 2025 年度没有名为“没有这个项目”的项目。",
        "第 6 行：应为“单位代码 项目名称”或项目编号，收到“只有一列”。",
        f"第 7 行：{team.unit.code} {old.name}（编号 {old.pk}）是 2024 年度的项目，不是 2025 年度的。",
        "第 8 行：找不到编号为 999999 的项目。",
    ]


def test_hand_picked_lines_are_bounded():
    ids, problems = read_hand_picked(2025, "\n".join(["1"] * 501))
    assert ids == [] and "最多 500 行" in problems[0]


def test_stratified_draw_samples_every_unit(team):
    units = [team.unit, team.other_unit, UnitFactory()]
    for unit in units:
        for _ in range(4):
            ProjectFactory(unit=unit)
    rules = DrawRules(random_share=Decimal("0.1"), stratify="unit", approved_only=False)
    batch = draw_batch(team.period, team.finance, rules, name="a")
    strata = sorted(batch.projects.values_list("stratum", flat=True))
    assert strata == sorted(u.code for u in units)  # ceil(0.1 × n) = 1 in each
