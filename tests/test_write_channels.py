"""Whichever way a value arrives, the same guarantees hold (docs/workflow.md, "One write path").

Six channels write entered values: the project page, the unit's Excel upload, the admin's Excel
import (preview, then confirm), the `import_actuals` command, an import job run by the Celery task
and the admin's change form. Each is driven by a small helper that writes one value (the 完成值 of
the project's first indicator) as one user, in two steps: `begin` is what that user saw or sent
first (the page or the form opened, the template filled, the file previewed) and the returned
`finish` is the write, returning (ok, error text). A test can so lock the period, hand the project
in or change the record in between, and the same tests run for every channel:

* a locked period refuses, nothing is written and the error names the lock;
* a submitted or approved project refuses, naming the project and its status;
* a write leaves one history row naming the actor and the channel (修改记录 shows them) and
  refreshes the stored score;
* a returned or reopened project, and a period opened again for the unit, are writable;
* a change made from an older version is merged field by field: a field only this write changed
  is written, a field both changed refuses the write naming who changed it;

and for the four that read files: a blank cell leaves a saved value unless blanks clear, a file
without versions does not change a value another person saved unless it overwrites, and a
template of another period is refused at its row.
"""

from __future__ import annotations

import datetime
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

import pytest
from django.contrib.messages import constants
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from budget.models import Role
from performance.access import project_rights
from performance.entry.page import attach_forms, load_sheet
from performance.excel import jobs
from performance.models import (
    ImportJob,
    ImportKind,
    ImportStatus,
    IndicatorRecord,
    ProjectRecord,
    ReportingPeriod,
    WorkflowStatus,
)
from performance.services.entry import EntryRefused
from performance.services.history import Change, project_history
from performance.services.period_lock import unlock_unit
from performance.services.record_fields import who
from performance.services.scoring import score_project_period
from performance.services.snapshot import refresh_snapshots
from performance.services.uploads import start_upload
from performance.services.values import RecordChange, ValueWrite, write_values
from performance.services.workflow import approve, reopen, send_back, submit
from performance.tasks import run_import_job
from performance.workflow import Channel
from tests.entry_setup import UNUSABLE, lock, make_team
from tests.excel_files import xlsx
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADERS = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "全年实际完成值", "未完成原因"]
VERSION_HEADERS = ["填报期间代码", "指标记录版本", "项目记录版本"]
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
_files = itertools.count()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@dataclass
class World:
    team: object
    root: object  # a superuser: the admin site
    ops: object  # whom the command is run for (--user)
    colleague: object  # a second filler of the unit: "another person"
    tmp: object

    @property
    def indicator(self):
        return self.team.indicators[0]

    @property
    def period(self):
        return ReportingPeriod.objects.get(pk=self.team.period.pk)

    def record(self, index: int = 0) -> IndicatorRecord | None:
        return IndicatorRecord.objects.filter(indicator=self.team.indicators[index],
                                              period=self.team.period).first()

    def project_record(self) -> ProjectRecord | None:
        return ProjectRecord.objects.filter(project=self.team.project,
                                            period=self.team.period).first()


@pytest.fixture
def world(tmp_path):
    team = make_team()
    # conftest's `superuser` hashes a real password (~0.5 s a test): force_login needs none
    root = UserFactory(username="root", first_name="周管理", is_staff=True, is_superuser=True,
                       password=UNUSABLE)
    colleague = UserFactory(first_name="钱同事", password=UNUSABLE)
    MembershipFactory(user=colleague, unit=team.unit, role=Role.FILLER)
    ops = UserFactory(username="ops", first_name="孙运维", password=UNUSABLE)
    return World(team, root, ops, colleague, tmp_path)


# ---------------------------------------------------------------- what a channel is asked to do


@dataclass
class Write:
    value: object  # the 完成值 of the first indicator; None: a blank cell / a cleared field
    explanation: str | None = None  # its 未完成原因; None: as shown (a file: a blank cell)
    user: object = None  # default: the channel's own user
    versioned: bool = False  # a file with the template's hidden columns (record versions)
    period_code: str | None = None  # 填报期间代码 (a versioned file: the period's by default)
    clear_blanks: bool = False
    overwrite: bool = False


Finish = Callable[[], tuple[bool, str]]


@dataclass(frozen=True)
class Way:
    name: str
    channel: str  # what the history rows keep
    files: bool  # reads a fill-in file
    in_context: bool  # refusals are shown on the project's own page or record ("本项目")
    actor: Callable[[World], object]
    begin: Callable[[World, Write], Finish]

    @property
    def label(self) -> str:
        return Channel(self.channel).label

    def write(self, world: World, value, **kwargs) -> tuple[bool, str]:
        return self.begin(world, Write(value, **kwargs))()


def fill_in(world: World, write: Write) -> bytes:
    """A fill-in file of one row (the first indicator), read now: its versions are the saved
    records' (a blank version: no record yet), as the template made now would carry them."""
    team, indicator = world.team, world.indicator
    headers = list(HEADERS)
    row = [f"{team.unit.code}-{team.unit.name}", team.project.name, indicator.level1.name,
           indicator.level2.name, indicator.name, write.value, write.explanation]
    if write.versioned:
        record, project = world.record(), world.project_record()
        headers += VERSION_HEADERS
        row += [write.period_code or team.period.code, record.version if record else None,
                project.version if project else None]
    elif write.period_code:
        headers.append("填报期间代码")
        row.append(write.period_code)
    return xlsx([headers, row])


def _upload(world: World, write: Write) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"自评表{next(_files)}.xlsx", fill_in(world, write))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_begin(world: World, write: Write) -> Finish:
    """The project page as it is shown now (every form with its values and versions), with the
    first indicator's value typed in; finish posts it ("保存草稿")."""
    team = world.team
    sheet = load_sheet(team.project, team.period)
    attach_forms(sheet)
    data = {"period": team.period.code, "action": "save"}
    for form in [row.form for row in sheet.rows] + [sheet.project_form]:
        for bound in form:
            value = bound.value()
            data[bound.html_name] = "" if value is None else value
    prefix = f"i{world.indicator.id}"
    data[f"{prefix}-actual_value"] = "" if write.value is None else str(write.value)
    if write.explanation is not None:
        data[f"{prefix}-explanation"] = write.explanation
    client = _client(write.user or team.filler)
    url = reverse("entry:project", args=[team.project.pk])

    def finish():
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        errors = [str(m) for m in response.context["messages"] if m.level == constants.ERROR]
        return not errors, "\n".join(errors)

    return finish


def admin_form_begin(world: World, write: Write) -> Finish:
    """The admin's change form of the first indicator's record, opened now (its hidden
    base_version), with the value changed; finish saves it."""
    client = _client(write.user or world.root)
    url = reverse("admin:performance_indicatorrecord_change", args=[world.record().pk])
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    for bound in response.context["adminform"].form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
    data["actual_value"] = "" if write.value is None else str(write.value)
    if write.explanation is not None:
        data["explanation"] = write.explanation

    def finish():
        response = client.post(url, data)
        if response.status_code == 302:
            return True, ""
        assert response.status_code == 200  # a refusal is a form error, never a 500
        form = response.context["adminform"].form
        return False, "\n".join(m for errors in form.errors.values() for m in errors)

    return finish


def admin_import_begin(world: World, write: Write) -> Finish:
    """The admin's 导入完成值 page: the file uploaded and previewed (a dry run) now; finish
    confirms the import."""
    client = _client(write.user or world.root)
    data = {"file": _upload(world, write), "period": world.team.period.pk}
    data.update({name: "on" for name in ("clear_blanks", "overwrite") if getattr(write, name)})
    response = client.post(reverse("admin:performance_indicatorrecord_import"), data)
    if response.status_code != 302:
        form = response.context["form"]
        error = "\n".join(m for errors in form.errors.values() for m in errors)
        return lambda: (False, error)
    job = ImportJob.objects.latest("pk")
    if job.status != ImportStatus.DONE:
        return lambda: (False, "\n".join(job.errors))

    def finish():
        client.post(reverse("admin:performance_importjob_confirm", args=[job.pk]))
        job.refresh_from_db()
        return job.status == ImportStatus.DONE and not job.dry_run, "\n".join(job.errors)

    return finish


def upload_begin(world: World, write: Write) -> Finish:
    """The unit's upload (performance.services.uploads, what the upload page calls): the file
    filled now, uploaded on finish."""
    upload = _upload(world, write)

    def finish():
        try:
            job = start_upload(upload, world.period, write.user or world.team.filler,
                               clear_blanks=write.clear_blanks, overwrite=write.overwrite)
        except EntryRefused as exc:
            return False, str(exc)
        return job.status == ImportStatus.DONE, "\n".join(job.errors)

    return finish


def command_begin(world: World, write: Write) -> Finish:
    """`import_actuals <file> --period … --user …`: the file written now, imported on finish."""
    path = world.tmp / f"自评表{next(_files)}.xlsx"
    path.write_bytes(fill_in(world, write))
    user = write.user or world.ops
    args = [str(path), "--period", world.team.period.code, "--user", user.username]
    args += [flag for flag, on in (("--clear-blanks", write.clear_blanks),
                                   ("--overwrite", write.overwrite)) if on]

    def finish():
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command("import_actuals", *args, stdout=out, stderr=err)
        except CommandError as exc:
            return False, f"{err.getvalue()}\n{exc}"
        return True, ""

    return finish


def job_begin(world: World, write: Write) -> Finish:
    """A large upload: the ImportJob kept now (the filler's units, channel Excel 上传); finish
    runs the Celery task's body."""
    user = write.user or world.team.filler
    job = jobs.create_job(_upload(world, write), kind=ImportKind.ACTUALS, user=user,
                          period=world.team.period, units=[world.team.unit.code],
                          channel=Channel.UPLOAD, clear_blanks=write.clear_blanks,
                          overwrite=write.overwrite, dry_run=False)

    def finish():
        status = run_import_job(job.pk)
        job.refresh_from_db()
        return status == ImportStatus.DONE, "\n".join(job.errors)

    return finish


PAGE = Way("page", Channel.PAGE, False, True, lambda w: w.team.filler, page_begin)
UPLOAD = Way("upload", Channel.UPLOAD, True, False, lambda w: w.team.filler, upload_begin)
ADMIN_IMPORT = Way("admin import", Channel.ADMIN, True, False, lambda w: w.root,
                   admin_import_begin)
COMMAND = Way("command", Channel.COMMAND, True, False, lambda w: w.ops, command_begin)
JOB = Way("job", Channel.UPLOAD, True, False, lambda w: w.team.filler, job_begin)
ADMIN_FORM = Way("admin form", Channel.ADMIN, False, True, lambda w: w.root, admin_form_begin)
WAYS = [PAGE, UPLOAD, ADMIN_IMPORT, COMMAND, JOB, ADMIN_FORM]


@pytest.fixture(params=WAYS, ids=lambda way: way.name)
def way(request) -> Way:
    return request.param


@pytest.fixture(params=[w for w in WAYS if w.files], ids=lambda way: way.name)
def file_way(request) -> Way:
    return request.param


# ---------------------------------------------------------------- the state around a write


def save_as(world: World, user, index: int = 0, **values) -> None:
    """Save `values` of indicator `index` as `user` through the write path (a filler by the
    page, anyone else as an administrator), from the version saved now."""
    team = world.team
    indicator = team.indicators[index]
    record = world.record(index)
    channel = Channel.PAGE if project_rights(user, team.project).fill else Channel.ADMIN
    write_values(ValueWrite(period=world.period, actor=user, channel=channel, indicators={
        indicator.id: RecordChange(values, record.version if record else None)}))


def complete(world: World, user) -> None:
    """Every value the project needs to be submitted, saved by `user`."""
    team = world.team
    channel = Channel.PAGE if project_rights(user, team.project).fill else Channel.ADMIN
    write_values(ValueWrite(
        period=world.period, actor=user, channel=channel,
        indicators={i.id: RecordChange({"actual_value": Decimal(100)}, None)
                    for i in team.indicators},
        projects={team.project.id: RecordChange({"spent": Decimal(100)}, None)}))


def hand_in(world: World, status: str) -> None:
    team = world.team
    submit(team.project, world.period, team.filler)
    if status == WorkflowStatus.APPROVED:
        approve(team.project, world.period, team.reviewer)


def state(world: World) -> tuple:
    """Everything a write could change: the records' values and versions and the history."""
    return (
        list(IndicatorRecord.objects.order_by("id").values_list(
            "id", "actual_value", "explanation", "version", "updated_by", "updated_at")),
        list(ProjectRecord.objects.order_by("id").values_list(
            "id", "spent", "status", "version", "updated_by", "updated_at")),
        IndicatorRecord.history.count(), ProjectRecord.history.count(),
    )


def latest_history(record):
    return record.history.order_by("-history_date", "-history_id").first()


def names_lock(error: str, world: World) -> bool:
    return "锁定" in error and world.team.period.name in error


def names_project(error: str, world: World, way: Way) -> bool:
    if f"项目“{world.team.project.name}”" in error:
        return True
    return way.in_context and "本项目" in error  # shown on the project's own page or record


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("when", ["before", "between"])
def test_a_locked_period_refuses_and_the_error_names_the_lock(world, way, when, request):
    """Locked before the user started (the page or form opened, the file made or previewed)
    or between that and the write: refused, nothing written."""
    save_as(world, way.actor(world), actual_value=Decimal(50))
    before = state(world)
    if when == "before":
        lock(world.team.period, world.team.finance)
    finish = way.begin(world, Write(100))
    if when == "between":
        lock(world.team.period, world.team.finance)
    ok, error = finish()
    assert not ok
    assert state(world) == before
    assert names_lock(error, world), error


@pytest.mark.parametrize("status", [WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED])
@pytest.mark.parametrize("when", ["before", "between"])
def test_a_submitted_or_approved_project_refuses_naming_the_project_and_its_status(
        world, way, status, when):
    complete(world, way.actor(world))
    if when == "before":
        hand_in(world, status)
    finish = way.begin(world, Write(70))
    if when == "between":
        hand_in(world, status)
    before = state(world)
    ok, error = finish()
    assert not ok
    assert state(world) == before
    assert WorkflowStatus(status).label in error and names_project(error, world, way), error
    assert world.record().actual_value == 100


def test_a_write_leaves_history_naming_the_actor_and_the_channel_and_refreshes_the_score(
        world, way):
    actor = way.actor(world)
    save_as(world, actor, actual_value=Decimal(50))
    ProjectRecord.objects.filter(pk=world.project_record().pk).update(
        score_total=Decimal("-1"), computed_at=LONG_AGO)
    record = world.record()
    rows, project_rows = record.history.count(), ProjectRecord.history.count()

    ok, error = way.write(world, 100)

    assert ok, error
    saved = world.record()
    assert (saved.actual_value, saved.version, saved.updated_by) == (100, record.version + 1, actor)
    assert record.history.count() == rows + 1 and ProjectRecord.history.count() == project_rows
    row = latest_history(saved)
    assert (row.history_type, row.history_user, row.history_channel, row.actual_value) == (
        "~", actor, way.channel, 100)
    entry = project_history(world.team.project, world.team.period, world.team.indicators)[0]
    assert (entry.subject, entry.by, entry.channel) == (world.indicator.name, who(actor), way.label)
    assert Change("完成值", "50", "100") in entry.changes
    project = world.project_record()
    assert project.computed_at > LONG_AGO
    assert project.score_total == score_project_period(
        world.team.project, world.team.period).score.total == Decimal("30.00")


@pytest.mark.parametrize("back", ["returned", "reopened"])
def test_a_returned_project_is_writable_again(world, way, back):
    team = world.team
    complete(world, way.actor(world))
    if back == "returned":
        hand_in(world, WorkflowStatus.SUBMITTED)
        send_back(team.project, world.period, team.reviewer, "请核对完成值")
    else:
        hand_in(world, WorkflowStatus.APPROVED)
        reopen(team.project, world.period, team.finance, "数据有误，重新打开")

    ok, error = way.write(world, 70)

    assert ok, error
    assert world.record().actual_value == 70
    assert world.project_record().status == WorkflowStatus.RETURNED
    assert latest_history(world.record()).history_channel == way.channel


def test_a_period_opened_again_for_the_unit_is_writable(world, way):
    save_as(world, way.actor(world), actual_value=Decimal(50))
    lock(world.team.period, world.team.finance)
    unlock_unit(world.period, world.team.unit, world.team.finance, "补录更正")
    ok, error = way.write(world, 100)
    assert ok, error
    assert world.record().actual_value == 100
    assert latest_history(world.record()).history_channel == way.channel


def test_a_period_opened_for_another_unit_only_stays_locked(world, way):
    save_as(world, way.actor(world), actual_value=Decimal(50))
    lock(world.team.period, world.team.finance)
    unlock_unit(world.period, world.team.other_unit, world.team.finance, "补录更正")
    before = state(world)
    ok, error = way.write(world, 100)
    assert not ok and state(world) == before
    assert names_lock(error, world), error


# ---------------------------------------------------------------- concurrent changes, merged


def test_a_change_from_an_older_version_is_merged_field_by_field(world, way):
    """What the user saw (the page, the form, the template's versions) is older than what is
    saved: a field only this write changed is written and the colleague's field stays; a field
    both changed refuses the write naming the colleague, and nothing is written."""
    actor = way.actor(world)
    save_as(world, actor, actual_value=Decimal(50))
    finish = way.begin(world, Write(70, versioned=True))
    save_as(world, world.colleague, explanation="供应商延期")  # another field, meanwhile

    ok, error = finish()

    assert ok, error
    record = world.record()
    assert (record.actual_value, record.explanation) == (70, "供应商延期")
    assert latest_history(record).history_channel == way.channel

    finish = way.begin(world, Write(80, versioned=True))
    save_as(world, world.colleague, actual_value=Decimal(60))  # the same field, meanwhile
    before = state(world)

    ok, error = finish()

    assert not ok and state(world) == before
    assert "钱同事" in error and "60" in error and "80" in error, error
    if way.files:
        assert "第2行 [实际完成值]" in error, error


# ---------------------------------------------------------------- files: blanks, versions, period


def test_a_blank_cell_leaves_a_saved_value_and_clear_blanks_erases_it(world, file_way):
    actor = file_way.actor(world)
    save_as(world, actor, actual_value=Decimal(50), explanation="采购推迟")
    before = state(world)

    ok, error = file_way.write(world, None)

    assert ok, error
    assert state(world) == before

    ok, error = file_way.write(world, None, clear_blanks=True)

    assert ok, error
    record = world.record()
    assert (record.actual_value, record.explanation) == (None, "")
    row = latest_history(record)
    assert (row.history_user, row.history_channel, row.actual_value) == (
        actor, file_way.channel, None)


def test_an_unversioned_file_fills_a_value_left_empty(world, file_way):
    save_as(world, world.colleague, explanation="尚在统计")  # no 完成值 yet
    ok, error = file_way.write(world, 70)
    assert ok, error
    record = world.record()
    assert (record.actual_value, record.explanation) == (70, "尚在统计")


def test_an_unversioned_file_does_not_change_a_value_another_person_saved_unless_it_overwrites(
        world, file_way):
    save_as(world, world.colleague, actual_value=Decimal(50))
    before = state(world)

    ok, error = file_way.write(world, 70)

    assert not ok and state(world) == before
    assert "第2行 [实际完成值]" in error and "钱同事" in error, error

    ok, error = file_way.write(world, 70, overwrite=True)

    assert ok, error
    record = world.record()
    assert (record.actual_value, record.updated_by) == (70, file_way.actor(world))
    assert latest_history(record).history_user == file_way.actor(world)


def test_a_template_of_another_period_is_refused_at_its_row(world, file_way):
    save_as(world, file_way.actor(world), actual_value=Decimal(50))
    before = state(world)
    ok, error = file_way.write(world, 70, versioned=True, period_code="2025-07")
    assert not ok and state(world) == before
    assert "第2行 [填报期间代码]" in error and "2025-07" in error, error


# ---------------------------------------------------------------- the admin's project form


def project_form(world, client, **changes):
    url = reverse("admin:performance_projectrecord_change", args=[world.project_record().pk])
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    for bound in response.context["adminform"].form:
        value = bound.value()
        data[bound.html_name] = "" if value is None else value
    data.update(changes)
    return url, data


def form_errors(response) -> str:
    assert response.status_code == 200
    form = response.context["adminform"].form
    return "\n".join(m for errors in form.errors.values() for m in errors)


def test_the_admins_project_form_writes_spent_with_history_and_refuses_a_locked_period(world):
    complete(world, world.team.filler)
    client = _client(world.root)
    url, data = project_form(world, client, spent="80")

    response = client.post(url, data)

    assert response.status_code == 302
    record = world.project_record()
    assert (record.spent, record.updated_by) == (80, world.root)
    row = latest_history(record)
    assert (row.history_user, row.history_channel, row.spent) == (world.root, Channel.ADMIN, 80)
    entry = next(e for e in project_history(world.team.project, world.team.period,
                                            world.team.indicators) if e.subject == "项目")
    assert (entry.by, entry.channel) == (who(world.root), "管理后台")
    assert record.score_total == score_project_period(world.team.project,
                                                      world.team.period).score.total

    url, data = project_form(world, client, spent="90")
    lock(world.team.period, world.team.finance)
    before = state(world)
    error = form_errors(client.post(url, data))
    assert state(world) == before and names_lock(error, world), error


@pytest.mark.parametrize("status", [WorkflowStatus.SUBMITTED, WorkflowStatus.APPROVED])
def test_the_admins_project_form_refuses_a_handed_in_project(world, status):
    complete(world, world.team.filler)
    hand_in(world, status)
    client = _client(world.root)
    url, data = project_form(world, client, spent="80")
    before = state(world)
    error = form_errors(client.post(url, data))
    assert state(world) == before
    assert f"项目“{world.team.project.name}”本期{WorkflowStatus(status).label}" in error, error


# ---------------------------------------------------------------- the upload page, the real template


def test_a_downloaded_template_filled_while_a_colleague_saves_is_merged(world):
    """The real fill-in template (its hidden 填报期间代码 and record versions), filled by the
    filler while a colleague saves another field and another indicator, uploaded on the page:
    the filler's value is written, the colleague's stay."""
    team = world.team
    save_as(world, team.filler, actual_value=Decimal(50))
    save_as(world, team.filler, 1, actual_value=Decimal(40))
    client = _client(team.filler)
    response = client.get(reverse("entry:template"),
                          {"unit": team.unit.code, "period": team.period.code})
    workbook = load_workbook(BytesIO(response.content))
    sheet = workbook.active
    rows = list(sheet.iter_rows())
    header = next(row for row in rows if any(c.value == "三级指标" for c in row))
    columns = {c.value: c.column - 1 for c in header}
    assert set(VERSION_HEADERS) <= set(columns)
    mine = next(row for row in rows if row[columns["三级指标"]].value == world.indicator.name)
    mine[columns["全年实际完成值"]].value = 70
    save_as(world, world.colleague, explanation="供应商延期")
    save_as(world, world.colleague, 1, actual_value=Decimal(45))
    buffer = BytesIO()
    workbook.save(buffer)

    response = client.post(reverse("entry:upload"), {
        "period": team.period.code, "file": SimpleUploadedFile("模板.xlsx", buffer.getvalue())})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportStatus.DONE, job.errors
    first, second = world.record(), world.record(1)
    assert (first.actual_value, first.explanation, second.actual_value) == (70, "供应商延期", 45)
    row = latest_history(first)
    assert (row.history_user, row.history_channel) == (team.filler, Channel.UPLOAD)


def test_the_upload_page_takes_a_period_opened_again_for_the_unit(world):
    team = world.team
    lock(team.period, team.finance)
    unlock_unit(world.period, team.unit, team.finance, "补录更正")
    upload = _upload(world, Write(70))
    _client(team.filler).post(reverse("entry:upload"), {"period": team.period.code,
                                                         "file": upload})
    assert world.record() is not None and world.record().actual_value == 70


# ---------------------------------------------------------------- found wanting once, fixed


def test_the_upload_page_posted_after_the_lock_names_the_lock(world):
    team = world.team
    client = _client(team.filler)
    assert team.period.code in client.get(reverse("entry:home")).content.decode()
    upload = _upload(world, Write(70))
    lock(team.period, team.finance)
    response = client.post(reverse("entry:upload"), {"period": team.period.code,
                                                     "file": upload}, follow=True)
    errors = [str(m) for m in response.context["messages"] if m.level == constants.ERROR]
    assert world.record() is None
    assert names_lock("\n".join(errors), world), errors


def test_an_unversioned_file_does_not_change_a_value_another_person_saved_in_the_same_record(
        world):
    team = world.team
    save_as(world, team.filler, actual_value=Decimal(50))  # the filler's value
    save_as(world, world.colleague, explanation="采购推迟")  # the colleague: another field
    ok, error = UPLOAD.write(world, 70, user=world.colleague)
    assert not ok, "the colleague's unversioned file changed the filler's 完成值"
    assert world.record().actual_value == 50


def test_after_a_return_the_filler_changes_their_own_spent_with_an_unversioned_file(world):
    team = world.team
    complete(world, team.filler)
    submit(team.project, world.period, team.filler)
    send_back(team.project, world.period, team.reviewer, "执行数有误")
    rows = [[*HEADERS, "预算执行数"],
            [f"{team.unit.code}-{team.unit.name}", team.project.name, world.indicator.level1.name,
             world.indicator.level2.name, world.indicator.name, 100, None, 80]]
    job = start_upload(SimpleUploadedFile("更正.xlsx", xlsx(rows)), world.period, team.filler)
    assert job.status == ImportStatus.DONE, job.errors
    assert world.project_record().spent == 80


def test_a_template_made_after_a_refresh_of_the_period_merges_the_project_fields(world):
    team = world.team
    refresh_snapshots(world.period)  # finance's 重新计算: an empty record for every project
    record, project = world.record(), world.project_record()
    assert record is None and project.version == 0 and not project.history.exists()
    data = xlsx([[*HEADERS, "预算执行数", "执行率偏低原因", *VERSION_HEADERS],
                 [f"{team.unit.code}-{team.unit.name}", team.project.name,
                  world.indicator.level1.name, world.indicator.level2.name, world.indicator.name,
                  70, None, None, "资金下达较晚", team.period.code, None, project.version]])
    write_values(ValueWrite(period=world.period, actor=world.colleague, channel=Channel.PAGE,
                            projects={team.project.id: RecordChange({"spent": Decimal(60)}, 0)}))

    job = start_upload(SimpleUploadedFile("模板.xlsx", data), world.period, team.filler)

    assert job.status == ImportStatus.DONE, job.errors
    project = world.project_record()
    assert (project.spent, project.spent_reason) == (60, "资金下达较晚")
