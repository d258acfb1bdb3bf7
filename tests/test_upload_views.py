"""The upload pages: the fill-in template, the upload (fillers, their own units only) and the
progress/result page of the import job."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from performance.models import ImportJob, ImportStatus, IndicatorRecord
from tests.entry_setup import make_team
from tests.excel_files import xlsx
from tests.factories import ImportJobFactory
from tests.test_uploads_service import HEADERS

pytestmark = pytest.mark.django_db
TEMPLATE = reverse("entry:template")
UPLOAD = reverse("entry:upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def team():
    return make_team()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def filled(team, values=(100, 90, 80)):
    rows = [HEADERS] + [
        [f"{team.unit.code}-{team.unit.name}", team.project.name, ind.level1.name,
         ind.level2.name, ind.name, value, None, 95]
        for ind, value in zip(team.indicators, values, strict=True)]
    return SimpleUploadedFile("自评表.xlsx", xlsx(rows))


@pytest.mark.parametrize("who", ["filler", "reviewer", "finance"])
def test_the_template_of_a_unit_is_downloaded_by_those_who_see_it(team, who):
    response = as_user(getattr(team, who)).get(
        TEMPLATE, {"unit": team.unit.code, "period": team.period.code})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    assert any(team.project.name == cell for row in sheet.iter_rows(values_only=True)
               for cell in row)


def test_an_outsider_cannot_download_another_units_template(team):
    response = as_user(team.outsider).get(TEMPLATE, {"unit": team.unit.code})
    assert response.status_code == 404


def test_a_filler_uploads_and_follows_the_result(team):
    client = as_user(team.filler)
    response = client.post(UPLOAD, {"period": team.period.code, "file": filled(team)})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("entry:upload_status", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "已完成" in page and "新增指标填报 3 条" in page and 'http-equiv="refresh"' not in page
    assert job.unit_codes == [team.unit.code] and IndicatorRecord.objects.count() == 3


def test_a_refused_file_lists_its_problems(team):
    other = make_team()
    client = as_user(team.filler)
    response = client.post(UPLOAD, {"period": team.period.code, "file": filled(other)},
                           follow=True)
    page = response.content.decode()
    assert "失败" in page and "未导入任何数据" in page
    assert not IndicatorRecord.objects.exists()


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_only_fillers_upload(team, who):
    response = as_user(getattr(team, who)).post(
        UPLOAD, {"period": team.period.code, "file": filled(team)})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_an_upload_without_a_file_says_so(team):
    response = as_user(team.filler).post(UPLOAD, {"period": team.period.code}, follow=True)
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()


def test_the_upload_is_a_post_with_csrf(team):
    assert as_user(team.filler).get(UPLOAD).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.filler)
    assert client.post(UPLOAD, {"period": team.period.code, "file": filled(team)}).status_code == 403


def test_a_running_job_page_refreshes_itself(team):
    job = ImportJobFactory(created_by=team.filler, period=team.period, status=ImportStatus.RUNNING,
                           progress=50)
    page = as_user(team.filler).get(reverse("entry:upload_status", args=[job.pk])).content.decode()
    assert 'http-equiv="refresh"' in page and "50%" in page and "导入中" in page


@pytest.mark.parametrize("who, status", [("reviewer", 404), ("outsider", 404), ("finance", 200)])
def test_a_job_is_seen_by_its_uploader_and_finance_only(team, who, status):
    job = ImportJobFactory(created_by=team.filler, period=team.period)
    response = as_user(getattr(team, who)).get(reverse("entry:upload_status", args=[job.pk]))
    assert response.status_code == status
