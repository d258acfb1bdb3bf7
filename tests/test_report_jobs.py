"""A unit's reports zipped by a Celery task (performance.reports.jobs and its pages): progress
counted per report, a task delivered twice builds once, a failure names the project, a broker
that cannot be reached degrades, and only those who see the unit follow and download."""

import datetime
import zipfile
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from kombu.exceptions import OperationalError

from performance import tasks
from performance.models import ReportJob, ReportJobStatus
from performance.reports import jobs, render
from performance.tasks import build_report_zip
from tests.entry_setup import make_team
from tests.factories import AnnualGoalFactory, IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_broker(monkeypatch):
    """Celery's broker cannot be reached."""
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks, "send_at_once", refuse)


@pytest.fixture
def sent(monkeypatch):
    """The job ids sent to Celery (nothing runs)."""
    calls = []
    monkeypatch.setattr(tasks, "send_at_once",
                        lambda task, job_id: calls.append(job_id) if task is build_report_zip
                        else pytest.fail(f"unexpected task {task}"))
    return calls


def team_with_projects(count=3, **kwargs):
    team = make_team(**kwargs)
    for index in range(count - 1):
        project = ProjectFactory(unit=team.unit, name=f"第{index + 2}个项目")
        AnnualGoalFactory(project=project)
        IndicatorFactory(project=project)
    return team


def zip_names(job) -> list[str]:
    with job.file.open("rb") as handle:
        return zipfile.ZipFile(BytesIO(handle.read())).namelist()


def test_starting_queues_the_job_and_sends_it_after_the_commit(
        sent, django_capture_on_commit_callbacks):
    team = team_with_projects(3)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_zip(team.unit, team.period, team.filler)
        assert sent == []  # not before the commit
    assert sent == [job.pk]
    assert (job.status, job.total, job.done, job.created_by) == (
        ReportJobStatus.QUEUED, 4, 0, team.filler)  # 3 自评报告 + the unit's 自评表


def test_progress_counts_up_per_report_and_the_zip_holds_them_all(sent, monkeypatch):
    team = team_with_projects(3)
    job = jobs.start_zip(team.unit, team.period, team.filler)
    seen = []
    real = render.render_self_evaluation

    def counting(project, period):
        seen.append(ReportJob.objects.get(pk=job.pk).done)
        return real(project, period)

    monkeypatch.setattr(render, "render_self_evaluation", counting)
    assert build_report_zip(job.pk) == ReportJobStatus.DONE
    assert seen == [0, 1, 2]
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.percent) == (ReportJobStatus.DONE, 4, 4, 100)
    assert job.started_at and job.finished_at and not job.error
    names = zip_names(job)
    assert len(names) == 4
    assert f"2025_自评报告_{team.unit.code}_{team.project.name}.docx" in names
    assert f"2025_自评表_{team.unit.code}_2025-final.xlsx" in names


def test_a_monitoring_period_zips_the_units_monitoring_report_and_workbook(sent):
    team = team_with_projects(2, monitoring=True)
    job = jobs.start_zip(team.unit, team.period, team.reviewer)
    assert job.total == 2
    jobs.build_zip(job.pk)
    job.refresh_from_db()
    assert sorted(zip_names(job)) == sorted([
        f"2025_监控报告_{team.unit.code}_2025-07.docx",
        f"2025_监控表_{team.unit.code}_2025-07.xlsx"])


def test_a_redelivered_task_does_nothing(sent, monkeypatch):
    team = team_with_projects(2)
    job = jobs.start_zip(team.unit, team.period, team.filler)
    assert build_report_zip(job.pk) == ReportJobStatus.DONE
    job.refresh_from_db()
    name, finished = job.file.name, job.finished_at
    monkeypatch.setattr(render, "render_self_evaluation",
                        lambda *args: pytest.fail("rendered again"))
    assert build_report_zip(job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.file.name, job.finished_at) == (ReportJobStatus.DONE, name, finished)


def test_a_running_job_is_not_claimed_by_a_second_delivery(sent, monkeypatch):
    team = team_with_projects(1)
    job = jobs.start_zip(team.unit, team.period, team.filler)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJobStatus.RUNNING)
    monkeypatch.setattr(render, "render_self_evaluation",
                        lambda *args: pytest.fail("rendered by the second delivery"))
    assert jobs.build_zip(job.pk) is None


def test_a_failure_marks_the_job_failed_naming_the_project(sent, monkeypatch):
    team = team_with_projects(3)
    job = jobs.start_zip(team.unit, team.period, team.filler)
    real = render.render_self_evaluation

    def broken(project, period):
        if project.name == "第3个项目":
            raise ValueError("模板字段错误")
        return real(project, period)

    monkeypatch.setattr(render, "render_self_evaluation", broken)
    assert jobs.build_zip(job.pk) == ReportJobStatus.FAILED
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED and job.finished_at
    assert "项目“第3个项目”的自评报告" in job.error and "模板字段错误" in job.error
    assert job.done == 2  # 测试项目… and 第2个项目 were written before (name order)
    assert not job.file


def test_with_the_broker_down_a_small_unit_is_built_at_once(
        no_broker, django_capture_on_commit_callbacks):
    team = team_with_projects(2)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_zip(team.unit, team.period, team.filler)
    job.refresh_from_db()
    assert (job.status, job.done, job.total) == (ReportJobStatus.DONE, 3, 3)


def test_with_the_broker_down_a_large_unit_fails_with_the_reason(
        no_broker, settings, django_capture_on_commit_callbacks):
    settings.REPORT_ZIP_INLINE_MAX = 2
    team = team_with_projects(2)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.start_zip(team.unit, team.period, team.filler)
    job.refresh_from_db()
    assert job.status == ReportJobStatus.FAILED
    assert "后台任务服务暂时无法连接" in job.error and "3 份报告" in job.error


# -- the pages ---------------------------------------------------------------------------------


def start_page(client, user, team, capture):
    client.force_login(user)
    with capture(execute=True):
        return client.post(reverse("reports:zip_start", args=[team.unit.code]),
                           {"period": team.period.code})


@pytest.mark.parametrize("who", ["filler", "reviewer", "finance"])
def test_whoever_sees_the_unit_starts_follows_and_downloads_its_zip(
        client, who, no_broker, django_capture_on_commit_callbacks):
    team = team_with_projects(2)
    user = team.people()[who]
    response = start_page(client, user, team, django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert reverse("reports:job_download", args=[job.pk]) in page and "已完成" in page
    status = client.get(reverse("reports:job_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["done"] == status["total"] == 3
    download = client.get(reverse("reports:job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "filename*=utf-8''2025_%E6%8A%A5%E5%91%8A_" in download["Content-Disposition"]
    archive = zipfile.ZipFile(BytesIO(b"".join(download.streaming_content)))
    assert len(archive.namelist()) == 3


def test_an_outsider_gets_404_for_the_zip_and_its_pages(client, sent,
                                                        django_capture_on_commit_callbacks):
    team = team_with_projects(1)
    response = start_page(client, team.outsider, team, django_capture_on_commit_callbacks)
    assert response.status_code == 404 and not ReportJob.objects.exists()
    job = jobs.start_zip(team.unit, team.period, team.filler)
    jobs.build_zip(job.pk)
    for name in ("reports:job", "reports:job_status", "reports:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404, name


def test_a_job_in_progress_refreshes_and_is_not_downloadable(client, sent):
    team = team_with_projects(1)
    job = jobs.start_zip(team.unit, team.period, team.filler)
    client.force_login(team.reviewer)
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page
    assert reverse("reports:job_status", args=[job.pk]) in page  # data-status-url
    assert "reports/job.js" in page
    assert client.get(reverse("reports:job_download", args=[job.pk])).status_code == 404


def test_starting_again_while_a_job_runs_follows_that_job(
        client, sent, django_capture_on_commit_callbacks):
    team = team_with_projects(1)
    first = start_page(client, team.filler, team, django_capture_on_commit_callbacks)
    second = start_page(client, team.reviewer, team, django_capture_on_commit_callbacks)
    assert first["Location"] == second["Location"]
    assert ReportJob.objects.count() == 1 and len(sent) == 1


def test_a_failed_jobs_page_shows_its_message_escaped(client, sent):
    team = team_with_projects(1)
    job = jobs.start_zip(team.unit, team.period, team.filler)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJobStatus.FAILED,
                                               error="生成<b>项目</b>时出错")
    client.force_login(team.filler)
    page = client.get(reverse("reports:job", args=[job.pk])).content.decode()
    assert "生成&lt;b&gt;项目&lt;/b&gt;时出错" in page and "refresh" not in page


def test_a_job_older_than_the_task_time_limit_is_not_waited_for(
        client, sent, settings, django_capture_on_commit_callbacks):
    settings.CELERY_TASK_TIME_LIMIT = 60
    team = team_with_projects(1)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)):
        stuck = start_page(client, team.filler, team, django_capture_on_commit_callbacks)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 2, tzinfo=datetime.UTC)):
        fresh = start_page(client, team.filler, team, django_capture_on_commit_callbacks)
    assert stuck["Location"] != fresh["Location"]
    assert ReportJob.objects.count() == 2
