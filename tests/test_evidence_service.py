"""The evidence service: uploads checked as a whole before anything is stored, limits per file
and per project, who may add and delete and when, the history of both, and the evidence an
indicator requires before the project can be submitted."""

import datetime
import hashlib

import pytest
import time_machine
from django.utils import timezone

from performance.models import (
    CheckStatus,
    Evidence,
    ExplanationRequest,
    ProjectRecord,
    WorkflowStatus,
)
from performance.models.evidence import evidence_files
from performance.services.evidence import (
    EvidenceRefused,
    delete_evidence,
    evidence_for,
    missing_evidence,
    upload_evidence,
)
from performance.services.workflow import submission_problems
from performance.workflow import Channel
from tests import evidence_files as f
from tests.entry_setup import lock, make_team
from tests.factories import CheckedProjectFactory, IndicatorFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return make_team()


def stored() -> list[str]:
    """Every file in the (in-memory) evidence storage."""
    found, folders = [], [""]
    while folders:
        folder = folders.pop()
        dirs, files = evidence_files.listdir(folder)
        found += [f"{folder}/{name}".lstrip("/") for name in files]
        folders += [f"{folder}/{d}".lstrip("/") for d in dirs]
    return found


def nothing_stored():
    return stored() == [] and not Evidence.objects.exists() and not Evidence.history.exists()


def test_a_filler_uploads_files_of_an_indicator_with_their_type_size_and_hash(team):
    ind = team.indicators[0]
    rows = upload_evidence(team.project, team.period, team.filler,
                           [f.upload("现场照片.jpg", f.image("JPEG")), f.upload("验收报告.pdf")],
                           indicator=ind, note="年中验收")
    assert [(r.name, r.kind, r.content_type) for r in rows] == [
        ("现场照片.jpg", "jpeg", "image/jpeg"), ("验收报告.pdf", "pdf", "application/pdf")]
    pdf = Evidence.objects.get(name="验收报告.pdf")
    assert pdf.size == len(f.PDF) and pdf.indicator == ind and pdf.note == "年中验收"
    assert pdf.sha256 == hashlib.sha256(f.PDF).hexdigest()
    assert pdf.uploaded_by == team.filler and pdf.file.name.endswith(".pdf")
    assert "验收报告" not in pdf.file.name  # stored under a random name
    assert pdf.file.read() == f.PDF
    assert len(stored()) == 2


def test_each_upload_leaves_a_history_row_with_the_person_and_the_channel(team):
    upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    row = Evidence.history.get()
    assert (row.history_type, row.history_user, row.history_channel,
            row.history_change_reason) == ("+", team.filler, Channel.PAGE, "上传")


def test_an_exe_renamed_to_pdf_refuses_the_whole_upload_and_stores_nothing(team):
    with pytest.raises(EvidenceRefused) as refused:
        upload_evidence(team.project, team.period, team.filler,
                        [f.upload("好的.pdf"), f.upload("绩效报告.pdf", f.EXE)])
    assert refused.value.messages == [
        "文件「绩效报告.pdf」不是允许的类型：只接受 PDF、图片（PNG、JPEG、GIF、WebP、BMP、TIFF）、"
        "Word、Excel、PowerPoint 文档和 ZIP 压缩包，按文件内容判断。"]
    assert nothing_stored()


def test_every_refused_file_is_named_at_once(team, settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 100
    with pytest.raises(EvidenceRefused) as refused:
        upload_evidence(team.project, team.period, team.filler,
                        [f.upload("空.pdf", b""), f.upload("大.png", f.image("PNG") + b"\0" * 200),
                         f.upload("图.svg", f.SVG)])
    messages = refused.value.messages
    assert messages[0] == "文件「空.pdf」是空文件。"
    assert messages[1].startswith("文件「大.png」大小 ") and "超过单个文件上限 100 B" in messages[1]
    assert "「图.svg」" in messages[2]
    assert nothing_stored()


def test_the_size_message_reads_in_megabytes(team, settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 20 * 1024 * 1024
    big = f.upload("x.pdf", f.PDF + b"\0" * int(25.3 * 1024 * 1024))
    with pytest.raises(EvidenceRefused) as refused:
        upload_evidence(team.project, team.period, team.filler, [big])
    assert str(refused.value) == "文件「x.pdf」大小 25.3 MB，超过单个文件上限 20 MB。"


def test_the_project_total_counts_every_period_and_refuses_beyond_it(team, settings):
    settings.EVIDENCE_MAX_PROJECT_BYTES = len(f.PDF) * 2
    upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    upload_evidence(team.project, team.period, team.filler, [f.upload("b.pdf")])
    with pytest.raises(EvidenceRefused, match="超过每个项目上限"):
        upload_evidence(team.project, team.period, team.filler, [f.upload("c.pdf")])
    assert Evidence.objects.count() == 2 and len(stored()) == 2
    # another project of the unit has its own total
    other = ProjectFactory(unit=team.unit, year=team.project.year)
    upload_evidence(other, team.period, team.filler, [f.upload("c.pdf")])


def test_too_many_files_at_once_are_refused(team, settings):
    settings.EVIDENCE_MAX_FILES_PER_UPLOAD = 2
    with pytest.raises(EvidenceRefused, match="一次最多上传 2 个文件"):
        upload_evidence(team.project, team.period, team.filler,
                        [f.upload(f"{n}.pdf") for n in range(3)])
    assert nothing_stored()


def test_a_failure_after_files_were_stored_removes_them(team, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(Evidence.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        upload_evidence(team.project, team.period, team.filler,
                        [f.upload("a.pdf"), f.upload("b.pdf")])
    assert nothing_stored()


@pytest.mark.parametrize("who", ["reviewer", "finance", "outsider"])
def test_only_a_filler_of_the_unit_adds_evidence_of_the_values(team, who):
    with pytest.raises(EvidenceRefused, match="只有本单位填报人"):
        upload_evidence(team.project, team.period, getattr(team, who), [f.upload("a.pdf")])
    assert nothing_stored()


def test_evidence_cannot_change_once_submitted_or_locked(team):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    ProjectRecord.objects.create(project=team.project, period=team.period,
                                 status=WorkflowStatus.SUBMITTED)
    with pytest.raises(EvidenceRefused, match="佐证材料不能修改：本项目本期已提交"):
        upload_evidence(team.project, team.period, team.filler, [f.upload("b.pdf")])
    with pytest.raises(EvidenceRefused, match="已提交"):
        delete_evidence(row, team.filler)
    ProjectRecord.objects.update(status=WorkflowStatus.RETURNED, return_reason="补充")
    lock(team.period, team.finance)
    with pytest.raises(EvidenceRefused, match="锁定"):
        delete_evidence(row, team.filler)
    assert Evidence.objects.count() == 1


def test_the_admin_channel_deletes_at_any_time(team):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    lock(team.period, team.finance)
    delete_evidence(row, team.finance, channel=Channel.ADMIN)
    assert not Evidence.objects.exists()


def test_a_deletion_leaves_a_history_row_and_removes_the_file_after_commit(
        team, django_capture_on_commit_callbacks):
    row, = upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")])
    with django_capture_on_commit_callbacks(execute=True):
        delete_evidence(row, team.filler)
    assert not Evidence.objects.exists() and stored() == []
    gone = Evidence.history.filter(history_type="-").get()
    assert (gone.history_user, gone.history_channel, gone.name) == (team.filler, "page", "a.pdf")


def test_while_finance_waits_for_an_explanation_the_unit_adds_evidence(team):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2)):
        old, = upload_evidence(team.project, team.period, team.filler, [f.upload("old.pdf")])
    ProjectRecord.objects.create(project=team.project, period=team.period,
                                 status=WorkflowStatus.APPROVED)
    checked = CheckedProjectFactory(project=team.project, batch__period=team.period)
    ExplanationRequest.objects.create(checked=checked, question="请提供验收报告",
                                      asked_by=team.finance,
                                      asked_at=timezone.now() - datetime.timedelta(minutes=1))
    new, = upload_evidence(team.project, team.period, team.reviewer, [f.upload("验收.pdf")])
    delete_evidence(new, team.filler)
    with pytest.raises(EvidenceRefused, match="只能删除提出问题之后上传"):
        delete_evidence(old, team.filler)
    with pytest.raises(EvidenceRefused):
        upload_evidence(team.project, team.period, team.outsider, [f.upload("x.pdf")])


def test_evidence_of_a_check_is_finance_s_until_the_check_is_done(team):
    checked = CheckedProjectFactory(project=team.project, batch__period=team.period)
    with pytest.raises(EvidenceRefused, match="只有财政审核人"):
        upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")],
                        checked=checked)
    row, = upload_evidence(team.project, team.period, team.finance, [f.upload("复核.pdf")],
                           checked=checked, indicator=team.indicators[1])
    assert row.attached_to == f"复核意见：{team.indicators[1].name}"
    checked.status, checked.conclusion = CheckStatus.DONE, "属实"
    checked.concluded_at = timezone.now()
    checked.save()
    with pytest.raises(EvidenceRefused, match="已完成复核"):
        delete_evidence(row, team.finance)
    with pytest.raises(EvidenceRefused, match="已完成复核"):
        upload_evidence(team.project, team.period, team.finance, [f.upload("b.pdf")],
                        checked=checked)


def test_an_indicator_of_another_project_is_refused(team):
    other = ProjectFactory(unit=team.unit, year=team.project.year)
    with pytest.raises(EvidenceRefused, match="不属于本项目"):
        upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")],
                        indicator=IndicatorFactory(project=other))


def test_evidence_is_grouped_by_what_it_is_attached_to_in_one_query(
        team, django_assert_num_queries):
    first, second = team.indicators[:2]
    upload_evidence(team.project, team.period, team.filler, [f.upload("p.pdf")])
    upload_evidence(team.project, team.period, team.filler, [f.upload("i.pdf")], indicator=first)
    checked = CheckedProjectFactory(project=team.project, batch__period=team.period)
    upload_evidence(team.project, team.period, team.finance, [f.upload("c.pdf")], checked=checked)
    with django_assert_num_queries(1):
        groups = evidence_for(team.project, team.period)
        names = ([e.name for e in groups.project], {k: [e.name for e in v]
                                                   for k, v in groups.indicators.items()},
                 {k: [e.uploaded_by.first_name for e in v] for k, v in groups.checked.items()})
    assert names == (["p.pdf"], {first.id: ["i.pdf"]}, {checked.id: ["王财政"]})
    assert second.id not in groups.indicators


def test_required_evidence_is_missing_until_a_file_of_the_value_is_uploaded(team):
    first, second, third = team.indicators
    first.level2.evidence_required = True
    first.level2.save()
    second.evidence_required = True
    second.save()
    third.evidence_required = False  # its own setting wins over the 二级指标's
    third.save()
    required = {i.id for i in team.indicators if i.needs_evidence(i.level2.evidence_required)}
    assert [i.id for i in missing_evidence(team.project, team.period)] == sorted(required)
    upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")], indicator=second)
    checked = CheckedProjectFactory(project=team.project, batch__period=team.period)
    # a 复核 opinion's file is not the unit's evidence
    upload_evidence(team.project, team.period, team.finance, [f.upload("c.pdf")],
                    checked=checked, indicator=first)
    assert [i.id for i in missing_evidence(team.project, team.period)] == sorted(required - {second.id})


def test_submission_lists_each_indicator_missing_its_evidence(team):
    first = team.indicators[0]
    first.evidence_required = True
    first.save()
    problems = submission_problems(team.project, team.period)
    mine = [p for p in problems if "佐证材料" in p]
    assert mine == [f"指标「{first.name}」须上传佐证材料"]
    assert mine[0].anchor == f"evidence-i{first.id}"
    upload_evidence(team.project, team.period, team.filler, [f.upload("a.pdf")], indicator=first)
    assert not [p for p in submission_problems(team.project, team.period) if "佐证材料" in p]
