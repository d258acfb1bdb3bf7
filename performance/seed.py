"""`load_seed`: the 2025 budget of 342601 and its 表13 targets, loaded idempotently.

The repository keeps its own copy of the data (budget/seed_data): users and CI have no
../shared. The TSV is read through the same normalization and the same target-writing
service as an Excel import.
"""

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from budget.models import BudgetLine, FunctionalSubject, Project, SourceTable
from budget.seed import SEED_DIR, load_budget_document, read_seed

from .domain import TargetRow
from .models import IndicatorLevel1, IndicatorLevel2, ReportingPeriod
from .normalize import (
    clean_name,
    match_key,
    normalize_direction,
    normalize_operator,
    parse_decimal,
    parse_target,
)
from .services.targets import TargetsResult, apply_targets


@dataclass
class SeedResult:
    unit: object
    targets: TargetsResult
    periods_created: int
    projects_linked: int


def read_table13_tsv(path: Path) -> list[TargetRow]:
    """Rows of the hand transcription (header on row 1; one row per indicator)."""
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        for line_number, record in enumerate(reader, start=2):
            unit_code, _, unit_name = record["单位名称"].partition("-")
            operator = normalize_operator(record["指标性质"])
            target = parse_target(record["指标值"], record["度量单位"])
            if operator is None or normalize_direction(record["指标方向性"]) is None or target.error:
                raise ValueError(f"{path.name} 第{line_number}行无法读取")
            rows.append(
                TargetRow(
                    unit_code=unit_code.strip(),
                    unit_name=clean_name(unit_name),
                    project_name=clean_name(record["项目名称"]),
                    budget=parse_decimal(record["预算数"]),
                    goal=record["年度目标"].strip(),
                    level1=clean_name(record["一级指标"]),
                    level2=clean_name(record["二级指标"]),
                    name=clean_name(record["三级指标"]),
                    operator=operator,
                    target_value=target.number if operator.is_quantitative else None,
                    target_grade=target.grade if not operator.is_quantitative else None,
                    unit=record["度量单位"].strip(),
                    weight=parse_decimal(record["权重"]),
                    direction=normalize_direction(record["指标方向性"]),
                    source_row=line_number,
                )
            )
    return rows


@transaction.atomic
def load_seed() -> SeedResult:
    data = read_seed()
    unit = load_budget_document(data)
    year = data["year"]
    add_local_levels(data.get("indicator_levels", {}))
    targets = data["targets"]
    functional = FunctionalSubject.objects.get(code=targets["functional"])
    result = apply_targets(
        year,
        read_table13_tsv(SEED_DIR / targets["file"]),
        category=targets["category"],
        functional_subject=functional,
    )
    linked = link_projects_to_budget_lines(unit, year)
    created = 0
    for period in data["periods"]:
        _, was_created = ReportingPeriod.objects.get_or_create(
            code=period["code"],
            defaults={
                "year": year,
                "name": period["name"],
                "kind": period["kind"],
                "cutoff_month": period["cutoff_month"],
                "deadline": datetime.date.fromisoformat(period["deadline"]),
            },
        )
        created += was_created
    return SeedResult(unit=unit, targets=result, periods_created=created, projects_linked=linked)


def add_local_levels(levels: dict[str, list[str]]) -> None:
    """The local 二级指标 variants a seed's targets use (e.g. 帮扶对象满意度指标)."""
    for level1_name, names in levels.items():
        level1 = IndicatorLevel1.objects.get(name=level1_name)
        for name in names:
            IndicatorLevel2.objects.get_or_create(
                level1=level1, name=name, defaults={"position": 100}
            )


def link_projects_to_budget_lines(unit, year) -> int:
    """Link each project to its 表8 line when the names agree; a mismatch stays unlinked."""
    lines = {
        match_key(line.name): line
        for line in BudgetLine.objects.filter(unit=unit, year=year, source_table=SourceTable.T8)
    }
    changed = []
    now = timezone.now()  # bulk_update does not apply auto_now
    for project in Project.objects.filter(unit=unit, year=year, budget_line__isnull=True):
        line = lines.get(match_key(project.name))
        if line is not None:
            project.budget_line = line
            project.updated_at = now
            changed.append(project)
    Project.objects.bulk_update(changed, ["budget_line", "updated_at"])
    return len(changed)
