"""The evidence pages: a member uploads and downloads, the unit's reviewer and finance
download, outsiders get 404; 复核 files stay finance's until the check is done; the file
arrives under its Chinese name, never sniffed or rendered; a request too large is refused
with a message; the panel on the project page, and that page's query count."""

from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from performance.models import CheckStatus, Evidence, ProjectRecord, WorkflowStatus
from performance.services.evidence import max_request_bytes, upload_evidence
from tests import evidence_files as f
from tests.entry_setup import make_team
from tests.factories import CheckedProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(team) -> str:
    return f"{reverse('entry:project', args=[team.project.pk])}?period={team.period.code}"


def upload_url(team, **extra) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"project": team.project.pk,
                                             "period": team.period.code, **extra}.items())
    return f"{reverse('evidence:upload')}?{query}"


def post_files(client, team, *files, **data):
    return client.post(upload_url(team), {"files": list(files), **data}, follow=True)


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_filler_uploads_from_the_project_page_and_sees_the_file_listed(team):
    client = as_user(team.filler)
    ind = team.indicators[0]
    response = post_files(client, team, f.upload("验收报告.pdf"), indicator=ind.id, note="终验")
    assert texts(response) == ["已上传 1 个文件：验收报告.pdf"]
    assert response.redirect_chain[-1][0].endswith(f"{page_url(team)}#evidence")
    row = Evidence.objects.get()
    assert row.indicator == ind and row.note == "终验"
    page = response.content.decode()
    assert 'id="evidence"' in page and f'id="evidence-i{ind.id}"' in page
    assert reverse("evidence:download", args=[row.pk]) in page and "张填报" in page
    assert 'id="evidence-upload"' in page


def test_a_refused_upload_says_why_and_stores_nothing(team):
    response = post_files(as_user(team.filler), team, f.upload("绩效报告.pdf", f.EXE))
    assert "文件「绩效报告.pdf」不是允许的类型" in texts(response)[0]
    assert not Evidence.objects.exists()


def test_a_request_too_large_is_refused_before_reading_it(team, settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 1000
    settings.EVIDENCE_MAX_FILES_PER_UPLOAD = 1
    settings.EVIDENCE_MAX_PROJECT_BYTES = 10**9
    big = f.upload("大文件.pdf", f.PDF + b"\0" * (max_request_bytes() + 10))
    response = post_files(as_user(team.filler), team, big)
    assert response.status_code == 200
    assert texts(response)[0].startswith("本次上传共 ") and "没有保存任何文件" in texts(response)[0]
    assert not Evidence.objects.exists()


def test_a_file_over_the_limit_within_the_request_limit_is_named(team, settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 1000
    response = post_files(as_user(team.filler), team, f.upload("b.pdf", f.PDF + b"\0" * 2000))
    assert texts(response)[0].startswith("文件「b.pdf」大小 2.") and "上限 1000 B" in texts(response)[0]


@pytest.mark.parametrize("who", ["reviewer", "finance"])
def test_reviewers_see_the_files_but_cannot_upload(team, who):
    upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    client = as_user(getattr(team, who))
    page = client.get(page_url(team)).content.decode()
    assert "a.pdf" in page and 'id="evidence-upload"' not in page
    response = post_files(client, team, f.upload("b.pdf"))
    assert "只有本单位填报人" in texts(response)[0]
    assert Evidence.objects.count() == 1


def test_an_outsider_gets_404_for_upload_download_and_delete(team):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    client = as_user(team.outsider)
    assert client.post(upload_url(team), {"files": [f.upload("b.pdf")]}).status_code == 404
    assert client.get(reverse("evidence:download", args=[row.pk])).status_code == 404
    assert client.post(reverse("evidence:delete", args=[row.pk])).status_code == 404
    assert Evidence.objects.count() == 1


def test_the_download_keeps_the_chinese_name_and_is_never_sniffed(team):
    name = "2025年 绩效自评报告（终稿）.pdf"
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload(name)])
    for who in (team.filler, team.reviewer, team.finance):
        response = as_user(who).get(reverse("evidence:download", args=[row.pk]))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == f.PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert f"filename*=utf-8''{quote(name)}" in disposition
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"


def test_check_files_stay_finance_s_until_the_check_is_done(team):
    checked = CheckedProjectFactory(project=team.project, batch__period=team.period)
    row, = upload_evidence(team.project, team.period, team.finance, [f.upload("复核.pdf")],
                           checked=checked)
    url = reverse("evidence:download", args=[row.pk])
    assert as_user(team.finance).get(url).status_code == 200
    assert as_user(team.filler).get(url).status_code == 404
    assert as_user(team.reviewer).get(url).status_code == 404
    checked.status, checked.conclusion, checked.concluded_at = CheckStatus.DONE, "属实", timezone.now()
    checked.save()
    assert as_user(team.filler).get(url).status_code == 200
    assert as_user(team.outsider).get(url).status_code == 404


def test_finance_uploads_a_check_s_file_and_a_filler_cannot(team):
    checked = CheckedProjectFactory(project=team.project, batch__period=team.period)
    url = upload_url(team, checked=checked.pk)
    assert as_user(team.filler).post(url, {"files": [f.upload("a.pdf")]}).status_code == 404
    response = as_user(team.finance).post(url, {"files": [f.upload("复核.pdf")],
                                                "next": "/checks/x/"}, follow=False)
    assert response["Location"] == "/checks/x/"
    assert Evidence.objects.get().checked == checked


def test_next_must_stay_on_this_site(team):
    response = as_user(team.filler).post(upload_url(team, next="https://evil.example/"),
                                         {"files": [f.upload("a.pdf")]})
    assert response["Location"] == f"{page_url(team)}#evidence"


def test_the_filler_deletes_while_editable_and_not_after_submitting(team):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    other, = upload_evidence(team.project, team.period, team.filler, [f.upload("b.pdf")])
    client = as_user(team.filler)
    response = client.post(reverse("evidence:delete", args=[row.pk]), follow=True)
    assert texts(response) == ["已删除「a.pdf」。"]
    assert 'class="d-inline evidence-delete"' in response.content.decode()
    ProjectRecord.objects.create(project=team.project, period=team.period,
                                 status=WorkflowStatus.SUBMITTED)
    response = client.post(reverse("evidence:delete", args=[other.pk]), follow=True)
    assert "已提交" in texts(response)[0]
    assert list(Evidence.objects.values_list("name", flat=True)) == ["b.pdf"]
    assert 'evidence-delete' not in response.content.decode()


def test_the_panel_marks_required_evidence_and_the_submission_list_links_to_it(team):
    ind = team.indicators[0]
    ind.evidence_required = True
    ind.save()
    client = as_user(team.filler)
    page = client.get(page_url(team)).content.decode()
    assert f'href="#evidence-i{ind.id}"' in page and f"指标「{ind.name}」须上传佐证材料" in page
    assert "1 项指标缺少必需的佐证材料" in page
    post_files(client, team, f.upload("a.pdf"), indicator=ind.id)
    page = client.get(page_url(team)).content.decode()  # not the cached content of before
    assert "须上传佐证材料" not in page and "缺少必需的佐证材料" not in page


def test_the_project_page_query_count_stays_bounded(team):
    for ind in team.indicators:
        upload_evidence(team.project, team.period, team.filler,
                        [f.upload("a.pdf"), f.upload("b.png", f.image("PNG"))], indicator=ind)
    client = as_user(team.filler)
    client.get(page_url(team))  # the content is cached from here on
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url(team)).status_code == 200
    upload_evidence(team.project, team.period, team.filler,
                    [f.upload(f"{n}.pdf") for n in range(10)])
    client.get(page_url(team))
    with CaptureQueriesContext(connection) as more:
        client.get(page_url(team))
    # 7 for the cached page, 3 for the evidence panel (evidence, indicators, the record),
    # 1 for finance's open questions to the unit, 1 for the 复核 (none here)
    assert len(more) == len(few) <= 12
