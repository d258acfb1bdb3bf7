"""updated_at of Unit, Project, AnnualGoal and Indicator: every write moves it, a no-op does not.

Pages are cached under a data version (MAX(updated_at) and COUNT over the rows shown), so a
writer that bypasses save() (bulk_update, the raw upsert) must set the stamp itself, and an
import that changes nothing must leave every stamp, and so every cached page, alone.
"""

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest
import time_machine

from budget.models import Project, Unit
from budget.seed import SEED_DIR
from performance.excel.targets_import import import_targets
from performance.models import AnnualGoal, Indicator
from performance.seed import (
    add_local_levels,
    link_projects_to_budget_lines,
    load_seed,
    read_table13_tsv,
)
from performance.services.targets import apply_targets
from tests.excel_files import TABLE13_XLSX
from tests.factories import AnnualGoalFactory, IndicatorFactory, ProjectFactory, UnitFactory

pytestmark = pytest.mark.django_db

FIRST = datetime.datetime(2025, 3, 1, 9, 0, tzinfo=datetime.UTC)
LATER = datetime.datetime(2025, 6, 1, 9, 0, tzinfo=datetime.UTC)
MODELS = (Unit, Project, AnnualGoal, Indicator)


@pytest.fixture
def levels(db):
    add_local_levels({"满意度指标": ["帮扶对象满意度指标"]})


def seed_rows():
    return read_table13_tsv(SEED_DIR / "table13-2025.tsv")


def stamps():
    """{(model, pk): updated_at} for every row of the four stamped models."""
    return {
        (model.__name__, pk): stamp
        for model in MODELS
        for pk, stamp in model.objects.values_list("pk", "updated_at")
    }


def moved(before):
    after = stamps()
    return {key for key, stamp in after.items() if before.get(key) != stamp}


def imported_first(rows):
    with time_machine.travel(FIRST, tick=False):
        apply_targets(2025, rows)
    return stamps()


def reimport(rows):
    with time_machine.travel(LATER, tick=False):
        return apply_targets(2025, rows)


# save()


@pytest.mark.parametrize(
    "factory, change",
    [
        (UnitFactory, {"name": "改名单位"}),
        (ProjectFactory, {"budget_amount": Decimal("20.00")}),
        (AnnualGoalFactory, {"text": "新的年度目标"}),
        (IndicatorFactory, {"target_value": Decimal("200")}),
    ],
    ids=["unit", "project", "goal", "indicator"],
)
def test_saving_a_row_moves_its_updated_at(factory, change):
    with time_machine.travel(FIRST, tick=False):
        obj = factory()
    assert obj.updated_at == FIRST
    for name, value in change.items():
        setattr(obj, name, value)
    with time_machine.travel(LATER, tick=False):
        obj.save()
    obj.refresh_from_db()
    assert obj.updated_at == LATER


# The targets import (performance.services.targets.apply_targets, behind every 表13 source)


def test_an_import_stamps_every_row_it_creates(levels):
    with time_machine.travel(FIRST, tick=False):
        apply_targets(2025, seed_rows())
    assert Indicator.objects.count() == 90
    for model in MODELS:
        assert set(model.objects.values_list("updated_at", flat=True)) == {FIRST}, model


def test_an_import_changing_a_budget_moves_only_that_projects_updated_at(levels):
    rows = seed_rows()
    before = imported_first(rows)
    name = rows[0].project_name
    changed = [replace(r, budget=r.budget + 1) if r.project_name == name else r for r in rows]

    result = reimport(changed)

    project = Project.objects.get(name=name)
    assert result.projects_updated == 1
    assert moved(before) == {("Project", project.pk)}
    assert project.updated_at == LATER
    assert Project.objects.exclude(pk=project.pk).filter(updated_at=FIRST).count() == 6


def test_an_import_changing_a_target_moves_only_that_indicators_updated_at(levels):
    rows = seed_rows()
    before = imported_first(rows)
    target = next(r for r in rows if r.target_value is not None)
    changed = [replace(r, target_value=r.target_value + 1) if r is target else r for r in rows]

    result = reimport(changed)

    indicator = Indicator.objects.get(project__name=target.project_name, name=target.name)
    assert (result.indicators_updated, result.indicators_unchanged) == (1, 89)
    assert moved(before) == {("Indicator", indicator.pk)}
    assert indicator.updated_at == LATER


def test_an_import_adding_an_indicator_stamps_it_and_moves_nothing_else(levels):
    rows = seed_rows()
    before = imported_first(rows)
    extra = replace(rows[0], name="新增的三级指标", source_row=999)

    reimport([*rows, extra])

    added = Indicator.objects.get(name="新增的三级指标")
    assert moved(before) == {("Indicator", added.pk)}
    assert added.updated_at == LATER


def test_an_import_changing_a_goal_moves_only_that_goals_updated_at(levels):
    rows = seed_rows()
    before = imported_first(rows)
    name = rows[0].project_name
    changed = [replace(r, goal=r.goal + "（调整）") if r.project_name == name else r for r in rows]

    reimport(changed)

    goal = AnnualGoal.objects.get(project__name=name)
    assert moved(before) == {("AnnualGoal", goal.pk)}
    assert goal.updated_at == LATER


def test_an_import_moving_rows_in_the_file_only_moves_no_updated_at(levels):
    rows = seed_rows()
    before = imported_first(rows)

    result = reimport([replace(r, source_row=r.source_row + 10) for r in rows])

    assert not result.changed
    assert moved(before) == set()


def test_a_dry_run_moves_no_updated_at(levels):
    rows = seed_rows()
    before = imported_first(rows)
    changed = [replace(r, budget=r.budget + 1, goal=r.goal + "！") for r in rows]

    with time_machine.travel(LATER, tick=False):
        result = apply_targets(2025, changed, dry_run=True)

    assert result.changed
    assert moved(before) == set()


def test_reimporting_the_identical_file_moves_no_updated_at(levels):
    with time_machine.travel(FIRST, tick=False):
        import_targets(TABLE13_XLSX, 2025)
    before = stamps()
    assert len(before) == 1 + 7 + 7 + 90

    with time_machine.travel(LATER, tick=False):
        outcome = import_targets(TABLE13_XLSX, 2025)

    assert not outcome.result.changed
    assert stamps() == before


# The seed loader


def test_loading_the_seed_again_moves_no_updated_at(db):
    with time_machine.travel(FIRST, tick=False):
        load_seed()
    before = stamps()
    assert before and None not in before.values()

    with time_machine.travel(LATER, tick=False):
        load_seed()

    assert stamps() == before


def test_linking_a_project_to_its_budget_line_moves_its_updated_at(seeded):
    project = Project.objects.filter(budget_line__isnull=False).first()
    Project.objects.filter(pk=project.pk).update(budget_line=None)
    before = stamps()

    with time_machine.travel(LATER, tick=False):
        linked = link_projects_to_budget_lines(project.unit, project.year)

    assert linked == 1
    assert moved(before) == {("Project", project.pk)}
    project.refresh_from_db()
    assert project.budget_line is not None and project.updated_at == LATER

