"""The project page's write path under load (bench/load.py): a save and a save-and-submit cost
the same number of queries whatever the project's number of indicators, and the reads that
only fill a dict skip the models' ordering, which joined the project and the unit just to sort
(and cost its compiling on every save)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench import _load_world as world
from budget.models import Project
from performance.entry.page import load_sheet
from performance.models import Indicator, ReportingPeriod
from performance.services import values, workflow

pytestmark = pytest.mark.django_db
VERSION = re.compile(r'name="([ip]\d*)-version"(?: value="(\d*)")?')


@pytest.fixture
def two_projects():
    """Two units with a clerk each: one project of 3 indicators, one of 12."""
    world.generate(units=2, per_unit=1, per_indicator=12, accounts=2)
    small, big = Project.objects.filter(year=2099).order_by("id")
    Indicator.objects.filter(project=small, position__gte=3).delete()
    period = ReportingPeriod.objects.get(code=world.PERIOD)
    clerks = [User.objects.get(memberships__unit=p.unit) for p in (small, big)]
    return period, [(small, clerks[0]), (big, clerks[1])]


def _post(client, project, period, *, submit=False, value="101"):
    url = f"/projects/{project.pk}/?period={period.code}"
    versions = dict(VERSION.findall(client.get(url).content.decode()))
    data = {"period": period.code, "p-version": versions.get("p", ""), "p-spent": "97"}
    for indicator in Indicator.objects.filter(project=project):
        data[f"i{indicator.id}-version"] = versions.get(f"i{indicator.id}", "")
        data[f"i{indicator.id}-actual_value"] = value
    if submit:
        data["action"] = "submit"
    with CaptureQueriesContext(connection) as queries:
        answer = client.post(url, data)
    assert answer.status_code == 302
    return len(queries)


def test_page_save_and_submit_cost_the_same_queries_for_3_and_12_indicators(two_projects,
                                                                            client):
    period, cases = two_projects
    counts = []
    for project, clerk in cases:
        client.force_login(clerk)
        first = _post(client, project, period)  # creates the records
        again = _post(client, project, period, value="102")  # changes every value
        submitted = _post(client, project, period, submit=True)  # nothing changed: submits
        counts.append((first, again, submitted))
        assert project.records.get(period=period).status == "submitted"
    assert counts[0] == counts[1]


def test_write_path_reads_into_dicts_without_the_sorting_joins(two_projects):
    period, cases = two_projects
    project, clerk = cases[1]
    ids = list(Indicator.objects.filter(project=project).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        targets = values._indicators(ids, project.id, period)
        values._indicator_records(period, targets)
        load_sheet(project, period)
        workflow.submission_problems(project, period)
        with transaction.atomic():
            workflow._locked(project, period, create=True)
    # (the evidence rule's own read of the indicators, performance.services.evidence, is not
    # this path's: it joins the levels)
    sorted_by_unit = [q["sql"] for q in queries.captured_queries
                      if '"budget_unit"."code"' in q["sql"]
                      and '"performance_indicatorlevel2"' not in q["sql"] and (
                          'FROM "performance_indicatorrecord"' in q["sql"]
                          or 'FROM "performance_projectrecord"' in q["sql"]
                          or 'FROM "performance_indicator" ' in q["sql"])]
    assert sorted_by_unit == []
