"""/api/v1/imports/: a workbook uploaded through the API starts an actuals import job with the
page's checks (fillers only, their own units, locked periods refused, the size limit), 201 when
it ran in the request and 202 when queued; its writes' history rows say API. The jobs, one job
and its problems are seen by the uploader and finance staff only, every role tried."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from performance.excel import jobs
from performance.models import ImportJob, ImportStatus, IndicatorRecord, ProjectRecord
from performance.services.period_lock import lock_text
from tests.api_setup import ROLES, bearer, role_clients
from tests.broker import unreachable_broker
from tests.entry_setup import lock, make_team
from tests.factories import ImportJobFactory, PeriodFactory
from tests.test_uploads_service import upload_file

pytestmark = pytest.mark.django_db
IMPORTS = reverse("api:import-list")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def team():
    return make_team()


@pytest.fixture
def clients(team):
    return role_clients(team)


def detail(job) -> str:
    return reverse("api:import-detail", args=[job.pk])


def errors(job) -> str:
    return reverse("api:import-errors", args=[job.pk])


def post(client, team, file=None, **fields):
    body = {"period": team.period.code, "file": file or upload_file((team, [100, 90, 80])),
            **fields}
    return client.post(IMPORTS, body, format="multipart")


# ---------------------------------------------------------------- the upload, end to end


def test_a_workbook_uploaded_through_the_api_is_imported_with_history_rows_saying_api(
        team, clients):
    response = post(clients["filler_a"], team)
    job = ImportJob.objects.get()
    assert response.status_code == 201, response.json()
    assert response["Location"] == f"http://testserver{detail(job)}"
    body = response.json()
    assert (body["status"], body["finished"], body["channel"]) == ("done", True, "api")
    assert body["period"] == team.period.code and body["unit_codes"] == [team.unit.code]
    assert body["error"] is None and body["error_count"] == 0 and "新增指标填报 3 条" in body["summary"]
    assert body["created_by"] == {"username": team.filler.username, "name": "张填报"}
    records = IndicatorRecord.objects.filter(period=team.period)
    assert sorted(records.values_list("actual_value", flat=True)) == [80, 90, 100]
    for record in records:
        (row,) = record.history.all()
        assert (row.history_channel, row.history_user) == ("api", team.filler)
        assert row.history_change_reason == "Excel 导入：自评表.xlsx"
    spent = ProjectRecord.objects.get(project=team.project, period=team.period)
    assert spent.spent == Decimal("95.00") and spent.history.get().history_channel == "api"
    assert clients["filler_a"].get(response["Location"]).json() == body


def test_the_upload_options_reach_the_job(team, clients):
    response = post(clients["filler_a"], team, clear_blanks="true", overwrite="true")
    assert response.status_code == 201
    job = ImportJob.objects.get()
    assert (job.clear_blanks, job.overwrite, job.channel) == (True, True, "api")
    assert (response.json()["clear_blanks"], response.json()["overwrite"]) == (True, True)


# who may upload: fillers (each only their own units' rows); A's workbook by B's filler fails
UPLOAD_ANSWERS = {"anonymous": 401, "filler_a": 201, "filler_b": 201, "reviewer": 403,
                  "department": 403, "finance": 403, "revoked": 401, "expired": 401,
                  "read_only": 403}


@pytest.mark.parametrize("role", ROLES)
def test_an_upload_is_answered_per_role_as_the_page_allows(team, clients, role):
    response = post(clients[role], team)
    assert response.status_code == UPLOAD_ANSWERS[role], response.content
    if response.status_code != 201:
        assert not ImportJob.objects.exists()
        assert "detail" in response.json()
    if role in ("reviewer", "department", "finance"):
        assert response.json()["detail"] == "只有填报人可以上传完成值。"
    if role == "read_only":
        assert "只读" in response.json()["detail"]
    if role == "filler_b":
        assert response.json()["status"] == "failed"
    if role != "filler_a":
        assert not IndicatorRecord.objects.exists()


def test_a_large_file_is_queued_for_the_worker_and_answered_202(
        team, clients, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.EXCEL_ASYNC_THRESHOLD_BYTES = 10
    sent = mock.Mock()
    monkeypatch.setattr("performance.tasks.send_at_once", sent)
    with django_capture_on_commit_callbacks(execute=True):
        response = post(clients["filler_a"], team)
    job = ImportJob.objects.get()
    assert response.status_code == 202, response.json()
    assert response["Location"].endswith(detail(job))
    assert (response.json()["status"], response.json()["finished"]) == ("pending", False)
    assert sent.call_args.args[1] == job.pk
    jobs.run_job(job)  # the worker
    body = clients["filler_a"].get(detail(job)).json()
    assert (body["status"], body["finished"], body["progress"]) == ("done", True, 100)
    assert {r.history_channel for r in IndicatorRecord.history.all()} == {"api"}


# committed as in production (no ATOMIC_REQUESTS): the job is sent, and the broker found down,
# within the request, so its answer says what became of the job
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("inline_max, status, values", [(5 * 2**20, "done", 3), (10, "failed", 0)])
def test_with_the_broker_unreachable_an_upload_is_never_a_500(
        team, clients, settings, monkeypatch, inline_max, status, values):
    settings.EXCEL_ASYNC_THRESHOLD_BYTES = 10  # to Celery, whose broker is down
    settings.UPLOAD_INLINE_MAX_BYTES = inline_max
    with unreachable_broker(monkeypatch):
        response = post(clients["filler_a"], team)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == status
    assert IndicatorRecord.objects.count() == values
    if status == "failed":
        assert response.json()["error"] == jobs.BROKER_DOWN
        assert response.json()["error_count"] == 1


# ---------------------------------------------------------------- refused uploads


def test_a_locked_period_is_refused_with_the_lock_text(team, clients):
    lock(team.period, team.finance)
    response = post(clients["filler_a"], team)
    assert response.status_code == 409
    assert response.json()["detail"] == lock_text(team.period)
    assert not ImportJob.objects.exists()


def test_an_oversized_file_is_refused_naming_it(team, clients, settings):
    settings.EXCEL_MAX_UPLOAD_BYTES = 1000
    response = post(clients["filler_a"], team)
    assert response.status_code == 400
    body = response.json()
    assert "“自评表.xlsx”" in body["detail"] and "超过上限" in body["detail"]
    assert body["errors"][0]["field"] == "file"
    assert not ImportJob.objects.exists()


def test_an_empty_file_is_refused_naming_it(team, clients):
    response = post(clients["filler_a"], team, file=SimpleUploadedFile("空.xlsx", b""))
    assert response.status_code == 400
    assert "“空.xlsx”是空文件" in response.json()["detail"]
    assert not ImportJob.objects.exists()


def test_a_missing_file_or_an_unknown_period_is_named(team, clients):
    response = clients["filler_a"].post(IMPORTS, {"period": "无此期间"}, format="multipart")
    assert response.status_code == 400
    fields = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert fields == {"file": "请上传填好的模板文件（file）。",
                      "period": "填报期间“无此期间”不存在。"}


def test_a_file_that_is_not_a_workbook_fails_its_job_naming_the_file(team, clients):
    response = post(clients["filler_a"], team, file=SimpleUploadedFile("说明.xlsx", b"PK\x03\x04xx"))
    assert response.status_code == 201
    job = ImportJob.objects.get()
    assert response.json()["status"] == "failed"
    (problem,) = clients["filler_a"].get(errors(job)).json()["results"]
    assert problem["message"].startswith("“说明.xlsx”：") and problem["row"] is None


def test_a_body_django_will_not_read_is_a_400_in_chinese(team, clients, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 1
    response = clients["filler_a"].post(IMPORTS, {
        "period": team.period.code, "file": [upload_file((team, [1, 2, 3])),
                                             upload_file((team, [4, 5, 6]))]},
        format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"] == "上传的内容过大或字段、文件过多，无法读取，未导入。"
    assert not ImportJob.objects.exists()


def test_the_upload_is_multipart_only(team, clients):
    response = clients["filler_a"].post(IMPORTS, {"period": team.period.code}, format="json")
    assert response.status_code == 415
    broken = clients["filler_a"].generic("POST", IMPORTS, b"--x", content_type="multipart/form-data")
    assert broken.status_code == 400
    assert broken.json()["detail"] == "上传的内容无法读取：须为 multipart/form-data。"


def test_a_session_upload_needs_the_csrf_token(team):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team.filler)
    assert post(client, team).status_code == 403
    assert not ImportJob.objects.exists()


# ---------------------------------------------------------------- the jobs


def two_jobs(team):
    return (ImportJobFactory(created_by=team.filler, period=team.period),
            ImportJobFactory(created_by=team.outsider, period=team.period))


# the page's rule (get_import_job_for_user): the uploader's own jobs; finance staff every one
SEEN = {"filler_a": {"a"}, "filler_b": {"b"}, "reviewer": set(), "department": set(),
        "finance": {"a", "b"}, "read_only": {"a"}}


@pytest.mark.parametrize("role", ROLES)
def test_the_list_holds_the_jobs_each_role_may_open(team, clients, role):
    job_a, job_b = two_jobs(team)
    response = clients[role].get(IMPORTS)
    if role not in SEEN:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {{"a": job_a.pk, "b": job_b.pk}[name] for name in SEEN[role]}


@pytest.mark.parametrize("role", ROLES)
def test_a_job_is_opened_by_its_uploader_and_finance_only(team, clients, role):
    job_a, _ = two_jobs(team)
    expected = 401 if role not in SEEN else 200 if "a" in SEEN[role] else 404
    for url in (detail(job_a), errors(job_a)):
        response = clients[role].get(url)
        assert response.status_code == expected, (url, response.content)
    if expected == 404:
        assert response.json()["detail"] == "未找到该导入任务"


@pytest.mark.parametrize("role", ["filler_a", "finance"])
def test_the_list_costs_the_same_queries_for_one_job_or_many(team, clients, role,
                                                            django_assert_num_queries):
    client = clients[role]
    ImportJobFactory(created_by=team.filler, period=team.period)
    client.get(IMPORTS)  # the token's last use is stamped once a minute at most: warm it up
    with CaptureQueriesContext(connection) as one:
        assert client.get(IMPORTS).json()["count"] == 1
    for year in range(2016, 2025):  # each with a period of its own
        ImportJobFactory(created_by=team.filler, period=PeriodFactory(code=f"{year}-final", year=year))
    with django_assert_num_queries(len(one)):
        assert client.get(IMPORTS).json()["count"] == 10


def test_the_list_is_newest_first_and_filtered(team, clients):
    done = ImportJobFactory(created_by=team.filler, period=team.period, status=ImportStatus.DONE)
    other = ImportJobFactory(created_by=team.filler, status=ImportStatus.FAILED,
                             period=PeriodFactory(code="2024-final", year=2024))
    client = clients["filler_a"]
    assert [r["id"] for r in client.get(IMPORTS).json()["results"]] == [other.pk, done.pk]
    assert [r["id"] for r in client.get(IMPORTS, {"status": "done"}).json()["results"]] == [done.pk]
    assert [r["id"] for r in client.get(
        IMPORTS, {"period": team.period.code}).json()["results"]] == [done.pk]
    refused = client.get(IMPORTS, {"status": "nonsense"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "status"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_job_and_its_problems_are_read_only(team, clients, method):
    job, _ = two_jobs(team)
    for url in (detail(job), errors(job)):
        assert getattr(clients["filler_a"], method)(url).status_code == 405
    assert ImportJob.objects.filter(pk=job.pk).exists()


# ---------------------------------------------------------------- the problems


def test_the_problems_come_50_a_page_with_their_row_column_and_field(team, clients):
    kept = [f"第{n + 3}行 [实际完成值] 实际完成值应为数字" for n in range(119)]
    job = ImportJobFactory(
        created_by=team.filler, period=team.period, status=ImportStatus.FAILED,
        errors=["“自评表.xlsx”有 300 处问题，未导入任何数据：", "[预算执行数] 预算执行数不能为负数",
                *kept],
        error_count=300)
    client = clients["filler_a"]
    first = client.get(errors(job)).json()
    assert (first["count"], first["error_count"], first["omitted"]) == (120, 300, 180)
    assert first["error"] == "“自评表.xlsx”有 300 处问题，未导入任何数据："
    assert len(first["results"]) == 50 and first["next"].endswith("?page=2")
    assert first["results"][0] == {
        "number": 1, "row": None, "column": "预算执行数", "field": "spent",
        "message": "预算执行数不能为负数", "text": "[预算执行数] 预算执行数不能为负数"}
    assert first["results"][1] == {
        "number": 2, "row": 3, "column": "实际完成值", "field": "actual_value",
        "message": "实际完成值应为数字", "text": kept[0]}
    last = client.get(errors(job), {"page": 3}).json()
    assert [p["number"] for p in last["results"]] == list(range(101, 121))
    job_body = client.get(detail(job)).json()
    assert (job_body["error_count"], job_body["omitted"]) == (300, 180)


def test_a_refused_workbook_lists_its_rows_problems(team, clients):
    other = make_team()
    response = post(clients["filler_a"], team, file=upload_file((other, [1, 2, 3])))
    assert response.status_code == 201 and response.json()["status"] == "failed"
    listed = clients["filler_a"].get(response.json()["errors_url"]).json()
    assert listed["count"] == listed["error_count"] == response.json()["error_count"] > 0
    assert all(p["row"] is not None and p["column"] for p in listed["results"])
    assert not IndicatorRecord.objects.exists()


def test_a_job_that_did_not_fail_has_no_problems(team, clients):
    job = ImportJobFactory(created_by=team.filler, period=team.period, status=ImportStatus.DONE)
    body = clients["filler_a"].get(errors(job)).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": [], "error": None,
                    "error_count": 0, "omitted": 0}


def test_a_missing_job_is_404(clients):
    assert clients["finance"].get(reverse("api:import-detail", args=[999999])).status_code == 404


def test_a_targets_import_shown_to_finance_has_its_year_and_no_period(team):
    job = ImportJobFactory(created_by=None, kind="targets", period=None, year=2025,
                           channel="admin", unit_codes=None)
    body = bearer(team.finance).get(detail(job)).json()
    assert (body["kind"], body["year"], body["period"], body["created_by"]) == (
        "targets", 2025, None, None)
