"""Load a unit's published budget tables (as transcribed in budget/seed_data) idempotently.

Each table is loaded as printed: where the document disagrees with itself (a printed total
that is not the sum of its lines), both the lines and the printed total are kept, so the
target review can report the disagreement. Nothing is "fixed" here.
"""

import json
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from .models import (
    BudgetLine,
    Department,
    EconomicSubject,
    FunctionalSubject,
    PrintedTotal,
    SourceTable,
    Unit,
)

SEED_DIR = Path(__file__).resolve().parent / "seed_data"


def read_seed(name: str = "budget-2025.json") -> dict:
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


@transaction.atomic
def load_budget_document(data: dict) -> Unit:
    department, _ = Department.objects.update_or_create(
        code=data["department"]["code"], defaults={"name": data["department"]["name"]}
    )
    unit = _update_unit(data["unit"]["code"], data["unit"]["name"], department)
    _load_tree(FunctionalSubject, data["functional_subjects"])
    _load_tree(EconomicSubject, data["economic_subjects"])
    year = data["year"]
    for table, lines in data["lines"].items():
        _load_lines(unit, year, table, lines)
    for total in data["printed_totals"]:
        PrintedTotal.objects.update_or_create(
            unit=unit,
            year=year,
            source_table=total["table"],
            label=total["label"],
            column=total["column"],
            defaults={
                "scope": total["scope"],
                "amount": Decimal(total["amount"]),
                "item_count": total.get("item_count"),
            },
        )
    return unit


def _update_unit(code: str, name: str, department: Department) -> Unit:
    """Create or update the unit, saving only when something differs: a save moves its
    updated_at (auto_now), which pages cached under the unit's data version depend on."""
    unit, created = Unit.objects.get_or_create(
        code=code, defaults={"name": name, "department": department}
    )
    if not created and (unit.name, unit.department_id) != (name, department.id):
        unit.name, unit.department = name, department
        unit.save()
    return unit


def _load_tree(model, rows):
    """Codes arrive parents first; a code's parent is its longest known prefix."""
    known: dict[str, object] = {}
    for code, name in rows:
        parent = next(
            (known[code[:n]] for n in range(len(code) - 2, 2, -2) if code[:n] in known), None
        )
        known[code], _ = model.objects.update_or_create(
            code=code, defaults={"name": name, "parent": parent}
        )


def _load_lines(unit, year, table, lines):
    SourceTable(table)  # an unknown table is a seed-file error, not data
    functional = {s.code: s for s in FunctionalSubject.objects.all()}
    economic = {s.code: s for s in EconomicSubject.objects.all()}
    position = 0

    def save(line, kind, parent):
        nonlocal position
        position += 1
        saved, _ = BudgetLine.objects.update_or_create(
            unit=unit,
            year=year,
            source_table=table,
            position=position,
            defaults={
                "functional_subject": functional.get(line.get("functional")),
                "economic_subject": economic.get(line.get("economic")),
                "kind": kind,
                "name": line["name"],
                "amount": Decimal(line["amount"]),
                "parent": parent,
            },
        )
        return saved

    for line in lines:
        saved = save(line, line["kind"], None)
        for detail in line.get("details", ()):
            save(detail, line["kind"], saved)
