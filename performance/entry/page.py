"""What the project page shows of one project in one period, read in a constant number of
queries: the indicators (with their levels), their records, the project's record, the live
score from the scoring service, and the rows grouped by 一级/二级 as 表13 prints them."""

from __future__ import annotations

from dataclasses import dataclass, field

from performance.models import Indicator, IndicatorRecord, ProjectRecord
from performance.services.scoring import ProjectResult, score_project_period

from .forms import IndicatorForm, ProjectForm


@dataclass
class Row:
    indicator: Indicator
    record: IndicatorRecord | None
    score: object  # performance.scoring IndicatorScore
    form: IndicatorForm | None = None
    level1_span: int = 0  # rows the 一级 cell spans (0: merged into the row above)
    level2_span: int = 0
    conflict: object = None  # performance.services.entry.Conflict

    @property
    def light(self) -> str:
        return self.record.light if self.record else ""


@dataclass
class Sheet:
    project: object
    period: object
    indicators: list[Indicator]
    records: dict[int, IndicatorRecord]
    record: ProjectRecord | None
    result: ProjectResult | None = None
    rows: list[Row] = field(default_factory=list)
    project_form: ProjectForm | None = None

    @property
    def status(self) -> str:
        return self.record.status if self.record else "draft"

    @property
    def version(self) -> int | None:
        return self.record.version if self.record else None


def load_sheet(project, period) -> Sheet:
    indicators = list(Indicator.objects.filter(project=project)
                      .select_related("level1", "level2").order_by("position", "id"))
    # by indicator ids, so the (indicator, period) index is used, not a scan of the period
    records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
        period=period, indicator_id__in=[i.id for i in indicators])}
    record = (ProjectRecord.objects.filter(project=project, period=period)
              .select_related("updated_by", "submitted_by", "reviewed_by").first())
    sheet = Sheet(project, period, indicators, records, record)
    sheet.result = score_project_period(project, period)
    scores = dict(zip((line.id for line in sheet.result.lines),
                      sheet.result.score.indicator_scores, strict=True))
    sheet.rows = [Row(i, records.get(i.id), scores.get(i.id)) for i in indicators]
    _group(sheet.rows)
    return sheet


def attach_forms(sheet: Sheet, data=None, conflicts=()) -> None:
    """Give every row its form (bound to `data` when posted) and the project form."""
    monitoring = sheet.period.is_monitoring
    by_indicator = {c.indicator_id: c for c in conflicts}
    for row in sheet.rows:
        row.form = IndicatorForm(row.indicator, row.record, monitoring=monitoring, data=data)
        row.conflict = by_indicator.get(row.indicator.id)
    sheet.project_form = ProjectForm(sheet.record, data=data)


def _group(rows: list[Row], per_indicator: int = 2) -> None:
    """Merge the 一级/二级 cells of consecutive rows with the same level, as in 表13 (each
    indicator takes `per_indicator` table rows: its values and its details)."""
    start1 = start2 = None
    for index, row in enumerate(rows):
        level1, level2 = row.indicator.level1_id, row.indicator.level2_id
        if start1 is None or rows[start1].indicator.level1_id != level1:
            start1, start2 = index, index
        elif rows[start2].indicator.level2_id != level2:
            start2 = index
        rows[start1].level1_span += per_indicator
        rows[start2].level2_span += per_indicator
