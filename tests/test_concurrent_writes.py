"""Writes of the same values at the same moment, for real: threads with their own database
connections, released together by a barrier, on PostgreSQL (docs/workflow.md, "One write path":
the period is read under a share lock, the project records are locked before anything is
compared, a change made from an older version is merged field by field).

Each scenario runs several rounds, each on its own project, and checks after every round:
* what each writer was told: exactly one of two clashing writes succeeds, and the refused one
  names who changed the value; writes of different fields both succeed (merged);
* no acknowledged value is lost: every field a successful write gave is in the database, unless
  another successful write changed the same field after it — which, with versions, is refused
  instead, so it never happens here;
* each success has exactly its history rows (one per record it changed, its user and channel),
  a refused write none, each record's version went up once per success that changed it, and its
  latest history row is what is saved;
* the stored score is the one the saved values give;
and, for a lock of the period (or a submit) started together with a save: either the save
committed first (its history row is older than the lock event, its value is in what was
submitted) or it was refused naming the lock (已提交).

Writers are released together by a barrier and held again at a gate just before their first
database lock, so that both orders happen; the checks hold whichever comes first.

    DATABASE_URL=postgres://… .venv/bin/python -m pytest tests/test_concurrent_writes.py
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from budget.models import Role
from performance.excel.actuals_import import import_actuals
from performance.excel.errors import ExcelImportError
from performance.models import (
    ImportStatus,
    IndicatorRecord,
    PeriodLockEvent,
    ProjectRecord,
    ReportingPeriod,
)
from performance.services import period_lock, snapshot, values, workflow
from performance.services.entry import EditConflict, Entry, EntryRefused, save_entries
from performance.services.period_lock import lock_period, unlock_period
from performance.services.record_fields import who
from performance.services.scoring import score_project_period
from performance.services.snapshot import refresh_snapshots
from performance.services.uploads import start_upload
from performance.services.values import RecordChange, ValueWrite, write_values
from performance.services.workflow import WorkflowRefused, submit
from performance.workflow import Channel
from tests.entry_setup import UNUSABLE, make_team
from tests.excel_files import xlsx
from tests.factories import MembershipFactory, UserFactory

# serialized_rollback: the reference rows the migrations seed (指标 levels) come back for the
# next test after the flush a transactional test ends with
pytestmark = [
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason=(
        "real concurrent writes need PostgreSQL (row locks, FOR SHARE); SQLite runs one writer "
        "at a time — set DATABASE_URL to a PostgreSQL database (.ci/services.sh postgres)")),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROUNDS = 6
TIMEOUT = 60  # seconds: the barrier and each join; a writer stuck past it is a hang
HEADERS = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "全年实际完成值", "未完成原因",
           "预算执行数"]
VERSION_HEADERS = ["填报期间代码", "指标记录版本", "项目记录版本"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


# ---------------------------------------------------------------- running writers together


@dataclass
class Outcome:
    ok: bool
    error: str = ""


class Gate:
    """Holds each writer just before it takes its first database lock — a value write or a
    workflow step where it reads the period under its share lock (values / workflow
    period_for_write), a lock of the period where it locks the period's row
    (period_lock._locked_row) — until every writer is there, so that
    they contend for the locks at the same moment instead of the one with less to read first
    (a file to parse) always coming second. A barrier, not a sleep."""

    def __init__(self):
        self.barrier: threading.Barrier | None = None
        self.local = threading.local()

    def arrive(self) -> None:
        """Wait for the others, once per writer; calls outside a race pass."""
        if self.barrier is None or not getattr(self.local, "racing", False):
            return
        if not self.local.passed:
            self.local.passed = True
            self.barrier.wait()


@pytest.fixture
def gate(monkeypatch) -> Gate:
    gate = Gate()
    for module, name in ((values, "period_for_write"), (period_lock, "_locked_row"),
                         (workflow, "period_for_write")):
        real = getattr(module, name)

        def held(*args, _real=real, **kwargs):
            gate.arrive()
            return _real(*args, **kwargs)

        monkeypatch.setattr(module, name, held)
    return gate


def race(gate: Gate, **writers: Callable[[], Outcome]) -> dict[str, Outcome]:
    """Run each writer in its own thread (its own connection, closed at the end), started
    together by a barrier and held at the gate before their first lock; their outcomes by
    name. A writer that raises anything but the refusal it reports fails the test."""
    start = threading.Barrier(len(writers), timeout=TIMEOUT)
    gate.barrier = threading.Barrier(len(writers), timeout=TIMEOUT)
    outcomes: dict[str, Outcome] = {}
    crashes: list[BaseException] = []

    def run(name, writer):
        gate.local.racing, gate.local.passed = True, False
        try:
            start.wait()
            outcomes[name] = writer()
        except BaseException as exc:  # reported in the test's thread
            crashes.append(exc)
        finally:
            try:
                gate.arrive()  # a writer refused before its first lock still counts
            except threading.BrokenBarrierError as exc:
                crashes.append(exc)
            connection.close()

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in writers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    gate.barrier = None
    print("RACE", {k: v.ok for k, v in outcomes.items()})
    assert not any(t.is_alive() for t in threads), f"a writer still runs after {TIMEOUT} s"
    if crashes:
        raise crashes[0]
    return outcomes


def page_save(project, period, user, entries: dict, project_entry=None) -> Callable[[], Outcome]:
    """The project page's save: save_entries with the versions the page showed."""
    def save():
        try:
            save_entries(project, ReportingPeriod.objects.get(pk=period.pk), user, entries,
                         project_entry)
        except (EditConflict, EntryRefused) as exc:
            return Outcome(False, str(exc))
        return Outcome(True)
    return save


def file_import(data: bytes, period, user, units) -> Callable[[], Outcome]:
    """import_actuals of a file as `user` (channel Excel 上传), their units only."""
    def run():
        try:
            import_actuals(data, ReportingPeriod.objects.get(pk=period.pk), user=user,
                           units=units, channel=Channel.UPLOAD, filename="自评表.xlsx")
        except ExcelImportError as exc:
            return Outcome(False, str(exc))
        return Outcome(True)
    return run


def upload(data: bytes, period, user) -> Callable[[], Outcome]:
    """The unit's upload (start_upload: an ImportJob run now)."""
    def run():
        try:
            job = start_upload(SimpleUploadedFile("自评表.xlsx", data),
                               ReportingPeriod.objects.get(pk=period.pk), user)
        except EntryRefused as exc:
            return Outcome(False, str(exc))
        return Outcome(job.status == ImportStatus.DONE, "\n".join(job.errors))
    return run


# ---------------------------------------------------------------- a round's world


@dataclass
class Round:
    team: object
    colleague: object  # a second filler of the unit
    mark: int  # the last indicator history row before the writers ran
    project_mark: int
    versions: dict  # record id → version before the writers ran

    @property
    def indicators(self):
        return self.team.indicators

    def records(self) -> dict[int, IndicatorRecord]:
        return {r.indicator_id: r for r in IndicatorRecord.objects.filter(
            indicator__in=self.indicators, period=self.team.period)}

    def project_record(self) -> ProjectRecord | None:
        return ProjectRecord.objects.filter(project=self.team.project,
                                            period=self.team.period).first()

    def history(self) -> list:
        """The indicator history rows the writers left."""
        return list(IndicatorRecord.history.filter(
            history_id__gt=self.mark, indicator_id__in=[i.id for i in self.indicators])
            .select_related("history_user").order_by("history_id"))

    def project_history(self) -> list:
        return list(ProjectRecord.history.filter(
            history_id__gt=self.project_mark, project_id=self.team.project.id)
            .order_by("history_id"))


def new_round(*, seed: dict | None = None, spent=None) -> Round:
    """A project of its own, with a second filler; `seed` (indicator index → values) and
    `spent` saved by the first filler before the writers start."""
    team = make_team()
    colleague = UserFactory(first_name="钱同事", password=UNUSABLE)
    MembershipFactory(user=colleague, unit=team.unit, role=Role.FILLER)
    if seed or spent is not None:
        write_values(ValueWrite(
            period=team.period, actor=team.filler, channel=Channel.PAGE,
            indicators={team.indicators[i].id: RecordChange(values, None)
                        for i, values in (seed or {}).items()},
            projects=({team.project.id: RecordChange({"spent": spent}, None)}
                      if spent is not None else {})))
    last = IndicatorRecord.history.order_by("-history_id").first()
    last_project = ProjectRecord.history.order_by("-history_id").first()
    world = Round(team, colleague, last.history_id if last else 0,
                  last_project.history_id if last_project else 0, {})
    world.versions = {r.id: r.version for r in world.records().values()}
    return world


def fill_in(world: Round, rows: list[dict], *, versioned: bool) -> bytes:
    """A fill-in file: one row per {"index", "actual", "explanation", "spent"}; versioned: with
    the template's hidden columns, read now (what a template downloaded now carries)."""
    team = world.team
    records, project = world.records(), world.project_record()
    headers = HEADERS + (VERSION_HEADERS if versioned else [])
    lines = [headers]
    for row in rows:
        indicator = team.indicators[row["index"]]
        line = [f"{team.unit.code}-{team.unit.name}", team.project.name, indicator.level1.name,
                indicator.level2.name, indicator.name, row.get("actual"), row.get("explanation"),
                row.get("spent")]
        if versioned:
            record = records.get(indicator.id)
            line += [team.period.code, record.version if record else None,
                     project.version if project else None]
        lines.append(line)
    return xlsx(lines)


# ---------------------------------------------------------------- what every round must show


def check_round(world: Round, outcomes: dict[str, Outcome], writes: dict[str, dict],
                users: dict[str, object], channels: dict[str, str]) -> None:
    """`writes`: writer → {indicator index: {field: value}} it asked for. The invariants of the
    module docstring."""
    records = world.records()
    rows = world.history()
    winners = [name for name, outcome in outcomes.items() if outcome.ok]
    for name, outcome in outcomes.items():
        mine = [r for r in rows if r.history_user_id == users[name].pk]
        if not outcome.ok:
            assert mine == [], f"{name} was refused but left history rows"
            continue
        changed = writes[name]
        # every value it was told were saved is saved (no other success touched its fields)
        for index, given in changed.items():
            record = records[world.indicators[index].id]
            for field, value in given.items():
                others = [o for o in winners if o != name
                          and field in writes[o].get(index, {})]
                if not others:
                    assert getattr(record, field) == value, (
                        f"{name}'s acknowledged {field}={value} was lost: {record.__dict__}")
        # exactly one history row per record it changed, with its user and channel
        assert sorted(r.indicator_id for r in mine) == sorted(
            world.indicators[i].id for i in changed), f"{name}: {mine}"
        assert {r.history_channel for r in mine} == {channels[name]}
    for record in records.values():
        successes = sum(1 for name in winners
                        if any(world.indicators[i].id == record.indicator_id
                               for i in writes[name]))
        # a record the writers created starts at version 0: "-1" before it existed
        assert record.version == world.versions.get(record.id, -1) + successes, (
            f"version {record.version} after {successes} successful writes")
        latest = (IndicatorRecord.history.filter(id=record.id)
                  .order_by("-history_date", "-history_id").first())
        assert (latest.version, latest.actual_value, latest.explanation) == (
            record.version, record.actual_value, record.explanation)
    project = world.project_record()
    if project is not None:
        assert project.score_total == score_project_period(
            world.team.project, world.team.period).score.total


def exactly_one_wins(outcomes: dict[str, Outcome], users: dict[str, object]) -> str:
    winners = [name for name, outcome in outcomes.items() if outcome.ok]
    assert len(winners) == 1, outcomes
    (loser,) = set(outcomes) - set(winners)
    # the refusal says who changed the value meanwhile
    assert who(users[winners[0]]) in outcomes[loser].error, outcomes[loser].error
    return winners[0]


# ---------------------------------------------------------------- (a) a page save and an import


@pytest.mark.parametrize("clash", [False, True], ids=["different fields", "same field"])
def test_a_page_save_and_an_import_of_the_same_record_started_together(gate, clash):
    """The filler saves the page (made from version v) while a colleague imports a template
    made from v: different fields are merged, both saved; the same field changed differently:
    one is saved, the other refused naming who saved it."""
    for _ in range(ROUNDS):
        world = new_round(seed={0: {"actual_value": Decimal(50)}})
        team, first = world.team, world.indicators[0]
        shown = world.records()[first.id].version
        page_values = {"actual_value": Decimal(70), "explanation": ""}
        file_actual = Decimal(80) if clash else Decimal(50)  # 50: as the template shows it
        data = fill_in(world, [{"index": 0, "actual": int(file_actual),
                                "explanation": "供应商延期"}], versioned=True)
        users = {"page": team.filler, "import": world.colleague}

        outcomes = race(
            gate,
            page=page_save(team.project, team.period, team.filler,
                           {first.id: Entry(shown, page_values)}),
            import_=file_import(data, team.period, world.colleague, [team.unit.id]))
        outcomes["import"] = outcomes.pop("import_")

        writes = {"page": {0: {"actual_value": Decimal(70)}},
                  "import": {0: {"explanation": "供应商延期"}}}
        if clash:
            winner = exactly_one_wins(outcomes, users)
            writes["import"][0]["actual_value"] = file_actual
            assert world.records()[first.id].actual_value == (
                Decimal(70) if winner == "page" else file_actual)
        else:
            assert all(o.ok for o in outcomes.values()), outcomes
            record = world.records()[first.id]
            assert (record.actual_value, record.explanation) == (70, "供应商延期")
        check_round(world, outcomes, writes, users,
                    {"page": Channel.PAGE, "import": Channel.UPLOAD})


# ---------------------------------------------------------------- (b) two versioned imports


@pytest.mark.parametrize("clash", [False, True], ids=["different fields", "same field"])
def test_two_imports_of_templates_made_from_the_same_versions_started_together(gate, clash):
    """Two fillers each import a template downloaded at the same moment (three indicators and
    the money spent): one changes the 完成值s and the 预算执行数, the other the 未完成原因s
    (and, in the clash, the 完成值s too). Different fields: both saved, merged. The same field:
    exactly one file is saved, the other refused naming who changed the values."""
    for _ in range(ROUNDS):
        world = new_round(seed={i: {"actual_value": Decimal(50)} for i in range(3)},
                          spent=Decimal(50))
        team = world.team
        first = fill_in(world, [{"index": i, "actual": 70 + i, "spent": 60 if i == 0 else None}
                                for i in range(3)], versioned=True)
        second = fill_in(world, [{"index": i, "actual": 80 + i if clash else 50,
                                  "explanation": f"原因{i}", "spent": 50 if i == 0 else None}
                                 for i in range(3)], versioned=True)
        users = {"first": team.filler, "second": world.colleague}
        units = [team.unit.id]

        outcomes = race(gate, first=file_import(first, team.period, team.filler, units),
                        second=file_import(second, team.period, world.colleague, units))

        writes = {"first": {i: {"actual_value": Decimal(70 + i)} for i in range(3)},
                  "second": {i: {"explanation": f"原因{i}"} for i in range(3)}}
        project = world.project_record()
        if clash:
            winner = exactly_one_wins(outcomes, users)
            for i in range(3):
                writes["second"][i]["actual_value"] = Decimal(80 + i)
            loser = "second" if winner == "first" else "first"
            assert "第2行 [实际完成值]" in outcomes[loser].error, outcomes[loser].error
        else:
            assert all(o.ok for o in outcomes.values()), outcomes
            assert [(r.actual_value, r.explanation) for r in sorted(
                world.records().values(), key=lambda r: r.indicator_id)] == [
                (70 + i, f"原因{i}") for i in range(3)]
        first_won = outcomes["first"].ok
        assert project.spent == (60 if first_won else 50)
        assert len([r for r in world.project_history() if r.history_user_id == team.filler.pk
                    ]) == (1 if first_won else 0)
        assert not [r for r in world.project_history()
                    if r.history_user_id == world.colleague.pk]  # its spent was unchanged
        check_round(world, outcomes, writes, users,
                    {"first": Channel.UPLOAD, "second": Channel.UPLOAD})


# ---------------------------------------------------------------- (c) two unversioned uploads


def test_two_unversioned_uploads_of_the_same_values_by_two_fillers_started_together(gate):
    """Nothing saved yet; two fillers of the unit upload files without versions giving
    different 完成值s for the same indicators: the first fills them, the second would change
    values another person saved, so it is refused naming them — exactly one reports success."""
    for _ in range(ROUNDS):
        world = new_round()
        team = world.team
        mine = fill_in(world, [{"index": i, "actual": 70 + i} for i in range(3)], versioned=False)
        theirs = fill_in(world, [{"index": i, "actual": 80 + i} for i in range(3)],
                         versioned=False)
        users = {"filler": team.filler, "colleague": world.colleague}

        outcomes = race(gate, filler=upload(mine, team.period, team.filler),
                        colleague=upload(theirs, team.period, world.colleague))

        winner = exactly_one_wins(outcomes, users)
        base = 70 if winner == "filler" else 80
        assert sorted(r.actual_value for r in world.records().values()) == [
            base, base + 1, base + 2]
        writes = {"filler": {i: {"actual_value": Decimal(70 + i)} for i in range(3)},
                  "colleague": {i: {"actual_value": Decimal(80 + i)} for i in range(3)}}
        check_round(world, outcomes, writes, users,
                    {"filler": Channel.UPLOAD, "colleague": Channel.UPLOAD})
        assert world.project_history() == []  # no project value given: no project history


# ---------------------------------------------------------------- (d) a lock and a save


@pytest.mark.parametrize("writer", ["page", "import"])
def test_a_lock_and_a_save_started_together(gate, writer):
    """Either the save committed before the lock (its value saved, its history row older than
    the lock event) or it was refused naming the lock — never saved after the lock."""
    world = new_round(seed={0: {"actual_value": Decimal(50)}})
    team, first = world.team, world.indicators[0]
    tally = {"saved": 0, "refused": 0}
    for number in range(ROUNDS):
        record = world.records()[first.id]
        value = Decimal(100 + number)
        mark = IndicatorRecord.history.order_by("-history_id").first().history_id
        if writer == "page":
            save = page_save(team.project, team.period, team.filler,
                             {first.id: Entry(record.version, {"actual_value": value,
                                                               "explanation": ""})})
        else:
            data = fill_in(world, [{"index": 0, "actual": int(value)}], versioned=True)
            save = file_import(data, team.period, team.filler, [team.unit.id])

        def lock(number=number):
            lock_period(ReportingPeriod.objects.get(pk=team.period.pk), team.finance,
                        f"第{number + 1}次截止")
            return Outcome(True)

        outcomes = race(gate, save=save, lock=lock)

        assert outcomes["lock"].ok
        event = PeriodLockEvent.objects.filter(period=team.period, action="lock").latest("id")
        rows = list(IndicatorRecord.history.filter(history_id__gt=mark, id=record.id))
        saved = world.records()[first.id]
        if outcomes["save"].ok:
            tally["saved"] += 1
            assert saved.actual_value == value and saved.version == record.version + 1
            (row,) = rows
            assert row.history_date < event.at, "saved after the lock"
        else:
            tally["refused"] += 1
            error = outcomes["save"].error
            assert "锁定" in error and team.period.name in error, error
            assert (saved.actual_value, saved.version, rows) == (
                record.actual_value, record.version, [])
        unlock_period(ReportingPeriod.objects.get(pk=team.period.pk), team.finance, "继续填报")
    assert sum(tally.values()) == ROUNDS


# ---------------------------------------------------------------- (e) a submit and a save


def test_a_submit_and_a_save_started_together(gate):
    """The filler submits while a colleague saves an explanation: either the save committed
    before the submit (it is in what was submitted) or it was refused as 已提交 — never a
    change of a submitted project."""
    for _ in range(ROUNDS):
        world = new_round(seed={i: {"actual_value": Decimal(100)} for i in range(3)},
                          spent=Decimal(100))
        team, first = world.team, world.indicators[0]
        shown = world.records()[first.id].version

        def hand_in(team=team):
            try:
                submit(team.project, ReportingPeriod.objects.get(pk=team.period.pk),
                       team.filler)
            except WorkflowRefused as exc:
                return Outcome(False, str(exc))
            return Outcome(True)

        outcomes = race(gate, submit=hand_in, save=page_save(
            team.project, team.period, world.colleague,
            {first.id: Entry(shown, {"actual_value": Decimal(100), "explanation": "补充说明"})}))

        assert outcomes["submit"].ok, outcomes["submit"].error
        project = world.project_record()
        record = world.records()[first.id]
        rows = world.history()
        assert project.status == "submitted"
        if outcomes["save"].ok:
            (row,) = rows
            assert record.explanation == "补充说明" and row.history_date < project.submitted_at
        else:
            assert "已提交" in outcomes["save"].error, outcomes["save"].error
            assert (record.explanation, record.version, rows) == ("", shown, [])
        check_round(world, {"save": outcomes["save"]}, {"save": {0: {"explanation": "补充说明"}}},
                    {"save": world.colleague}, {"save": Channel.PAGE})


# ---------------------------------------------------------------- a full refresh and a save


def test_a_refresh_of_the_period_across_a_save_keeps_the_saved_values_score(monkeypatch):
    """The full refresh (finance's 重新计算, the refresh_snapshots command) locks each batch of
    project records before it reads their values: a save started after that read waits for
    the refresh to commit and then stores its own score, never the reverse. Without the lock
    the save commits at once and the refresh then stores the score of the older values."""
    world = new_round(seed={0: {"actual_value": Decimal(50)}})
    team, first = world.team, world.indicators[0]
    shown = world.records()[first.id].version
    main, real = threading.current_thread(), snapshot._write_project_snapshots
    committed, outcomes, threads = threading.Event(), {}, []
    save = page_save(team.project, team.period, team.filler,
                     {first.id: Entry(shown, {"actual_value": Decimal(100), "explanation": ""})})

    def run_save():
        try:
            outcomes["save"] = save()
        finally:
            committed.set()
            connection.close()

    def save_meanwhile(rows):
        # the refresh has read the values of its batch: the filler saves now
        if threading.current_thread() is main and not threads:
            threads.append(threading.Thread(target=run_save, daemon=True))
            threads[0].start()
            # with the lock the save waits for this refresh; without it, it commits at once
            outcomes["waited"] = not committed.wait(2)
        return real(rows)

    monkeypatch.setattr(snapshot, "_write_project_snapshots", save_meanwhile)

    refresh_snapshots(ReportingPeriod.objects.get(pk=team.period.pk))
    threads[0].join(TIMEOUT)

    assert outcomes["waited"], "the save committed while the refresh held its values"
    assert outcomes["save"].ok and world.records()[first.id].actual_value == 100
    assert world.project_record().score_total == score_project_period(
        team.project, team.period).score.total == Decimal("30.00")
