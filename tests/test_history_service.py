"""performance.services.history: who changed which value, reason or status, when, old → new."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from performance.services.entry import Entry, save_entries
from performance.services.history import Change, project_history
from performance.services.workflow import approve, submit
from tests.entry_setup import make_team

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day, hour):
    return datetime.datetime(2026, 1, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture
def team():
    return make_team(indicators=1)


def history(team):
    return project_history(team.project, team.period, team.indicators)


def test_a_change_shows_who_when_and_old_to_new(team):
    ind = team.indicators[0]
    with time_machine.travel(at(5, 9), tick=False):
        save_entries(team.project, team.period, team.filler,
                     {ind.id: Entry(None, {"actual_value": Decimal(80), "explanation": ""})})
    with time_machine.travel(at(6, 10), tick=False):
        save_entries(team.project, team.period, team.filler, {ind.id: Entry(0, {
            "actual_value": Decimal("92.5"), "explanation": "年底补录"})})
    latest, first = history(team)[:2]
    assert latest.at == at(6, 10) and latest.by == "张填报" and latest.action == "修改"
    assert latest.subject == ind.name
    assert latest.changes == (Change("完成值", "80", "92.5"),
                              Change("未完成原因及说明", "（空）", "年底补录"))
    assert first.action == "新建" and first.changes == (Change("完成值", "（空）", "80"),)


def test_status_changes_are_kept_with_their_action(team):
    ind = team.indicators[0]
    with time_machine.travel(at(6, 9), tick=False):
        save_entries(team.project, team.period, team.filler,
                     {ind.id: Entry(None, {"actual_value": Decimal(100), "explanation": ""})},
                     Entry(None, {"spent": Decimal("100.00"), "spent_reason": ""}))
    with time_machine.travel(at(7, 9), tick=False):
        submit(team.project, team.period, team.filler)
    with time_machine.travel(at(8, 9), tick=False):
        approve(team.project, team.period, team.reviewer)
    approved, submitted = history(team)[:2]
    assert approved.action == "审核通过" and approved.by == "李审核"
    assert Change("状态", "已提交", "已审核") in approved.changes
    assert submitted.action == "提交审核" and Change("状态", "草稿", "已提交") in submitted.changes


def test_monitoring_reasons_show_as_people_read_them():
    team = make_team(indicators=1, monitoring=True)
    ind = team.indicators[0]
    save_entries(team.project, team.period, team.filler, {ind.id: Entry(None, {
        "deviation_reasons": ["经费", "人员"], "likelihood": "有可能"})})
    (entry,) = history(team)
    assert Change("偏差原因", "（空）", "经费、人员") in entry.changes
    assert Change("完成可能性", "（空）", "有可能") in entry.changes


def test_the_history_is_limited_to_the_latest_entries(team):
    ind = team.indicators[0]
    for version, value in enumerate(range(1, 6)):
        save_entries(team.project, team.period, team.filler, {ind.id: Entry(
            version - 1 if version else None, {"actual_value": Decimal(value), "explanation": ""})})
    entries = project_history(team.project, team.period, team.indicators, limit=3)
    assert [e.changes[0].new for e in entries] == ["5", "4", "3"]


def test_another_projects_history_is_not_shown(team):
    other = make_team(indicators=1)
    save_entries(other.project, other.period, other.filler, {other.indicators[0].id: Entry(
        None, {"actual_value": Decimal(1), "explanation": ""})})
    assert history(team) == []
