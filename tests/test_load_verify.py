"""bench/load.py's check afterwards (bench/_load_world.verify) finds what it exists to find: an
acknowledged save without its history row, a stored value no write left, a submit applied
twice; and passes a clean run. The load test itself is a benchmark (CI runs its --smoke)."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from bench import _load_world as world
from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod
from performance.services.entry import Entry, save_entries
from performance.services.workflow import submit
from performance.workflow import Action

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_world(tmp_path):
    world.generate(units=2, per_unit=2, per_indicator=3, accounts=2)
    world.ensure_people(reviewers=1, finance=1)
    data = world.world_file(tmp_path / "world.json", "http://testserver")
    return data, ReportingPeriod.objects.get(code=world.PERIOD)


def _save(clerk, project_id, period, values: dict[int, str], spent: str, acks: list):
    from budget.models import Project

    project = Project.objects.get(pk=project_id)
    versions = {r.indicator_id: r.version for r in IndicatorRecord.objects.filter(
        period=period, indicator__project=project)}
    record = ProjectRecord.objects.filter(project=project, period=period).first()
    save_entries(project, period, clerk,
                 {iid: Entry(versions.get(iid), {"actual_value": Decimal(v)})
                  for iid, v in values.items()},
                 Entry(record.version if record else None, {"spent": Decimal(spent)}))
    acks.append({"t": time.time(), "kind": "save", "user": clerk.username,
                 "project": project_id, "values": {str(k): v for k, v in values.items()},
                 "spent": spent})


def _write(folder, acks):
    (folder / "acks-1.jsonl").write_text("".join(json.dumps(a) + "\n" for a in acks))


def test_verify_passes_saves_and_a_submit_done_through_the_write_path(small_world, tmp_path):
    data, period = small_world
    account = data["clerks"][0]
    clerk = User.objects.get(username=account["username"])
    project_id = account["projects"][0]
    ids = data["indicators"][str(project_id)]
    acks = []
    _save(clerk, project_id, period, {i: "101.5" for i in ids}, "97.00", acks)
    _save(clerk, project_id, period, {ids[0]: "110.25"}, "98.50", acks)
    from budget.models import Project

    submit(Project.objects.get(pk=project_id), period, clerk)
    acks.append({"t": time.time(), "kind": "submit", "user": clerk.username,
                 "project": project_id})
    _write(tmp_path, acks)

    checked = world.verify(tmp_path)

    assert checked["problems"] == []
    assert (checked["saves"], checked["submits"], checked["values"]) == (2, 1, len(ids))


def test_verify_names_an_acknowledged_value_that_was_never_written(small_world, tmp_path):
    data, period = small_world
    account = data["clerks"][0]
    clerk = User.objects.get(username=account["username"])
    project_id = account["projects"][0]
    ids = data["indicators"][str(project_id)]
    acks = []
    _save(clerk, project_id, period, {i: "101.5" for i in ids}, "97.00", acks)
    acks.append({"t": time.time(), "kind": "save", "user": clerk.username,
                 "project": project_id, "values": {str(ids[1]): "104"}, "spent": None})
    _write(tmp_path, acks)

    problems = world.verify(tmp_path)["problems"]

    assert any(f"indicator {ids[1]} = 104 has no history row" in p for p in problems)
    assert any(f"indicator {ids[1]}: last acknowledged 104, stored 101.5" in p for p in problems)


def test_verify_names_a_submit_applied_twice(small_world, tmp_path):
    data, period = small_world
    account = data["clerks"][1]
    clerk = User.objects.get(username=account["username"])
    project_id = account["projects"][0]
    ids = data["indicators"][str(project_id)]
    acks = []
    _save(clerk, project_id, period, {i: "101.5" for i in ids}, "97.00", acks)
    from budget.models import Project

    record = submit(Project.objects.get(pk=project_id), period, clerk)
    # a second 提交审核 history row, as a submit applied twice would leave
    ProjectRecord.history.bulk_history_create([record], update=True, default_user=clerk,
                                              default_change_reason=Action.SUBMIT.label)
    acks.append({"t": time.time(), "kind": "submit", "user": clerk.username,
                 "project": project_id})
    _write(tmp_path, acks)

    problems = world.verify(tmp_path)["problems"]

    assert f"project {project_id}: 提交审核 applied 2 times" in problems


def test_reset_empties_the_period_for_the_next_run(small_world, tmp_path):
    data, period = small_world
    account = data["clerks"][0]
    clerk = User.objects.get(username=account["username"])
    project_id = account["projects"][0]
    _save(clerk, project_id, period, {i: "101.5" for i in data["indicators"][str(project_id)]},
          "97.00", [])

    from performance.models import Notice, ReminderLog

    # a notice delivered from a reminder of the period (it points at the reminder)
    claim = ReminderLog.objects.create(period=period, unit=clerk.memberships.get().unit,
                                       scope="L00000", recipient=clerk, audience="filler",
                                       step="submit-1", subject="提醒")
    Notice.objects.create(recipient=clerk, subject="提醒", body="", reminder=claim)

    world.reset()

    assert not IndicatorRecord.objects.filter(period=period).exists()
    assert not ProjectRecord.objects.filter(period=period).exists()
    assert not IndicatorRecord.history.model.objects.filter(period_id=period.pk).exists()
    assert not ReminderLog.objects.filter(period=period).exists()
