"""performance.services.upsert: many rows a statement, the same rows stored as the ORM would
store them, on both databases. On PostgreSQL a plain INSERT goes by COPY, and an upsert of a
large chunk is staged by COPY in a temporary table inside the transaction (COPY_MIN rows)."""

import contextlib
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from budget.models import Project
from performance.domain import Direction, Operator
from performance.models import AnnualGoal, Indicator
from performance.services import upsert
from tests.factories import ProjectFactory, level2

pytestmark = pytest.mark.django_db(transaction=False)
NAMES = ("project_id", "name", "level1_id", "level2_id", "operator", "target_value", "unit",
         "weight", "direction", "position")


@pytest.fixture(params=[2, 10_000], ids=["staged", "inline"])
def copy_min(request, monkeypatch):
    """Every chunk of 2+ rows staged by COPY (PostgreSQL), or none."""
    monkeypatch.setattr(upsert, "COPY_MIN", request.param)
    return request.param


def rows(project, level, count, target):
    return [(project.id, f"指标{i}", level.level1_id, level.id, Operator.GE, Decimal(target),
             "人次", Decimal("12.50"), Direction.POSITIVE, i) for i in range(count)]


def test_an_upsert_inserts_new_rows_and_updates_existing_ones_in_place(copy_min):
    project, level = ProjectFactory(), level2()
    now = timezone.now()
    upsert.upsert_tuples(Indicator, NAMES, rows(project, level, 3, 80), unique=["project", "name"],
                         update=["target_value", "updated_at"], constants={"updated_at": now})
    ids = dict(Indicator.objects.values_list("name", "id"))
    statements = upsert.upsert_tuples(
        Indicator, NAMES, rows(project, level, 5, 90), unique=["project", "name"],
        update=["target_value", "updated_at"], constants={"updated_at": now})
    assert statements == 1
    stored = {name: (pk, target, weight) for name, pk, target, weight in
              Indicator.objects.values_list("name", "id", "target_value", "weight")}
    assert len(stored) == 5
    assert all(stored[name][0] == pk for name, pk in ids.items())  # updated in place
    assert {target for _, target, _ in stored.values()} == {Decimal(90)}
    assert {weight for _, _, weight in stored.values()} == {Decimal("12.50")}


def test_two_staged_upserts_in_one_transaction_each_find_their_table(copy_min):
    project, level = ProjectFactory(), level2()
    with transaction.atomic():
        for target in (70, 75):
            upsert.upsert_tuples(Indicator, NAMES, rows(project, level, 4, target),
                                 unique=["project", "name"], update=["target_value"],
                                 constants={"updated_at": timezone.now()})
    assert set(Indicator.objects.values_list("target_value", flat=True)) == {Decimal(75)}


def test_a_plain_insert_keeps_constraints():
    """On PostgreSQL a COPY: a duplicate is Django's IntegrityError, as from an INSERT."""
    project = ProjectFactory()
    upsert.insert(AnnualGoal, [{"project_id": project.id, "text": "目标", "updated_at":
                                timezone.now()}])
    assert AnnualGoal.objects.get(project=project).text == "目标"
    with pytest.raises(IntegrityError), transaction.atomic():
        upsert.insert(AnnualGoal, [{"project_id": project.id, "text": "重复",
                                    "updated_at": timezone.now()}])
    assert AnnualGoal.objects.get(project=project).text == "目标"


def test_a_failed_staged_upsert_leaves_nothing_behind(copy_min):
    """Weights must be > 0 (a CHECK constraint): the chunk fails whole, and the next upsert
    in a fresh transaction works."""
    project, level = ProjectFactory(), level2()
    bad = [(*row[:7], Decimal(0), *row[8:]) for row in rows(project, level, 3, 80)]
    with pytest.raises(IntegrityError), transaction.atomic():
        upsert.upsert_tuples(Indicator, NAMES, bad, unique=["project", "name"],
                             update=["weight"], constants={"updated_at": timezone.now()})
    assert not Indicator.objects.exists()
    upsert.upsert_tuples(Indicator, NAMES, rows(project, level, 3, 80),
                         unique=["project", "name"], update=["weight"],
                         constants={"updated_at": timezone.now()})
    assert Indicator.objects.count() == 3
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'upsert_%%' "
                           "AND relpersistence = 't'")
            assert cursor.fetchone()[0] == 0
    assert Project.objects.count() == 1


def test_update_rows_sets_the_fields_of_the_rows_given_and_no_others(copy_min):
    project, level = ProjectFactory(), level2()
    upsert.upsert_tuples(Indicator, NAMES, rows(project, level, 4, 80), unique=None, update=[],
                         constants={"updated_at": timezone.now()})
    first, second, *others = Indicator.objects.order_by("position")
    upsert.update_rows(Indicator, ["target_value", "unit"],
                       [(Decimal("85.5"), "次", first.id), (Decimal(60), "", second.id)])
    stored = list(Indicator.objects.order_by("position").values_list("target_value", "unit"))
    assert stored == [(Decimal("85.5"), "次"), (Decimal(60), ""), *[(Decimal(80), "人次")] * 2]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's multi-row statements")
@pytest.mark.parametrize("logged", [False, True], ids=["driver", "debug-cursor"])
def test_sqlite_writes_rows_beyond_one_statement_in_several_and_updates_in_place(monkeypatch,
                                                                                 logged):
    """Each statement holds as many rows as the parameter limit allows (MAX_ROWS at most); the
    rows of a later statement still update the ones a former wrote. With a debug cursor (a
    test counting queries) each statement goes through Django's cursor and is logged."""
    monkeypatch.setattr(upsert, "MAX_ROWS", 2)
    with CaptureQueriesContext(connection) if logged else contextlib.nullcontext() as queries:
        _write_in_several_statements()
    if logged:
        inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(
            ('INSERT INTO "performance_indicator"', 'INSERT INTO "performance_annualgoal"'))]
        assert len(inserts) == 8  # 3 + 2 + 3 statements


def _write_in_several_statements():
    project, level = ProjectFactory(), level2()
    now = timezone.now()
    assert upsert.upsert_tuples(Indicator, NAMES, rows(project, level, 5, 80),
                                unique=["project", "name"], update=["target_value"],
                                constants={"updated_at": now}) == 3
    ids = dict(Indicator.objects.values_list("name", "id"))
    goals = [{"project_id": ProjectFactory().id, "text": f"目标{i}", "updated_at": now}
             for i in range(3)]
    assert upsert.insert(AnnualGoal, goals) == 2
    again = [*rows(project, level, 5, 90), (*rows(project, level, 1, 95)[0][:1], "指标9",
                                             *rows(project, level, 1, 95)[0][2:])]
    assert upsert.upsert_tuples(Indicator, NAMES, again, unique=["project", "name"],
                                update=["target_value"], constants={"updated_at": now}) == 3
    stored = dict(Indicator.objects.values_list("name", "target_value"))
    assert stored == {**{f"指标{i}": Decimal(90) for i in range(5)}, "指标9": Decimal(95)}
    assert all(Indicator.objects.get(name=name).id == pk for name, pk in ids.items())
    assert sorted(AnnualGoal.objects.values_list("text", flat=True)) == ["目标0", "目标1", "目标2"]
