"""The workbooks of bench/import_speed.py: a 表13 of ROWS indicator rows (~ROWS/14 projects across
UNITS units, the project columns merged as published), the same with every 10th target changed,
and two 自评表 for them, written straight as XML (openpyxl is too slow for 100,000 rows)."""

import multiprocessing
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from xml.sax.saxutils import escape

LEVELS = [("产出指标", "数量指标", "≥", "人次", "正向指标"), ("产出指标", "质量指标", "≥", "%", "正向指标"),
          ("产出指标", "时效指标", "≤", "天", "反向指标"), ("成本指标", "经济成本指标", "≤", "万元", "反向指标"),
          ("效益指标", "社会效益指标", "≥", "%", "正向指标"), ("满意度指标", "服务对象满意度指标", "≥", "%", "正向指标")]

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


def make_files(tmp: Path, rows: int, units: int, ie_rows: int):
    """The four workbooks, and the first `ie_rows` keys for django-import-export."""
    start = time.perf_counter()
    targets, keys = generate(tmp, rows, units)
    changed, _ = generate(tmp, rows, units, changed=1)
    actuals = generate_actuals(tmp, keys, 0)
    actuals2 = generate_actuals(tmp, keys, 1)
    return targets, changed, actuals, actuals2, keys[:ie_rows], time.perf_counter() - start


def make_files_apart(*args):
    """make_files in a child process: the generator's memory stays out of the peak RSS."""
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(make_files, *args).result()
