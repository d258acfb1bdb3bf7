"""Benchmark of the Excel imports: prints figures, asserts nothing.

    .venv/bin/python bench/import_speed.py [--rows 100000] [--units 500] [--ie-rows 5000]

Generates a 表13 workbook of ROWS indicator rows (~ROWS/14 projects across UNITS units, the
project columns merged as published) and a 自评表 for them, then times on a temporary SQLite
database (or DATABASE_URL when set):

  * the reader alone on each file (the floor), and openpyxl's read-only mode for comparison;
  * import_targets on an empty database, then on the full one (every 10th target changed);
  * import_actuals on an empty period, then again with every value changed;
  * django-import-export's default row-by-row import (a plain ModelResource for Indicator)
    on a subset of IE_ROWS of the same rows, extrapolated to ROWS.

Goals: import ≤ 3× the reader; ≥ 10× faster than django-import-export; peak memory ≤ 1 GB.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LEVELS = [("产出指标", "数量指标", "≥", "人次", "正向指标"), ("产出指标", "质量指标", "≥", "%", "正向指标"),
          ("产出指标", "时效指标", "≤", "天", "反向指标"), ("成本指标", "经济成本指标", "≤", "万元", "反向指标"),
          ("效益指标", "社会效益指标", "≥", "%", "正向指标"), ("满意度指标", "服务对象满意度指标", "≥", "%", "正向指标")]


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "0")  # no query log: measure what production runs
    if not os.environ.get("DATABASE_URL"):
        os.environ["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# ---------------------------------------------------------------- a fast .xlsx writer


def col(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx(path: Path, title_rows, header, rows, merges) -> None:
    """A minimal workbook with shared strings, as Excel writes it (openpyxl is too slow to
    generate 100,000 rows here)."""
    strings: dict[str, int] = {}

    def cell(ref, value):
        if value is None:
            return ""
        if isinstance(value, (int, float)):
            return f'<c r="{ref}"><v>{value}</v></c>'
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    parts = []
    for number, values in enumerate([*([t] for t in title_rows), header, *rows], start=1):
        cells = "".join(cell(f"{col(i)}{number}", v) for i, v in enumerate(values))
        parts.append(f'<row r="{number}">{cells}</row>')
    merged = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             f'<sheetData>{"".join(parts)}</sheetData>'
             f'<mergeCells count="{len(merges)}">{merged}</mergeCells></worksheet>')
    shared = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    files = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/>'
            "</Types>"),
        "_rels/.rels": (f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
                        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
                            '<sheet name="表13" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": (f'<sst xmlns="{main}" count="{len(strings)}" '
                                 f'uniqueCount="{len(strings)}">{shared}</sst>'),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, text in files.items():
            target.writestr(name, text)


def generate(tmp: Path, rows_wanted: int, units: int, changed: int = 0):
    """The 表13 rows and the workbook; `changed` shifts every 10th target (for a re-import)."""
    per_project = 14
    projects = -(-rows_wanted // per_project)
    header = ["单位名称", "项目名称", "预算数", "年度目标", "一级指标", "二级指标", "三级指标",
              "指标性质", "指标值", "度量单位", "权重", "指标方向性"]
    rows, merges, keys = [], [], []
    first_data_row = 4
    n = 0
    for p in range(projects):
        unit = p % units
        count = min(per_project, rows_wanted - n)
        if count <= 0:
            break
        start = first_data_row + n
        for i in range(count):
            level1, level2, op, measure, direction = LEVELS[i % len(LEVELS)]
            target = 80 + (i % 20) + (changed if (n % 10 == 0) else 0)
            head = [f"{600000 + unit}-测试单位{unit}", f"项目{p}", 100 + p % 50,
                    f"项目{p}的年度目标：完成各项工作任务"] if i == 0 else [None] * 4
            weight = 90 - 6 * (count - 1) if i == 0 else 6
            rows.append(head + [level1, level2, f"指标{i}-{p}", op, target, measure, weight,
                                direction])
            keys.append((f"{600000 + unit}-测试单位{unit}", f"项目{p}", level1, level2,
                         f"指标{i}-{p}", target))
            n += 1
        merges += [f"{c}{start}:{c}{start + count - 1}" for c in "ABCD" if count > 1]
    path = tmp / f"table13_{rows_wanted}_{changed}.xlsx"
    write_xlsx(path, ["部门预算项目绩效目标表（2025 年度）", "金额单位：万元"], header, rows, merges)
    return path, keys


def generate_actuals(tmp: Path, keys, delta: int) -> Path:
    header = ["单位名称", "项目名称", "预算执行数", "一级指标", "二级指标", "三级指标",
              "全年实际完成值", "未完成原因"]
    rows, merges, start, previous = [], [], 4, None
    for index, (unit, project, level1, level2, name, target) in enumerate(keys):
        new_project = project != previous
        if new_project and previous is not None:
            merges += [f"{c}{start}:{c}{3 + index}" for c in "ABC" if 3 + index > start]
            start = 4 + index
        actual = target - delta
        rows.append(([unit, project, 50 + delta] if new_project else [None] * 3)
                    + [level1, level2, name, actual, "进度滞后" if actual < target else None])
        previous = project
    merges += [f"{c}{start}:{c}{3 + len(keys)}" for c in "ABC" if 3 + len(keys) > start]
    path = tmp / f"actuals_{delta}.xlsx"
    write_xlsx(path, ["2025 年度项目支出绩效自评表", "金额单位：万元"], header, rows, merges)
    return path


# ---------------------------------------------------------------- measuring


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label, func, figures):
    start = time.perf_counter()
    value = func()
    seconds = time.perf_counter() - start
    figures[label] = seconds
    print(f"{label:<58} {seconds:8.2f} s   peak RSS {peak_mb():7.0f} MB", flush=True)
    return value


def import_export_rows(keys, count: int):
    """django-import-export's default import of `count` rows, into fresh projects."""
    import tablib
    from import_export import fields, resources, widgets

    from budget.models import Project, Unit
    from performance.models import Indicator, IndicatorLevel2

    class PlainIndicatorResource(resources.ModelResource):
        project = fields.Field(attribute="project", column_name="project",
                               widget=widgets.ForeignKeyWidget(Project, "pk"))

        class Meta:
            model = Indicator
            fields = ("id", "project", "level1", "level2", "name", "operator", "target_value",
                      "target_grade", "unit", "weight", "direction", "position")

    levels = {(l2.level1.name, l2.name): l2 for l2 in IndicatorLevel2.objects.all()}
    unit = Unit.objects.create(code="ie0001", name="django-import-export")
    projects = {}
    dataset = tablib.Dataset(headers=["id", "project", "level1", "level2", "name", "operator",
                                      "target_value", "target_grade", "unit", "weight",
                                      "direction", "position"])
    for index, (_, project, level1, level2, name, target) in enumerate(keys[:count]):
        if project not in projects:
            projects[project] = Project.objects.create(unit=unit, year=2025, name=project,
                                                       budget_amount=100)
        level = levels[(level1, level2)]
        op, measure, direction = next((o, m, d) for a, b, o, m, d in LEVELS if (a, b) == (level1, level2))
        dataset.append(["", projects[project].pk, level.level1_id, level.pk, name, op, target, "",
                        measure, 6, direction, index])
    result = PlainIndicatorResource().import_data(dataset, dry_run=False, raise_errors=True)
    assert not result.has_errors()
    return result


def breakdown(figures) -> dict:
    """Time the three steps of import_targets: reading and normalizing, the target review
    (performance.review), and the writer (services.targets.apply_targets)."""
    from performance.excel import targets_import

    parts = {}

    def wrap(name, label):
        original = getattr(targets_import, name)

        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                parts[label] = parts.get(label, 0) + time.perf_counter() - start

        setattr(targets_import, name, timed_call)

    wrap("read_targets", "read + normalize")
    wrap("review_rows", "review")
    wrap("apply_targets", "apply_targets")
    return parts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--ie-rows", type=int, default=5_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="jxt-bench-"))
    setup_django(tmp)
    from django.db import connection
    from openpyxl import load_workbook

    from performance.excel.actuals_import import import_actuals
    from performance.excel.layouts import ACTUALS, TARGETS
    from performance.excel.reader import Limits, read_table
    from performance.excel.targets_import import import_targets
    from performance.models import ReportingPeriod

    limits = Limits(max_bytes=None)
    figures = {}
    print(f"database: {connection.vendor}; rows: {args.rows:,}; units: {args.units}")
    targets, keys = timed("generate 表13 workbook", lambda: generate(tmp, args.rows, args.units),
                          figures)
    changed, _ = generate(tmp, args.rows, args.units, changed=1)
    actuals = generate_actuals(tmp, keys, 0)
    actuals2 = generate_actuals(tmp, keys, 1)
    print(f"files: 表13 {targets.stat().st_size / 2**20:.1f} MB, 自评表 "
          f"{actuals.stat().st_size / 2**20:.1f} MB")
    timed("reader (calamine): 表13", lambda: read_table(targets, TARGETS, limits=limits), figures)
    timed("reader (calamine): 自评表", lambda: read_table(actuals, ACTUALS, limits=limits), figures)

    def openpyxl_rows():
        return sum(1 for _ in load_workbook(targets, read_only=True).active.iter_rows(values_only=True))

    timed("openpyxl read-only iteration: 表13 (comparison)", openpyxl_rows, figures)
    parts = breakdown(figures)
    timed("import_targets, empty database",
          lambda: import_targets(targets, 2025, limits=limits), figures)
    print("    of which " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
    parts.clear()
    result = timed("import_targets, full database (10% targets changed)",
                   lambda: import_targets(changed, 2025, limits=limits), figures)
    print(f"    {result.summary()}")
    print("    of which " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
    period = ReportingPeriod.objects.create(year=2025, code="2025-final", name="2025 年度绩效自评",
                                            kind="self_evaluation", cutoff_month=12)
    timed("import_actuals, empty period", lambda: import_actuals(actuals, period, limits=limits),
          figures)
    result = timed("import_actuals, full period (every value changed)",
                   lambda: import_actuals(actuals2, period, limits=limits), figures)
    print(f"    {result.summary()}")
    count = min(args.ie_rows, args.rows)
    timed(f"django-import-export row by row, {count:,} rows",
          lambda: import_export_rows(keys, count), figures)
    ie = figures[f"django-import-export row by row, {count:,} rows"] * args.rows / count
    print(f"    extrapolated to {args.rows:,} rows: {ie:.0f} s")
    floor_t = figures["reader (calamine): 表13"]
    floor_a = figures["reader (calamine): 自评表"]
    print("ratios (goal: import ≤ 3× reader; ≥ 10× faster than django-import-export):")
    for label, floor in (("import_targets, empty database", floor_t),
                         ("import_targets, full database (10% targets changed)", floor_t),
                         ("import_actuals, empty period", floor_a),
                         ("import_actuals, full period (every value changed)", floor_a)):
        print(f"    {label:<54} {figures[label] / floor:5.1f}× reader, "
              f"{ie / figures[label]:6.1f}× faster than django-import-export")
    print(f"    openpyxl read-only / calamine: "
          f"{figures['openpyxl read-only iteration: 表13 (comparison)'] / floor_t:.1f}×")
    print(f"peak memory (RSS): {peak_mb():.0f} MB (goal ≤ 1024 MB)")


if __name__ == "__main__":
    main()
