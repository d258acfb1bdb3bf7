"""Formula injection: the project-list export (/projects/export.xlsx) writes a name that a
spreadsheet would run as a formula as a string cell, its text unchanged; every workbook writer
goes through performance.excel.sheets.keep_text."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from performance.excel.sheets import keep_text, looks_like_formula, rows_workbook, to_bytes
from performance.models import ProjectRecord
from tests.entry_setup import make_team
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
EXPORT = reverse("entry:export")
NAMES = ['=HYPERLINK("http://x","y")', "=1+1", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_project_names_that_look_like_formulas_are_exported_as_text():
    team = make_team()
    for name in NAMES:
        ProjectFactory(unit=team.unit, name=name)
    client = Client()
    client.force_login(team.finance)
    response = client.get(EXPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(BytesIO(response.content)).active
    cells = {row[0].value: row[0] for row in sheet.iter_rows(min_row=2)}
    for name in NAMES:
        assert cells[name].data_type == "s", name  # the literal text, never a formula
    assert sheet.cell(1, 1).value == "项目名称"


def test_numbers_in_the_export_stay_numbers():
    team = make_team()
    ProjectRecord.objects.create(project=team.project, period=team.period,
                                 spent=Decimal("80.00"), has_values=True)
    client = Client()
    client.force_login(team.finance)
    sheet = load_workbook(BytesIO(client.get(EXPORT).content)).active
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == team.project.name)
    assert row[header.index("预算数（万元）")].data_type == "n"


def test_keep_text_serves_ordinary_and_streamed_sheets():
    book = Workbook()
    cell = book.active.cell(1, 1, "=1+1")
    assert cell.data_type == "f" and keep_text(cell).data_type == "s"
    assert keep_text(book.active.cell(1, 2, 5)).data_type == "n"
    assert not looks_like_formula("项目=1") and not looks_like_formula(None)
    again = load_workbook(BytesIO(to_bytes(rows_workbook("t", [["名称"], ["=1+1"], [3]]))))
    assert (again.active["A2"].value, again.active["A2"].data_type) == ("=1+1", "s")
    assert again.active["A3"].data_type == "n"
