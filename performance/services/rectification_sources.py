"""Raising 整改事项 automatically from their sources (docs/rectification.md):

  * a monitoring period's indicator with a red light            → source red_light,
  * a monitoring period's indicator whose likelihood is 完全不可能 → source impossible,
  * a concluded 复核 whose indicator score is below its weight   → source check_deduction.

Each source has a stable key (`red_light:<period code>:<indicator id>`, `impossible:…`,
`check:<checked project id>:<indicator id>`), unique in the database, so a source raises its
item once: running again raises nothing new. Monitoring figures count once the unit has
submitted the project (a draft's light may still change). Only the period's year's projects.
Candidates are read in chunks by primary key; keys already raised are skipped with one query
per chunk, so a re-run costs a few queries however many items exist.

Run by `manage.py raise_rectifications`, by the daily task performance.tasks.raise_rectifications,
and for one 复核 right after it is concluded (`raise_after_conclude`, on commit).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from performance import workflow
from performance.domain import Light, Likelihood
from performance.models import (
    CheckedProject,
    CheckScore,
    CheckStatus,
    IndicatorRecord,
    ProjectRecord,
    Rectification,
    RectificationSource,
    ReportingPeriod,
)
from performance.workdays import rectification_deadline, response_deadline
from performance.workflow import Channel

logger = logging.getLogger(__name__)

CHUNK = 500
MONITORING_ACTION = "分析偏差原因，选择继续执行、调剂或取消，并采取纠偏措施"
CHECK_ACTION = "针对复核扣分问题进行整改"


@dataclass
class RaiseReport:
    """What one run raised: the new items' ids, and how many sources were raised before."""

    raised: list[int] = field(default_factory=list)
    existing: int = 0
    refused: list[str] = field(default_factory=list)  # sources the service refused, with why
    skipped: str = ""  # why nothing was looked at (e.g. not a monitoring period)

    def merge(self, other: RaiseReport) -> RaiseReport:
        self.raised += other.raised
        self.existing += other.existing
        self.refused += other.refused
        return self

    def summary(self) -> dict:
        return {"raised": len(self.raised), "existing": self.existing,
                "refused": len(self.refused)}


@dataclass(frozen=True)
class Candidate:
    key: str
    source: str
    project: object
    period: object
    indicator: object
    problem: str
    required_action: str
    response_deadline: datetime.date | None


# --- monitoring ------------------------------------------------------------------------------


def red_light_key(period, indicator_id) -> str:
    return f"red_light:{period.code}:{indicator_id}"


def impossible_key(period, indicator_id) -> str:
    return f"impossible:{period.code}:{indicator_id}"


def check_key(checked_id, indicator_id) -> str:
    return f"check:{checked_id}:{indicator_id}"


def raise_from_monitoring(period, *, today: datetime.date | None = None, user=None,
                          channel: str = Channel.SYSTEM) -> RaiseReport:
    """Raise the items of a monitoring period's red lights and 完全不可能 likelihoods."""
    if not period.is_monitoring:
        return RaiseReport(skipped="不是监控期间")
    today = today or timezone.localdate()
    submitted = ProjectRecord.objects.filter(project=OuterRef("indicator__project"), period=period,
                                             status__in=workflow.DONE)
    records = (IndicatorRecord.objects
               .filter(period=period, indicator__project__year=period.year,
                       indicator__retired=False)
               .filter(Q(light=Light.RED) | Q(likelihood=Likelihood.IMPOSSIBLE))
               .filter(Exists(submitted))
               .select_related("indicator__project__unit"))
    due = response_deadline(today)

    def candidates(record):
        indicator = record.indicator
        if record.light == Light.RED:
            yield Candidate(red_light_key(period, indicator.pk), RectificationSource.RED_LIGHT,
                            indicator.project, period, indicator,
                            monitoring_problem(period, record, "监控灯为红灯"),
                            MONITORING_ACTION, due)
        if record.likelihood == Likelihood.IMPOSSIBLE:
            yield Candidate(impossible_key(period, indicator.pk), RectificationSource.IMPOSSIBLE,
                            indicator.project, period, indicator,
                            monitoring_problem(period, record, "完成可能性为“完全不可能”"),
                            MONITORING_ACTION, due)

    return _raise_all(records, candidates, today, user, channel)


def monitoring_problem(period, record, finding: str) -> str:
    indicator = record.indicator
    parts = [f"{period.name}监控：指标“{indicator.name}”{finding}。",
             f"目标值：{target_text(indicator)}；",
             f"截至{period.cutoff_month}月完成值：{reached_text(record, indicator)}"]
    if record.expected_value is not None or record.expected_grade:
        expected = (record.expected_grade if record.expected_value is None
                    else _with_unit(record.expected_value, indicator.unit))
        parts.append(f"；全年预计完成值：{expected}")
    if record.light:
        parts.append(f"；监控灯：{Light(record.light).label}")
    if record.likelihood:
        parts.append(f"；完成可能性：{record.likelihood}")
    return "".join(parts) + "。"


def target_text(indicator) -> str:
    if indicator.target_value is None:
        return indicator.target_grade or "未设定"
    operator = "" if indicator.operator in ("定性", "") else indicator.operator
    return f"{operator}{_with_unit(indicator.target_value, indicator.unit)}"


def reached_text(record, indicator) -> str:
    if record.actual_value is not None:
        return _with_unit(record.actual_value, indicator.unit)
    return record.actual_grade or "未填报"


def _with_unit(value: Decimal, unit: str) -> str:
    return f"{number(value)}{unit or ''}"


def number(value: Decimal) -> str:
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- 复核 --------------------------------------------------------------------------------------


def raise_from_checks(period, *, today: datetime.date | None = None, user=None,
                      channel: str = Channel.SYSTEM, checked_ids=None) -> RaiseReport:
    """Raise an item for each indicator scored below its weight in a concluded 复核 of `period`
    (or only of the 复核 `checked_ids`)."""
    today = today or timezone.localdate()
    scores = (CheckScore.objects
              .filter(checked__period=period, checked__status=CheckStatus.DONE,
                      checked__project__year=period.year, score__lt=F("weight"))
              .select_related("indicator", "checked__project__unit"))
    if checked_ids is not None:
        scores = scores.filter(checked_id__in=checked_ids)

    def candidates(score):
        yield Candidate(check_key(score.checked_id, score.indicator_id),
                        RectificationSource.CHECK_DEDUCTION, score.checked.project, period,
                        score.indicator, check_problem(period, score), CHECK_ACTION, None)

    return _raise_all(scores, candidates, today, user, channel)


def check_problem(period, score) -> str:
    reason = (score.deduction_reason or "").strip() or "未填写"
    return (f"{period.name}复核：指标“{score.indicator.name}”权重 {number(score.weight)} 分，"
            f"复核得分 {number(score.score)} 分，扣 {number(score.weight - score.score)} 分。"
            f"扣分原因：{reason}")


def raise_after_conclude(checked_id: int) -> RaiseReport | None:
    """Called on commit once a 复核 is concluded: raise its deductions now rather than at the
    next daily run, raised by whoever concluded it (finance hears of the unit's progress). A
    failure is logged, never raised: the daily run catches up."""
    try:
        checked = (CheckedProject.objects.select_related("period", "concluded_by")
                   .get(pk=checked_id))
        if checked.status != CheckStatus.DONE:
            return None
        return raise_from_checks(checked.period, checked_ids=[checked_id],
                                 user=checked.concluded_by)
    except Exception:
        logger.exception("raising the 整改事项 of 复核 %s failed; the daily run will retry",
                         checked_id)
        return None


# --- every period ------------------------------------------------------------------------------


def periods_to_scan(today: datetime.date):
    """This year's and last year's periods (last year's 复核 are concluded this year)."""
    return list(ReportingPeriod.objects.filter(year__gte=today.year - 1).order_by("year", "code"))


def raise_for_period(period, *, today: datetime.date | None = None, user=None,
                     channel: str = Channel.SYSTEM) -> RaiseReport:
    """Both sources of one period: its monitoring warnings (monitoring periods) and its 复核."""
    today = today or timezone.localdate()
    report = raise_from_monitoring(period, today=today, user=user, channel=channel)
    report.skipped = ""
    return report.merge(raise_from_checks(period, today=today, user=user, channel=channel))


def raise_all(*, today: datetime.date | None = None, periods=None, user=None,
              channel: str = Channel.SYSTEM) -> dict[str, RaiseReport]:
    """Every period to scan (or `periods`), by code."""
    today = today or timezone.localdate()
    return {period.code: raise_for_period(period, today=today, user=user, channel=channel)
            for period in (periods_to_scan(today) if periods is None else periods)}


# --- common ------------------------------------------------------------------------------------


def _raise_all(queryset, candidates, today, user, channel) -> RaiseReport:
    from performance.services.rectification import RectificationRefused, raise_rectification

    report = RaiseReport()
    deadline = rectification_deadline(today)
    for chunk in _chunks(queryset):
        found = [c for row in chunk for c in candidates(row)]
        if not found:
            continue
        known = set(Rectification.objects.filter(source_key__in=[c.key for c in found])
                    .values_list("source_key", flat=True))
        report.existing += len(known)
        for c in found:
            if c.key in known:
                continue
            try:
                item, created = raise_rectification(
                    project=c.project, period=c.period, source=c.source, problem=c.problem,
                    required_action=c.required_action, deadline=deadline,
                    indicator=c.indicator, source_key=c.key, user=user, channel=channel,
                    response_deadline=c.response_deadline)
            except RectificationRefused as refused:  # one bad source never stops the run
                logger.warning("整改事项 %s not raised: %s", c.key, refused)
                report.refused.append(f"{c.key}：{refused}")
                continue
            if created:
                report.raised.append(item.pk)
            else:  # raised meanwhile by a concurrent run
                report.existing += 1
    return report


def _chunks(queryset, size: int = CHUNK):
    """Lists of at most `size` rows by ascending primary key (keyset: no OFFSET)."""
    last = 0
    queryset = queryset.order_by("pk")
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:size])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].pk
        if len(chunk) < size:
            return
