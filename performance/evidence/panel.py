"""The 佐证材料 panel of the project page: what was uploaded for the project's values in a
period, what is still required, and the upload form for those who may add files.

Rendered outside the project page's cached content (performance.entry.project_views), so an
upload or a deletion shows at once; `version` (the ids of the rows shown) is part of that
content's cache key, since its list of what blocks a submission depends on the evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from performance.access import project_rights
from performance.models import Indicator, ProjectRecord
from performance.services.evidence import (
    evidence_for,
    max_file_bytes,
    max_files,
    size_text,
    upload_refusal,
    value_rights,
)

from .sniff import ACCEPT_ATTRIBUTE


@dataclass
class IndicatorEvidence:
    indicator: Indicator
    required: bool
    rows: list = field(default_factory=list)

    @property
    def missing(self) -> bool:
        return self.required and not self.rows


def evidence_panel(user, project, period) -> dict:
    """The panel's context (three queries: the evidence, the indicators in force, the
    project's record; a fourth while a 补充说明 is open and the values are not editable)."""
    groups = evidence_for(project, period)
    indicators = list(Indicator.objects.filter(project=project).select_related("level2")
                      .order_by("position", "id"))
    rights = project_rights(user, project)
    record = (ProjectRecord.objects.filter(project=project, period=period).first()
              if rights.fill or rights.unit_review else None)
    allowed = value_rights(project, period, user, record=record)
    for row in groups.values:
        row.deletable = allowed.delete_refusal(row) is None
    items = [IndicatorEvidence(ind, ind.needs_evidence(ind.level2.evidence_required),
                               groups.indicators.get(ind.id, [])) for ind in indicators]
    back = f"{reverse('entry:project', args=[project.pk])}?period={period.code}#evidence"
    return {
        "project": project, "period": period,
        "next": back,
        "upload_url": _upload_url(project, period, back),
        "targets": [(item.indicator.id,
                     item.indicator.name + ("（须上传）" if item.missing else ""))
                    for item in items],
        "project_rows": groups.project,
        "indicators": items,
        "shown": [item for item in items if item.rows or item.required],
        "missing": [item for item in items if item.missing],
        "can_upload": allowed.refusal is None,
        "answering": allowed.since is not None,
        "refusal": allowed.refusal if (rights.fill or rights.unit_review) else "",
        "accept": ACCEPT_ATTRIBUTE,
        "limits": f"单个文件不超过 {size_text(max_file_bytes())}，每次最多 {max_files()} 个",
        "version": ",".join(str(row.id) for row in groups.values),
    }


@dataclass
class CheckEvidenceRow:
    label: str
    anchor: str
    unit_rows: list
    check_rows: list


def check_evidence(user, checked) -> dict:
    """The check page's 佐证材料: beside each indicator (and the project) the files the unit
    attached to its values and those attached to the 复核 opinion, and the upload form for the
    复核 evidence while the check may change (two queries: the evidence, the indicators)."""
    project, period = checked.project, checked.period
    groups = evidence_for(project, period)
    refusal = upload_refusal(project, period, user, checked=checked)
    mine = groups.checked.get(checked.pk, [])
    for row in mine:
        row.deletable = refusal is None
    by_indicator: dict[int | None, list] = {}
    for row in mine:
        by_indicator.setdefault(row.indicator_id, []).append(row)
    indicators = list(Indicator.objects.filter(project=project).order_by("position", "id"))
    rows = [CheckEvidenceRow("项目（本期）", "check-evidence-p", groups.project,
                             by_indicator.get(None, []))]
    rows += [CheckEvidenceRow(ind.name, f"check-evidence-i{ind.id}", groups.indicators.get(ind.id, []),
                              by_indicator.get(ind.id, [])) for ind in indicators]
    back = f"{reverse('checks:check', args=[checked.pk])}#check-evidence"
    return {
        "checked": checked, "rows": rows,
        "next": back,
        "upload_url": _upload_url(project, period, back, checked=checked),
        "targets": [(ind.id, ind.name) for ind in indicators],
        "can_upload": refusal is None, "refusal": refusal,
        "accept": ACCEPT_ATTRIBUTE,
        "limits": f"单个文件不超过 {size_text(max_file_bytes())}，每次最多 {max_files()} 个",
    }


def _upload_url(project, period, back: str, *, checked=None) -> str:
    query = {"project": project.pk, "period": period.code, "next": back}
    if checked is not None:
        query["checked"] = checked.pk
    return f"{reverse('evidence:upload')}?{urlencode(query)}"
