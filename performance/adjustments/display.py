"""A proposal's diff (performance.services.adjustments.diff) as the page prints it: for each
indicator the cells of 原目标 → 调整后, each saying whether it changed."""

from __future__ import annotations

from dataclasses import dataclass

from performance.models import format_decimal

# (cell, the compared fields it shows, how it reads a row)
CELLS = (
    ("level", ("level1_id", "level2_id"), lambda r: f"{r.level1.name} / {r.level2.name}"),
    ("name", ("name",), lambda r: r.name),
    ("operator", ("operator",), lambda r: r.operator),
    ("target", ("target_value", "target_grade"), lambda r: r.target_display),
    ("unit", ("unit",), lambda r: r.unit),
    ("weight", ("weight",), lambda r: format_decimal(r.weight)),
    ("direction", ("direction",), lambda r: r.direction),
)


@dataclass(frozen=True)
class Cell:
    field: str
    old: str
    new: str
    changed: bool


@dataclass(frozen=True)
class DiffRow:
    change: str
    label: str
    reason: str
    cells: list[Cell]


def diff_rows(lines) -> list[DiffRow]:
    rows = []
    for line in lines:
        cells = []
        for name, fields, read in CELLS:
            changed = line.old is not None and any(f in line.changed_fields for f in fields)
            cells.append(Cell(name, read(line.old) if changed else "", read(line.new), changed))
        rows.append(DiffRow(line.change, line.change_label, line.new.reason, cells))
    return rows


@dataclass(frozen=True)
class ProjectVersions:
    """The target versions panel of the project page: every version, and the open proposal
    (if any) and whether its filler may still edit it."""

    versions: list
    open: object | None
    open_editable: bool


def project_versions(project) -> ProjectVersions:
    """One query. The project page caches its content per data version: every proposal and
    step moves project.updated_at (performance.services.adjustments / adjustment_chain), which
    is part of that version (performance.services.page_cache.project_version)."""
    from performance.chain import EDITABLE, OPEN
    from performance.models import TargetVersion

    versions = list(TargetVersion.objects.filter(project=project).order_by("number"))
    found = next((v for v in versions if v.status in OPEN), None)
    return ProjectVersions(versions, found, found is not None and found.status in EDITABLE)
