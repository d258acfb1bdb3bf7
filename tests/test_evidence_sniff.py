"""The evidence type check: what each file is, from its content; refused types and names whose
extension disagrees with the content; names cleaned for display."""

import io
import struct
import zipfile
import zlib

import pytest

from performance.evidence import sniff as s
from tests import evidence_files as f


def typed(data: bytes, name: str = ""):
    return s.sniff(io.BytesIO(data), name)


@pytest.mark.parametrize(("data", "expected"), [
    (f.PDF, s.PDF),
    (f.image("PNG"), s.PNG),
    (f.image("JPEG"), s.JPEG),
    (f.image("GIF"), s.GIF),
    (f.image("WEBP"), s.WEBP),
    (f.image("BMP"), s.BMP),
    (f.image("TIFF"), s.TIFF),
    (f.xlsx(), s.XLSX),
    (f.ooxml("word/"), s.DOCX),
    (f.ooxml("ppt/"), s.PPTX),
    (f.odt(), s.ODT),
    (f.plain_zip(), s.ZIP),
])
def test_each_accepted_type_is_told_from_real_bytes(data, expected):
    assert typed(data) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("表.xls", s.XLS), ("报告.doc", s.DOC), ("演示.ppt", s.PPT), ("文档.wps", s.DOC),
    ("表格.et", s.XLS),
])
def test_old_office_files_take_their_kind_from_the_extension(name, expected):
    assert typed(f.OLE2, name) == expected
    assert s.check(io.BytesIO(f.OLE2), name) == (expected, name)


def test_an_old_office_file_without_its_extension_is_refused():
    with pytest.raises(s.Unacceptable, match="Office 97-2003"):
        s.check(io.BytesIO(f.OLE2), "附件")


@pytest.mark.parametrize(("data", "name"), [
    (f.EXE, "绩效报告.pdf"), (f.EXE, "tool.exe"), (b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "a.pdf"),
    (f.SVG, "图.svg"), (f.SVG, "图.png"), (f.HTML, "页面.html"), (b"#!/bin/sh\nrm -rf /\n", "run.sh"),
    (b"just text", "说明.txt"), (b"", "空.pdf"),
])
def test_anything_else_is_refused_naming_the_file(data, name):
    assert typed(data, name) is None
    with pytest.raises(s.Unacceptable) as refused:
        s.check(io.BytesIO(data), name)
    assert f"「{name}」" in str(refused.value) and "不是允许的类型" in str(refused.value)


def test_an_extension_that_disagrees_with_the_content_is_refused():
    with pytest.raises(s.Unacceptable) as refused:
        s.check(io.BytesIO(f.PDF), "自评表.docx")
    assert str(refused.value).startswith("文件「自评表.docx」的内容是PDF 文件，与扩展名 .docx 不符")
    with pytest.raises(s.Unacceptable):
        s.check(io.BytesIO(f.xlsx()), "数据.zip")  # an xlsx is a zip, but says it is a workbook


def test_a_name_without_a_known_extension_gets_the_detected_one():
    assert s.check(io.BytesIO(f.PDF), "2025年度自评报告") == (s.PDF, "2025年度自评报告.pdf")
    assert s.check(io.BytesIO(f.PDF), "报告.2025") == (s.PDF, "报告.2025.pdf")
    assert s.check(io.BytesIO(f.image("JPEG")), "现场照片.JPEG")[1] == "现场照片.JPEG"


def test_zip_types_come_from_the_central_directory_without_decompressing():
    # a member that would fail to decompress (corrupt deflate data) does not matter: only
    # the central directory's names are read
    data = bytearray(f.ooxml("xl/"))
    start = data.index(b"xl/document.xml") + len(b"xl/document.xml")
    data[start:start + 4] = b"\xff\xff\xff\xff"
    assert typed(bytes(data)) == s.XLSX
    with pytest.raises((zipfile.BadZipFile, zlib.error)):  # the member cannot be read
        zipfile.ZipFile(io.BytesIO(bytes(data))).read("xl/document.xml")


def test_a_zip_with_too_many_entries_or_no_directory_is_refused(monkeypatch):
    monkeypatch.setattr(s, "MAX_ZIP_ENTRIES", 3)
    assert typed(f.plain_zip(a="1", b="2", c="3")) == s.ZIP
    assert typed(f.plain_zip(a="1", b="2", c="3", d="4")) is None
    truncated = f.plain_zip()[:40]  # a local header but no central directory
    assert typed(truncated) is None


def test_a_zip_whose_directory_points_outside_the_file_is_refused():
    data = bytearray(f.plain_zip())
    at = data.rindex(b"PK\x05\x06")
    data[at + 16:at + 20] = struct.pack("<L", len(data) + 100)
    assert typed(bytes(data)) is None


def test_names_are_cleaned_for_display():
    assert s.clean_name("C:\\Users\\张三\\桌面\\佐证.pdf") == "佐证.pdf"
    assert s.clean_name("../../etc/报告.pdf") == "报告.pdf"
    assert s.clean_name("报\x00告\u202egpj.pdf") == "报告gpj.pdf"
    assert s.clean_name("  ") == "未命名文件"
    long = s.clean_name("长" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_the_stream_is_left_at_its_start():
    stream = io.BytesIO(f.plain_zip())
    s.sniff(stream, "a.zip")
    assert stream.tell() == 0
