"""佐证材料: uploading, deleting and listing the files behind a project's values and behind a
复核 opinion (docs/evidence.md).

Who may change them:
- evidence of the values (a project's record in a period, or one indicator's value): a 填报人
  of the project's unit while the values are editable (草稿/已退回 in a period open for the
  unit); and while finance waits for a 补充说明 (an open ExplanationRequest of the project's
  check in that period), a 填报人 or 单位审核人 of the unit, who may then delete only what was
  uploaded after the question was asked;
- evidence of a 复核 opinion: finance, until the check is 已复核;
- evidence of a 整改事项 (stored against the item's project and period): a 填报人 or 单位审核人
  of the item's unit while it is 待整改 or 整改中 (docs/rectification.md);
- the admin site and the command line (Channel.ADMIN/COMMAND): always.

An upload checks every file before anything is stored (count, size, the project's total,
the type by content: performance.evidence.sniff), stores the files, then writes the rows and
their history in one transaction; if anything fails, the files already stored are removed
again. A deletion writes its history row and removes the file once the transaction commits.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from performance.access import project_rights
from performance.evidence.sniff import FileType, Unacceptable, check
from performance.lengths import max_length, too_long, truncate_name
from performance.models import (
    CheckedProject,
    CheckStatus,
    Evidence,
    ExplanationRequest,
    ExplanationStatus,
    Indicator,
    ProjectRecord,
    Rectification,
)
from performance.models.evidence import evidence_files, evidence_path
from performance.workflow import Capacity, Channel

from .entry import read_only_reason
from .period_lock import period_for_write, unit_state

MAX_FILES_PER_UPLOAD = 20


class EvidenceRefused(Exception):  # noqa: N818 (a refusal, said to the person)
    """Nothing was stored or deleted; `messages` says why (each naming its file)."""

    def __init__(self, messages):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("；".join(self.messages))


def max_file_bytes() -> int:
    return int(settings.EVIDENCE_MAX_FILE_BYTES)


def max_project_bytes() -> int:
    return int(settings.EVIDENCE_MAX_PROJECT_BYTES)


def max_files() -> int:
    return int(getattr(settings, "EVIDENCE_MAX_FILES_PER_UPLOAD", MAX_FILES_PER_UPLOAD))


def max_request_bytes() -> int:
    """The largest upload request worth reading: every file at its limit, plus the form."""
    return max_files() * max_file_bytes() + 1024 * 1024


def size_text(size: int) -> str:
    """25.3 MB, 20 MB, 512 KB, 80 B."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            text = f"{size / scale:.1f}".removesuffix(".0")
            return f"{text} {unit}"
    return f"{size} B"


# ------------------------------------------------------------------------------ who may


_READ = object()


def open_explanation(project, period) -> ExplanationRequest | None:
    """The 补充说明 finance waits for on the project's check in `period`, if any."""
    return (ExplanationRequest.objects.filter(checked__project=project, checked__period=period,
                                              status=ExplanationStatus.OPEN)
            .order_by().first())


@dataclass(frozen=True)
class ValueRights:
    """What a person may do with the evidence of a project's values in a period now."""

    refusal: str | None  # why nothing may be added or deleted (None: may add)
    since: datetime.datetime | None = None  # answering a 补充说明: deletes only rows since

    def delete_refusal(self, evidence) -> str | None:
        if self.refusal:
            return self.refusal
        if self.since is not None and evidence.uploaded_at < self.since:
            return "财政要求补充说明期间，只能删除提出问题之后上传的佐证材料。"
        return None


def value_rights(project, period, user, *, channel=Channel.PAGE, record=_READ,
                 state=None) -> ValueRights:
    """`user`'s rights on the evidence of `project`'s values in `period`. A page that read the
    project's `record` in `period` (or the period's `state` for the unit) passes it."""
    rights = project_rights(user, project)
    if Capacity.ADMIN in rights.capacities(channel):
        return ValueRights(None)
    refusal = _values_refusal(project, period, rights, record, state)
    if refusal and (rights.fill or rights.unit_review):
        explanation = open_explanation(project, period)
        if explanation is not None:
            return ValueRights(None, since=explanation.asked_at)
    return ValueRights(refusal)


def upload_refusal(project, period, user, *, checked=None, channel=Channel.PAGE,
                   record=_READ, rectification=None) -> str | None:
    """Why `user` may not add evidence now (None: may)."""
    if rectification is not None:
        return rectification_refusal(rectification, user, channel=channel)
    if checked is not None:
        rights = project_rights(user, project)
        return _checked_refusal(checked, rights, rights.capacities(channel))
    return value_rights(project, period, user, channel=channel, record=record).refusal


def delete_refusal(evidence: Evidence, user, *, channel=Channel.PAGE) -> str | None:
    """Why `user` may not delete `evidence` now (None: may)."""
    if evidence.checked_id:
        rights = project_rights(user, evidence.project)
        return _checked_refusal(evidence.checked, rights, rights.capacities(channel))
    if evidence.rectification_id:
        return rectification_refusal(evidence.rectification, user, channel=channel)
    return value_rights(evidence.project, evidence.period, user,
                        channel=channel).delete_refusal(evidence)


def _checked_refusal(checked, rights, capacities) -> str | None:
    if Capacity.ADMIN in capacities:
        return None
    if not rights.finance:
        return "只有财政审核人可以上传或删除复核意见的佐证材料。"
    if checked.status == CheckStatus.DONE:
        return "该项目已完成复核，复核意见的佐证材料不能再修改。"
    return None


def rectification_refusal(item, user, *, channel=Channel.PAGE) -> str | None:
    """Why `user` may not add or delete evidence of the 整改事项 `item` now (None: may)."""
    capacities = project_rights(user, item.project).capacities(channel)
    if Capacity.ADMIN in capacities:
        return None
    if not {Capacity.FILLER, Capacity.UNIT_REVIEWER} & capacities:
        return "只有责任单位的填报人或单位审核人可以上传或删除整改事项的佐证材料。"
    if item.status not in ("pending", "in_progress"):
        return (f"该整改事项{item.get_status_display()}，佐证材料不能再修改"
                "（如需补充，请财政退回整改）。")
    return None


def _values_refusal(project, period, rights, record, state) -> str | None:
    if not rights.fill:
        return "只有本单位填报人可以上传或删除佐证材料。"
    if record is _READ:
        record = ProjectRecord.objects.filter(project=project, period=period).first()
    if state is None:
        state = unit_state(period, project.unit_id)
    reason = read_only_reason(period, rights, record, state)
    return f"佐证材料不能修改：{reason}" if reason else None


# ------------------------------------------------------------------------------ upload


@dataclass
class _Checked:
    file: object
    name: str
    type: FileType
    size: int
    sha256: str


def upload_evidence(project, period, user, files, *, indicator=None, checked=None, note: str = "",
                    channel: str = Channel.PAGE, rectification=None) -> list[Evidence]:
    """Store `files` (Django File objects) as evidence of `project` in `period`: of the
    project's record, of `indicator`'s value, of the 复核 opinion `checked` (on
    `indicator`, if given), or of the 整改事项 `rectification` (its project and period; pass
    them). All or nothing; raises EvidenceRefused."""
    files = list(files)
    _check_target(project, period, indicator, checked)
    if rectification is not None and (rectification.project_id != project.pk
                                      or rectification.period_id != period.pk
                                      or indicator is not None or checked is not None):
        raise EvidenceRefused("该整改事项不属于本项目本期间。")
    refusal = upload_refusal(project, period, user, checked=checked, channel=channel,
                             rectification=rectification)
    if refusal:
        raise EvidenceRefused(refusal)
    note = (note or "").strip()
    if (too_long_message := too_long(Evidence, "note", note)) is not None:
        raise EvidenceRefused(f"[说明]：{too_long_message}。")
    prepared = _prepare(files, _project_total(project))
    saved = []
    try:
        rows = []
        for item in prepared:
            row = Evidence(project=project, period=period, indicator=indicator, checked=checked,
                           rectification=rectification, name=_fitting_name(item.name), content_type=item.type.content_type,
                           kind=item.type.kind, size=item.size, sha256=item.sha256, note=note,
                           uploaded_by=user)
            stored = evidence_files.save(evidence_path(row, f"f.{item.type.extension}"),
                                         item.file)
            saved.append(stored)
            row.file.name = stored
            rows.append(row)
        with transaction.atomic():
            period = period_for_write(period)
            record = _locked_record(project, period)
            if checked is not None:
                checked = CheckedProject.objects.select_for_update().get(pk=checked.pk)
            if rectification is not None:
                rectification = _locked_rectification(rectification.pk)
            refusal = upload_refusal(project, period, user, checked=checked, channel=channel,
                                     record=record, rectification=rectification)
            if refusal:
                raise EvidenceRefused(refusal)
            _check_total(project, _project_total(project), sum(r.size for r in rows))
            now = timezone.now()
            for row in rows:
                row.period, row.uploaded_at = period, now
            rows = Evidence.objects.bulk_create(rows)
            _history(rows, "+", user, channel, now, "上传")
    except BaseException:
        for name in saved:
            evidence_files.delete(name)
        raise
    return rows


def _fitting_name(name: str) -> str:
    """The original name as stored and shown: cut to the column, its extension kept (the
    stored file has its own name; sniff.clean_name already cuts, this holds if it changes)."""
    return truncate_name(name, max_length(Evidence, "name"))


def _locked_rectification(pk) -> Rectification:
    return (Rectification.objects.select_for_update(of=("self",))
            .select_related("project").get(pk=pk))


def _check_target(project, period, indicator, checked) -> None:
    if period.year != project.year:
        raise EvidenceRefused("期间与项目的年度不符。")
    if indicator is not None and indicator.project_id != project.pk:
        raise EvidenceRefused("该指标不属于本项目。")
    if checked is not None and (checked.project_id != project.pk
                                or checked.period_id != period.pk):
        raise EvidenceRefused("该复核项目不属于本项目本期间。")


def _prepare(files, existing: int) -> list[_Checked]:
    """Every file checked before anything is stored: all the refusals, each naming its file."""
    if not files:
        raise EvidenceRefused("请选择要上传的文件。")
    if len(files) > max_files():
        raise EvidenceRefused(f"一次最多上传 {max_files()} 个文件（本次 {len(files)} 个），请分批上传。")
    limit = max_file_bytes()
    problems, prepared = [], []
    for file in files:
        shown = getattr(file, "name", "") or "未命名文件"
        declared = getattr(file, "size", None)
        if declared is not None and declared > limit:
            problems.append(_too_big(shown, declared, limit))
            continue
        digest, size = hashlib.sha256(), 0
        for chunk in file.chunks():
            size += len(chunk)
            if size > limit:
                break
            digest.update(chunk)
        if size == 0:
            problems.append(f"文件「{shown}」是空文件。")
            continue
        if size > limit:
            problems.append(_too_big(shown, size, limit))
            continue
        try:
            found, name = check(file, shown)
        except Unacceptable as exc:
            problems.append(str(exc))
            continue
        prepared.append(_Checked(file, name, found, size, digest.hexdigest()))
    if problems:
        raise EvidenceRefused(problems)
    _check_total(None, existing, sum(p.size for p in prepared))
    return prepared


def _too_big(name: str, size: int, limit: int) -> str:
    return f"文件「{name}」大小 {size_text(size)}，超过单个文件上限 {size_text(limit)}。"


def _project_total(project) -> int:
    return Evidence.objects.filter(project=project).aggregate(total=Sum("size"))["total"] or 0


def _check_total(project, existing: int, adding: int) -> None:
    limit = max_project_bytes()
    if existing + adding > limit:
        raise EvidenceRefused(
            f"本项目的佐证材料已有 {size_text(existing)}，加上本次的 {size_text(adding)} 共 "
            f"{size_text(existing + adding)}，超过每个项目上限 {size_text(limit)}。")


def _locked_record(project, period) -> ProjectRecord | None:
    """The project's record in `period`, locked like every writer of its values locks it: a
    submission waits for the evidence being added or removed, and sees it."""
    return (ProjectRecord.objects.select_for_update(of=("self",))
            .filter(project=project, period=period).first())


def _history(rows, kind: str, user, channel: str, now, reason: str) -> None:
    history = Evidence.history.model
    tracked = [f.attname for f in history.tracked_fields]

    def value(row, name):
        found = getattr(row, name)
        return getattr(found, "name", found) if name == "file" else found

    history.objects.bulk_create([history(
        **{name: value(row, name) for name in tracked}, history_date=now, history_type=kind,
        history_user=user if getattr(user, "pk", None) else None, history_change_reason=reason,
        history_channel=channel) for row in rows])


# ------------------------------------------------------------------------------ delete


def delete_evidence(evidence: Evidence, user, *, channel: str = Channel.PAGE) -> None:
    """Delete `evidence` (its history row says who and by which channel); its file is
    removed from the storage once the transaction commits. Raises EvidenceRefused."""
    with transaction.atomic():
        period = period_for_write(evidence.period_id)
        _locked_record(evidence.project, period)
        row = (Evidence.objects.select_for_update(of=("self",))
               .select_related("project__unit", "checked").filter(pk=evidence.pk).first())
        if row is None:
            raise EvidenceRefused("该文件已被删除。")
        if row.rectification_id:
            row.rectification = _locked_rectification(row.rectification_id)
        row.period = period
        refusal = delete_refusal(row, user, channel=channel)
        if refusal:
            raise EvidenceRefused(refusal)
        stored, pk = row.file.name, row.pk
        # the history row ("-") is simple-history's, with this user; then its channel
        row._history_user = user if getattr(user, "pk", None) else None
        row._change_reason = "删除"
        row.delete()
        Evidence.history.filter(id=pk, history_type="-").update(history_channel=channel)
        transaction.on_commit(lambda: evidence_files.delete(stored))


# ------------------------------------------------------------------------------ reading


@dataclass
class EvidenceGroups:
    """A project's evidence in a period, as pages show it."""

    project: list  # of the project's record
    indicators: dict  # indicator id → list (evidence of that indicator's value)
    checked: dict  # checked id → list (复核 opinions' evidence)

    @property
    def values(self) -> list:
        """Every row of the values (the project's and the indicators')."""
        return self.project + [e for rows in self.indicators.values() for e in rows]


def evidence_for(project, period) -> EvidenceGroups:
    """The project's evidence in `period`, grouped (one query)."""
    groups = EvidenceGroups([], defaultdict(list), defaultdict(list))
    for row in (Evidence.objects.filter(project=project, period=period,
                                        rectification__isnull=True)
                .select_related("uploaded_by").order_by("uploaded_at", "id")):
        if row.checked_id:
            groups.checked[row.checked_id].append(row)
        elif row.indicator_id:
            groups.indicators[row.indicator_id].append(row)
        else:
            groups.project.append(row)
    groups.indicators, groups.checked = dict(groups.indicators), dict(groups.checked)
    return groups


def evidence_of_rectification(item) -> list[Evidence]:
    """The evidence files of the 整改事项 `item`, oldest first (one query)."""
    return list(Evidence.objects.filter(rectification=item).select_related("uploaded_by")
                .order_by("uploaded_at", "id"))


def _needs_evidence() -> Q:
    return Q(evidence_required=True) | Q(evidence_required__isnull=True,
                                         level2__evidence_required=True)


def _has_value_evidence(period) -> Exists:
    return Exists(Evidence.objects.filter(indicator=OuterRef("pk"), period=period,
                                          checked__isnull=True))


def missing_evidence(project, period) -> list[Indicator]:
    """The project's indicators in force that need evidence and have none in `period`."""
    return list(Indicator.objects.filter(project=project).filter(_needs_evidence())
                .exclude(_has_value_evidence(period)).order_by("position", "id"))


def missing_evidence_ids(period, indicator_ids) -> set[int]:
    """Of `indicator_ids` (those a score measured), the ones that need evidence and have none
    in `period` (one query; none without ids)."""
    ids = list(indicator_ids)
    if not ids:
        return set()
    return set(Indicator.all_objects.filter(id__in=ids).filter(_needs_evidence())
               .exclude(_has_value_evidence(period)).values_list("id", flat=True))
