"""performance.services.api_values and api/etags: the versions behind the values' ETag rise with
every write and step and with nothing else (a snapshot refresh included), a write made from
older versions is refused naming what changed and writes nothing, the If-Match header is read
as RFC 9110 says for a write; and on PostgreSQL two writes made from the same versions at the
same moment: one is written, the other refused (the comparison runs under the record's lock).

    DATABASE_URL=postgres://… .venv/bin/python -m pytest tests/test_api_values_service.py
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory

from api import etags
from api.exceptions import PreconditionRequired
from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod
from performance.services import api_values
from performance.services.api_values import Stale, Versions
from performance.services.entry import Entry, save_entries
from performance.services.snapshot import refresh_snapshots
from performance.services.values import WriteRefused
from performance.workflow import Action, Channel
from tests.entry_setup import lock, make_team
from tests.factories import ProjectFactory

TIMEOUT = 60


def versions(team) -> Versions:
    return api_values.read_values(team.filler, team.project, team.period).versions


def history_rows(team) -> tuple[int, int]:
    return IndicatorRecord.history.count(), ProjectRecord.history.count()


def write(team, expected, values=None, spent=None, user=None):
    first = team.indicators[0].id
    return api_values.write(user or team.filler, team.project, team.period, [expected],
                            {first: values or {"actual_value": Decimal(1)}},
                            {"spent": spent} if spent is not None else {})


def fill_and_spend(team):
    """Everything a submission needs, saved on the page from what is saved now."""
    saved = dict(IndicatorRecord.objects.values_list("indicator_id", "version"))
    record = ProjectRecord.objects.filter(project=team.project, period=team.period).first()
    save_entries(team.project, team.period, team.filler,
                 {i.id: Entry(saved.get(i.id), {"actual_value": Decimal(100)})
                  for i in team.indicators},
                 Entry(record.version if record else None, {"spent": Decimal(95)}))


def rose(before: Versions, after: Versions) -> bool:
    """The counted parts changed and none fell (the latest change follows the wall clock, which
    may be set back: the counts alone tell a change)."""
    counted = ((before.project, before.records, before.total),
               (after.project, after.records, after.total))
    return counted[0] != counted[1] and all(b <= a for b, a in zip(*counted, strict=True))


# ---------------------------------------------------------------- the versions


@pytest.mark.django_db
def test_nothing_written_means_no_versions_at_all():
    team = make_team()
    assert versions(team) == Versions(0, 0, 0, 0)
    assert etags.etag(versions(team)) == '"p0.n0.s0.t0"'


@pytest.mark.django_db
def test_every_write_and_step_raises_the_versions_and_none_falls():
    team = make_team()
    seen = [versions(team)]
    write(team, seen[-1])
    seen.append(versions(team))
    write(team, seen[-1], {"actual_value": Decimal(2)})  # a change of a record that exists
    seen.append(versions(team))
    write(team, seen[-1], spent=Decimal(5))  # the project record only
    seen.append(versions(team))
    fill_and_spend(team)
    seen.append(versions(team))
    api_values.step(team.filler, team.project, team.period, Action.SUBMIT, [seen[-1]])
    seen.append(versions(team))
    api_values.step(team.reviewer, team.project, team.period, Action.RETURN, [seen[-1]],
                    reason="补充")
    seen.append(versions(team))
    assert all(rose(a, b) for a, b in zip(seen, seen[1:], strict=False)), seen


@pytest.mark.django_db
def test_a_write_that_changes_nothing_leaves_the_versions():
    team = make_team()
    write(team, versions(team))
    before = versions(team)
    write(team, before)  # the same value again
    assert versions(team) == before


@pytest.mark.django_db
def test_a_snapshot_refresh_moves_no_version_nor_the_latest_change():
    team = make_team(monitoring=True)
    write(team, versions(team), spent=Decimal(5))
    before = versions(team)
    record = ProjectRecord.objects.get(project=team.project, period=team.period)
    refresh_snapshots(team.period)
    refresh_snapshots(team.period, [team.project.id])
    assert versions(team) == before
    after = ProjectRecord.objects.get(pk=record.pk)
    assert (after.version, after.updated_at) == (record.version, record.updated_at)
    assert after.computed_at != record.computed_at  # it did refresh


@pytest.mark.django_db
def test_an_empty_record_a_refresh_creates_is_no_change():
    team = make_team()
    untouched = ProjectFactory(unit=team.unit)
    refresh_snapshots(team.period, [untouched.id])  # creates its record, empty
    assert ProjectRecord.objects.filter(project=untouched, period=team.period).exists()
    shown = api_values.read_values(team.filler, untouched, team.period)
    assert shown.versions == Versions(0, 0, 0, 0) and shown.version == 0


# ---------------------------------------------------------------- refusals


@pytest.mark.django_db
def test_a_write_from_older_versions_is_stale_names_the_changes_and_writes_nothing():
    team = make_team()
    old = versions(team)
    save_entries(team.project, team.period, team.filler,
                 {team.indicators[1].id: Entry(None, {"actual_value": Decimal(9)})})
    rows = history_rows(team)
    with pytest.raises(Stale) as refused:
        write(team, old, spent=Decimal(3))
    assert [c.subject for c in refused.value.changes] == [team.indicators[1].name]
    assert refused.value.changes[0].by == "张填报"
    assert refused.value.current == versions(team)
    assert history_rows(team) == rows
    assert not IndicatorRecord.objects.filter(indicator=team.indicators[0]).exists()
    assert ProjectRecord.objects.get(project=team.project).spent is None


@pytest.mark.django_db
def test_a_change_of_the_project_record_is_named_with_its_version():
    team = make_team()
    old = versions(team)
    write(team, old, spent=Decimal(3))
    with pytest.raises(Stale) as refused:
        write(team, old, spent=Decimal(4))
    subjects = {c.subject: c.version for c in refused.value.changes}
    assert subjects == {team.indicators[0].name: 0, "预算执行数/状态": 1}
    assert str(refused.value).count("张填报 于 ") == 2


@pytest.mark.django_db
def test_any_of_several_expected_versions_matches():
    team = make_team()
    current = versions(team)
    api_values.write(team.filler, team.project, team.period,
                     [Versions(9, 9, 9, 9), current], {}, {"spent": Decimal(1)})
    assert ProjectRecord.objects.get().spent == 1


@pytest.mark.django_db
def test_an_if_match_without_one_of_our_tags_names_no_change():
    team = make_team()
    write(team, versions(team))
    with pytest.raises(Stale) as refused:
        api_values.write(team.filler, team.project, team.period, [], {}, {"spent": Decimal(1)})
    assert refused.value.changes == []
    assert str(refused.value) == "If-Match 中没有本资源的 ETag；请先 GET 取得 ETag 后再提交。"

@pytest.mark.django_db
def test_a_locked_period_refuses_with_the_service_s_words_and_writes_nothing():
    team = make_team()
    lock(team.period, team.finance)
    with pytest.raises(WriteRefused, match="锁定"):
        write(team, versions(team))
    assert not IndicatorRecord.objects.exists() and not ProjectRecord.objects.exists()


@pytest.mark.django_db
def test_only_capacities_that_may_take_a_step_pass_the_right_check():
    team = make_team()
    api_values.require_right(team.filler, team.project, Action.SAVE)
    api_values.require_right(team.finance, team.project, Action.REOPEN)
    with pytest.raises(PermissionDenied, match="只有财政审核人可以重新打开已审核的项目"):
        api_values.require_right(team.reviewer, team.project, Action.REOPEN)
    with pytest.raises(PermissionDenied, match="财政审核人只审核"):
        api_values.require_right(team.finance, team.project, Action.SAVE)


def test_the_reason_a_step_needs_is_asked_in_the_workflow_s_words():
    assert api_values.reason_refusal(Action.RETURN, " ") == "退回时须填写退回原因。"
    assert api_values.reason_refusal(Action.DEPARTMENT_RETURN, "") == "退回时须填写退回原因。"
    assert api_values.reason_refusal(Action.REOPEN, "") == "重新打开时须填写原因。"
    assert api_values.reason_refusal(Action.RETURN, "写了") is None
    assert api_values.reason_refusal(Action.APPROVE, "") is None


# ---------------------------------------------------------------- If-Match


def if_match(value=None):
    headers = {} if value is None else {"HTTP_IF_MATCH": value}
    return RequestFactory().patch("/", **headers)


def test_the_etag_is_strong_quoted_and_read_back():
    tag = etags.etag(Versions(3, 12, 40, 1764640860123456))
    assert tag == '"p3.n12.s40.t1764640860123456"'
    assert etags.expected_versions(if_match(tag)) == [Versions(3, 12, 40, 1764640860123456)]


@pytest.mark.parametrize("header", [None, "", "  ", "*"])
def test_a_missing_if_match_or_a_star_is_precondition_required(header):
    with pytest.raises(PreconditionRequired):
        etags.expected_versions(if_match(header))


@pytest.mark.parametrize(("header", "expected"), [
    ('"p1.n2.s3.t4", "p5.n6.s7.t8"', [Versions(1, 2, 3, 4), Versions(5, 6, 7, 8)]),
    ('W/"p1.n2.s3.t4"', []),  # a weak tag never matches for a write
    ("p1.n2.s3.t4", [Versions(1, 2, 3, 4)]),  # the quotes left out
    ('"something else"', []),
    ('"p1.n2.s3.t4x"', []),
])
def test_if_match_lists_and_strange_tags(header, expected):
    assert etags.expected_versions(if_match(header)) == expected


# ---------------------------------------------------------------- two writes at once


def _race(*writers):
    """Run the writers in threads (each its own connection), released together; their
    outcomes in order: "ok", or the refusal's class name."""
    start = threading.Barrier(len(writers), timeout=TIMEOUT)
    outcomes = [None] * len(writers)

    def run(index, writer):
        try:
            start.wait()
            writer()
            outcomes[index] = "ok"
        except (Stale, WriteRefused) as exc:
            outcomes[index] = type(exc).__name__
        except BaseException as exc:  # reported in the test's thread
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item, daemon=True)
               for item in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), f"a writer still runs after {TIMEOUT} s"
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return outcomes


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason=(
    "real concurrent writes need PostgreSQL (row locks); SQLite runs one writer at a time"))
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("round_", range(4))
@pytest.mark.parametrize("saved", [False, True], ids=["first-write", "record-saved"])
def test_two_writes_from_the_same_versions_at_once_one_is_written_one_refused(saved, round_):
    team = make_team()
    if saved:  # the project's record exists: only its lock orders the two
        write(team, versions(team), {}, spent=Decimal(1))
    start = versions(team)
    period = ReportingPeriod.objects.get(pk=team.period.pk)

    def writer(indicator, value):
        def run():  # different indicators: the page's merge would take both, the tag may not
            api_values.write(team.filler, team.project, period, [start],
                             {indicator.id: {"actual_value": Decimal(value)}}, {})
        return run

    outcomes = _race(writer(team.indicators[1], 1), writer(team.indicators[2], 2))
    assert sorted(outcomes) == ["Stale", "ok"]
    assert IndicatorRecord.objects.filter(indicator__in=team.indicators[1:]).count() == 1
    rows = IndicatorRecord.history.filter(indicator_id__in=[i.id for i in team.indicators[1:]])
    assert [row.history_channel for row in rows] == [Channel.API]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason=(
    "real concurrent writes need PostgreSQL (row locks); SQLite runs one writer at a time"))
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("round_", range(3))
def test_a_submit_and_a_write_from_the_same_versions_at_once_never_both_succeed(round_):
    team = make_team()
    fill_and_spend(team)
    start = versions(team)
    period = ReportingPeriod.objects.get(pk=team.period.pk)

    def submit():
        api_values.step(team.filler, team.project, period, Action.SUBMIT, [start])

    def change():
        api_values.write(team.filler, team.project, period, [start],
                         {team.indicators[0].id: {"explanation": "补充"}}, {})

    outcomes = _race(submit, change)
    assert outcomes.count("ok") == 1
    record = ProjectRecord.objects.get(project=team.project, period=team.period)
    explained = IndicatorRecord.objects.get(indicator=team.indicators[0]).explanation == "补充"
    assert (record.status == "submitted") == (outcomes[0] == "ok")
    assert explained == (outcomes[1] == "ok")

