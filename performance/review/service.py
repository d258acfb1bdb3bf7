"""Run the target review on the database: one project, a selection, a unit's year, a whole year.

The facts are read in a constant number of queries, whatever the number of projects: the
projects, their indicators (one query with the level names), the budget lines, the printed
totals and the decisions already taken. The rules themselves are pure (rules, budget_checks).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet

from budget.models import BudgetLine, PrintedTotal, Project, ProjectCategory, SourceTable, Unit
from performance.domain import TargetRow
from performance.models import FindingDecision, Indicator
from performance.scoring import ScoringPolicy

from .budget_checks import LineFacts, TotalFacts, check_budget_tables
from .facts import BudgetLineFacts, IndicatorFacts, ProjectFacts
from .findings import Finding, RuleSettings, Severity
from .rules import review_projects, review_target_rows

STATUSES = {"open": "待处理", "accepted": "已接受", "all": "全部"}


def rule_settings() -> RuleSettings:
    return RuleSettings.from_mapping(getattr(settings, "TARGET_REVIEW_RULES", None))


def expected_weight_total() -> Decimal:
    policy = ScoringPolicy.from_mapping(getattr(settings, "SCORING_POLICY", None))
    return policy.expected_weight_total


@dataclass
class ReviewReport:
    """The findings of one review, with the decisions already taken on them."""

    findings: list[Finding]
    decisions: dict[str, FindingDecision] = field(default_factory=dict)

    def decision(self, finding: Finding) -> FindingDecision | None:
        return self.decisions.get(finding.key)

    def find(self, key: str) -> Finding | None:
        return next((f for f in self.findings if f.key == key), None)

    def select(self, *, severity: str | None = None, rule: str | None = None,
               status: str = "open") -> list[Finding]:
        return [
            f for f in self.findings
            if (not severity or f.severity == severity)
            and (not rule or f.rule == rule)
            and (status == "all" or (f.key in self.decisions) == (status == "accepted"))
        ]

    @property
    def open(self) -> list[Finding]:
        return self.select(status="open")

    def counts(self, status: str = "open") -> dict[Severity, int]:
        counter = Counter(f.severity for f in self.select(status=status))
        return {severity: counter.get(severity, 0) for severity in Severity}

    @property
    def has_open_errors(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.open)

    def rules(self) -> list[tuple[str, str]]:
        seen = {f.rule: f.rule_title for f in self.findings}
        return sorted(seen.items())


@dataclass(frozen=True)
class ReviewOutcome:
    """The review of an import: its findings, and whether the import must be refused."""

    findings: list[Finding]
    blocked: bool

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]


# ---------------------------------------------------------------- entry points

def review_project(project: Project) -> ReviewReport:
    return _review(Project.objects.filter(pk=project.pk), whole_tables=False)


def review_selection(projects: QuerySet[Project]) -> ReviewReport:
    """Selected projects (the admin action): their rules and their 表8 lines only."""
    return _review(Project.objects.filter(pk__in=projects.values("pk")), whole_tables=False)


def review_unit(unit: Unit, year: int) -> ReviewReport:
    return _review(Project.objects.filter(unit=unit, year=year), whole_tables=True,
                   scope=Q(unit=unit, year=year))


def review_units(units, year: int) -> ReviewReport:
    """Several units' year at once (the API's findings of the units a user sees): the same
    findings as review_unit for each, in the same constant number of queries."""
    unit_ids = [getattr(unit, "pk", unit) for unit in units]
    return _review(Project.objects.filter(unit__in=unit_ids, year=year), whole_tables=True,
                   scope=Q(unit__in=unit_ids, year=year))


def review_year(year: int) -> ReviewReport:
    return _review(Project.objects.filter(year=year), whole_tables=True, scope=Q(year=year))


def review_import(rows: Iterable[TargetRow], *, year: int | None = None) -> ReviewOutcome:
    """Review target rows before the importer writes them. Given the year, their projects are
    also compared with the 表8 lines of their units (one query)."""
    rows = list(rows)
    lines = None
    if year is not None:
        codes = {row.unit_code for row in rows}
        lines = [_line_facts(v) for v in _budget_lines(
            Q(unit__code__in=codes, year=year, source_table=SourceTable.T8, parent__isnull=True))]
    findings = review_target_rows(rows, lines, settings=rule_settings(),
                                  expected_weight_total=expected_weight_total(), year=year)
    blocked = bool(getattr(settings, "TARGET_REVIEW_BLOCKS_IMPORT", False)) and any(
        f.severity is Severity.ERROR for f in findings
    )
    return ReviewOutcome(findings=findings, blocked=blocked)


def has_review_data(year: int, unit: Unit | None = None) -> bool:
    """Whether there is anything to review: projects or budget lines of that year (and unit)."""
    scope = Q(year=year) & (Q(unit=unit) if unit else Q())
    return Project.objects.filter(scope).exists() or BudgetLine.objects.filter(scope).exists()


# ---------------------------------------------------------------- building the facts

def _review(projects_qs: QuerySet[Project], *, whole_tables: bool, scope: Q | None = None):
    projects = list(projects_qs.select_related("unit").order_by("unit__code", "year", "id"))
    indicators: dict[int, list[IndicatorFacts]] = defaultdict(list)
    for values in (
        Indicator.objects.filter(project__in=projects_qs.values("pk"))
        .order_by("project_id", "position", "id")
        .values("id", "project_id", "name", "level1__name", "level2__name", "operator",
                "target_value", "target_grade", "unit", "weight", "direction", "source_row")
    ):
        indicators[values["project_id"]].append(_indicator_facts(values))
    facts = [
        ProjectFacts(name=p.name, budget=p.budget_amount, indicators=tuple(indicators[p.id]),
                     unit_code=p.unit.code, year=p.year, id=p.id)
        for p in projects
    ]
    if whole_tables:
        line_values = list(_budget_lines(scope))
        t8 = [v for v in line_values
              if v["source_table"] == SourceTable.T8 and v["parent_id"] is None]
    else:
        line_values = []
        t8 = list(_budget_lines(Q(
            unit__in=projects_qs.values("unit"), year__in=projects_qs.values("year"),
            source_table=SourceTable.T8, parent__isnull=True,
        )))
    config = rule_settings()
    findings = review_projects(facts, [_line_facts(v) for v in t8], settings=config,
                               expected_weight_total=expected_weight_total(),
                               report_unmatched_lines=whole_tables)
    if whole_tables:
        totals = [_total_facts(v) for v in PrintedTotal.objects.filter(scope).values(
            "source_table", "label", "column", "amount", "scope", "item_count", "unit__code",
            "year")]
        specific = [f for f, p in zip(facts, projects, strict=True)
                    if p.category == ProjectCategory.SPECIFIC]
        findings += config.apply(check_budget_tables(
            [_table_line_facts(v) for v in line_values], totals, specific))
    findings = _in_order(findings, facts)
    return ReviewReport(findings=findings, decisions=_decisions(projects_qs, scope))


def _in_order(findings: list[Finding], facts: list[ProjectFacts]) -> list[Finding]:
    """By unit and year; a project's findings together, in project order; then the tables."""
    order = {f.id: index for index, f in enumerate(facts)}
    return sorted(findings, key=lambda f: (f.unit_code, f.year or 0,
                                           order.get(f.project_id, len(order))))


def _decisions(projects_qs: QuerySet[Project], scope: Q | None) -> dict[str, FindingDecision]:
    """The decisions in scope: of the unit's (or year's) findings, or of the projects'."""
    where = scope if scope is not None else Q(project__in=projects_qs.values("pk"))
    return {d.key: d for d in FindingDecision.objects.filter(where).select_related("decided_by")}


def _budget_lines(scope: Q):
    return BudgetLine.objects.filter(scope).order_by("unit__code", "year", "source_table",
                                                     "position").values(
        "id", "source_table", "kind", "amount", "name", "functional_subject__code",
        "economic_subject__code", "parent_id", "unit__code", "year")


def _indicator_facts(v: dict) -> IndicatorFacts:
    return IndicatorFacts(
        name=v["name"], level1=v["level1__name"], level2=v["level2__name"],
        operator=v["operator"], target_value=v["target_value"], target_grade=v["target_grade"],
        unit=v["unit"], weight=v["weight"], direction=v["direction"], id=v["id"],
        source_row=v["source_row"],
    )


def _line_facts(v: dict) -> BudgetLineFacts:
    return BudgetLineFacts(name=v["name"], amount=v["amount"], unit_code=v["unit__code"],
                           year=v["year"], id=v["id"])


def _table_line_facts(v: dict) -> LineFacts:
    return LineFacts(
        table=v["source_table"], kind=v["kind"], amount=v["amount"], name=v["name"],
        functional_code=v["functional_subject__code"] or "",
        economic_code=v["economic_subject__code"] or "", id=v["id"], parent_id=v["parent_id"],
        unit_code=v["unit__code"], year=v["year"],
    )


def _total_facts(v: dict) -> TotalFacts:
    return TotalFacts(
        table=v["source_table"], label=v["label"], column=v["column"], amount=v["amount"],
        scope=v["scope"], item_count=v["item_count"], unit_code=v["unit__code"], year=v["year"],
    )
