"""performance.excel.reader: one reader for .xlsx, .xls and .csv; bad files get one message."""

import io

import pytest

from performance.excel.errors import BadFile
from performance.excel.layouts import ACTUALS, TARGETS
from performance.excel.reader import EMPTY_RUN_LIMIT, Limits, header_key, read_table
from tests.excel_files import (
    TABLE13_XLS,
    TABLE13_XLSX,
    csv_bytes,
    formatted_to_last_row,
    tsv_rows,
    xlsx,
    zip_bomb,
)

LIMITS = Limits()


def read(source, layout=TARGETS, **kwargs):
    return read_table(source, layout, limits=kwargs.pop("limits", LIMITS), **kwargs)


def test_seed_xlsx_skips_title_rows_and_keeps_excel_row_numbers():
    table = read(TABLE13_XLSX)
    assert table.sheet == "表13" and table.header_row == 4
    assert len(table.rows) == 90
    assert [r.number for r in table.rows] == list(range(5, 95))


def test_merged_project_columns_are_filled_down():
    rows = read(TABLE13_XLSX).rows
    tsv = tsv_rows()
    for row, expected in zip(rows, tsv[1:], strict=True):
        assert row.get("单位名称") == expected[0]
        assert row.get("项目名称") == expected[1]
        assert row.get("年度目标") == expected[3]
        assert float(row.get("预算数")) == float(expected[2])


@pytest.mark.parametrize("source", [TABLE13_XLS, TABLE13_XLSX])
def test_xls_and_xlsx_read_the_same(source):
    table = read(source)
    assert [(r.number, r.get("三级指标")) for r in table.rows] == [
        (r.number, r.get("三级指标")) for r in read(TABLE13_XLSX).rows]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encoding_is_detected(encoding):
    table = read(csv_bytes(tsv_rows(), encoding), filename="表13.csv")
    assert len(table.rows) == 90
    assert table.rows[0].get("单位名称") == "342601-广元市社会保险事务中心"
    assert table.rows[0].number == 2


def test_headers_with_line_breaks_spaces_units_and_aliases_are_found():
    header = ["单位\n名称", " 项目名称 ", "一级指标", "二级指标", "三级\r\n指标", "全年实际\n完成值",
              "未完成原因及说明", "预算执行数（万元）"]
    data = xlsx([header, ["342601-x", "p", "产出指标", "数量指标", "i", 5, "无", 1.5]],
                title_rows=["2025 年度绩效自评表", "金额单位：万元"])
    table = read(data, ACTUALS)
    assert table.header_row == 3
    assert table.rows[0].values["实际完成值"] == 5
    assert table.rows[0].values["未完成原因"] == "无"
    assert table.rows[0].values["预算执行数"] == 1.5


@pytest.mark.parametrize("alias", ["完成值", "实际完成值", "全年实际完成值", "当前完成值"])
def test_actual_value_aliases(alias):
    assert header_key(alias) in {header_key(a) for a in (ACTUALS.column("实际完成值").aliases
                                                         + ("实际完成值",))}


def test_project_columns_fill_only_continuation_rows():
    header = ["单位名称", "项目名称", "预算执行数", "一级指标", "二级指标", "三级指标", "实际完成值"]
    rows = [header,
            ["342601-x", "项目甲", 3, "产出指标", "数量指标", "a", 1],
            [None, None, None, "产出指标", "数量指标", "b", 2],
            [None, "项目乙", None, "产出指标", "数量指标", "c", 3]]
    table = read(xlsx(rows), ACTUALS)
    assert [r.get("预算执行数") for r in table.rows] == [3, 3, None]
    assert [r.get("单位名称") for r in table.rows] == ["342601-x"] * 3
    assert [r.get("项目名称") for r in table.rows] == ["项目甲", "项目甲", "项目乙"]


def test_totals_and_notes_under_the_table_are_skipped():
    header = ["单位名称", "项目名称", "一级指标", "二级指标", "三级指标", "实际完成值"]
    rows = [header, ["342601-x", "p", "产出指标", "数量指标", "a", 1],
            ["合计", None, None, None, None, None], ["填表人：张三"]]
    assert len(read(xlsx(rows), ACTUALS).rows) == 1


def test_formatting_down_to_row_1048576_costs_nothing():
    rows = tsv_rows()[:11]
    table = read(formatted_to_last_row(rows))
    assert len(table.rows) == 10
    assert table.rows_scanned == 10  # the styled empty rows are never handed to Python


def test_a_long_run_of_empty_rows_ends_the_table():
    rows = tsv_rows()[:3] + [[""] * 12] * (EMPTY_RUN_LIMIT + 5) + tsv_rows()[3:5]
    table = read(csv_bytes(rows))
    assert len(table.rows) == 2
    assert table.rows_scanned == 2 + EMPTY_RUN_LIMIT  # the rows after the gap are not read


def test_the_first_sheet_with_the_header_is_read():
    data = xlsx(tsv_rows()[:4], sheet="表13", extra_sheets=["封面"])
    assert read(data).sheet == "表13"


# ---------------------------------------------------------------- bad files: one message


def refused(source, layout=TARGETS, **kwargs) -> str:
    with pytest.raises(BadFile) as info:
        read(source, layout, **kwargs)
    assert len(info.value.messages()) == 1
    return info.value.message


def test_a_file_that_is_not_a_spreadsheet():
    assert "不是电子表格" in refused(b"%PDF-1.4\x00\x01\x02binary")


def test_a_damaged_xlsx():
    assert "已损坏" in refused(b"PK\x03\x04 this is not really a zip")


def test_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<doc/>")
    assert "不是 Excel 工作簿" in refused(buffer.getvalue())


def test_a_text_file_without_the_header():
    message = refused("随便写的一段话\n第二行".encode())
    assert "找不到表13" in message and "单位名称" in message


def test_missing_columns_are_named():
    header = [h for h in tsv_rows()[0] if h not in ("权重", "指标方向性")]
    message = refused(xlsx([header]))
    assert "缺少列：权重、指标方向性" in message and "第1行" in message


def test_a_workbook_without_the_sheet_names_the_sheets_it_looked_at():
    message = refused(xlsx([["项目", "金额"], ["a", 1]], sheet="表8", extra_sheets=["封面"]))
    assert "表8" in message and "封面" in message


def test_an_unknown_sheet_name():
    assert "没有名为“表14”的工作表" in refused(TABLE13_XLSX, sheet="表14")


def test_an_upload_over_the_size_limit_is_refused_before_parsing():
    fifty_mb = io.BytesIO(b"PK\x03\x04" + b"\0" * (50 * 2**20))
    message = refused(fifty_mb, limits=Limits(max_bytes=20 * 2**20))
    assert "50.0 MB" in message and "20 MB" in message


def test_the_size_limit_comes_from_settings(settings):
    settings.EXCEL_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(BadFile, match="超过上限"):
        read_table(TABLE13_XLSX, TARGETS)


def test_a_zip_bomb_is_refused_by_its_ratio():
    assert "压缩比异常" in refused(zip_bomb(5 * 2**20))


def test_a_zip_bomb_is_refused_by_its_unpacked_size():
    message = refused(zip_bomb(2 * 2**20), limits=Limits(max_uncompressed=2**20, max_ratio=10**6))
    assert "解压后" in message and "压缩炸弹" in message


def test_undecodable_text():
    assert "编码无法识别" in refused(b"\xff\xfe\xfa" * 100)
