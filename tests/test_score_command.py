import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from budget.models import Project
from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod


def run(*args):
    out = StringIO()
    call_command("score", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def filled(seeded):
    period = ReportingPeriod.objects.get(code="2025-final")
    project = Project.objects.get(name="社会保险信息网络建设维护费")
    ProjectRecord.objects.create(project=project, period=period, spent=Decimal("6.5"))
    IndicatorRecord.objects.bulk_create(
        IndicatorRecord(indicator=i, period=period, actual_value=i.target_value,
                        actual_grade="" if i.target_value is not None else "优")
        for i in project.indicators.all()
    )
    return project


def test_json_lists_one_object_per_project_with_numbers(filled):
    data = json.loads(run("--period", "2025-final", "--unit", "342601", "--json"))
    assert len(data) == 7
    first = data[0]
    assert first["unit"] == "342601"
    assert first["project"] == "社会保险信息网络建设维护费"
    assert (first["budget"], first["spent"], first["execution_rate"]) == (7.0, 6.5, 0.9286)
    assert (first["execution_score"], first["indicator_score"], first["total"]) == (9.29, 90.0, 99.29)
    assert first["grade"] == "优"
    assert len(first["indicators"]) == 16
    assert all(isinstance(i["score"], float) and i["missing"] is False for i in first["indicators"])


def test_table_shows_each_project_with_its_total_and_grade(filled):
    out = run("--period", "2025-final")
    assert "社会保险信息网络建设维护费\t7.00\t6.50\t92.86%\t9.29\t90.00\t99.29\t优" in out
    assert "共 7 个项目" in out
    assert "未填报指标 15 个" in out


def test_unknown_period_is_a_clear_error_with_status_2(seeded):
    with pytest.raises(CommandError) as error:
        run("--period", "2031-final")
    assert error.value.returncode == 2
    assert "未知的期间“2031-final”" in str(error.value)


def test_unknown_unit_is_a_clear_error_with_status_2(seeded):
    with pytest.raises(CommandError) as error:
        run("--period", "2025-final", "--unit", "999999")
    assert error.value.returncode == 2
    assert "999999" in str(error.value)


def test_json_says_which_projects_have_nothing_entered_and_gives_them_no_grade(filled):
    data = {p["project"]: p for p in json.loads(run("--period", "2025-final", "--json"))}
    done = data["社会保险信息网络建设维护费"]
    assert (done["nothing_entered"], done["missing_indicators"], done["grade"]) == (False, 0, "优")
    empty = data["乡村振兴经费"]
    assert empty["nothing_entered"] is True and empty["grade"] is None
    assert empty["total"] == 0.0 and empty["missing_indicators"] == len(empty["indicators"])
    assert all(i["missing"] is True for i in empty["indicators"])


def test_table_shows_a_project_with_nothing_entered_as_not_entered(filled):
    out = run("--period", "2025-final", "--unit", "342601")
    line = next(row for row in out.splitlines() if row.startswith("342601\t乡村振兴经费\t"))
    assert line.split("\t")[5:] == ["未填", "未填报", "未填报", "未填报", "第1版（年初批复）"]
    assert "差" not in line and "0.00" not in line


def test_table_shows_missing_money_spent_as_missing_and_keeps_the_total(filled):
    project = Project.objects.get(name="乡村振兴经费")
    indicator = project.indicators.order_by("position").first()
    IndicatorRecord.objects.create(indicator=indicator, period=ReportingPeriod.objects.get(
        code="2025-final"), actual_value=indicator.target_value)
    line = next(row for row in run("--period", "2025-final").splitlines()
                if "\t乡村振兴经费\t" in row)
    execution, indicators, total, grade, version = line.split("\t")[5:]
    assert execution == "未填" and grade == "差"  # something entered: the total as it is
    assert indicators == total == f"{indicator.weight:.2f}"
