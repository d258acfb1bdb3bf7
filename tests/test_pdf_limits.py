"""performance.document.pdf_limits: a PDF bomb and a PDF with too many pages are refused before
pdfplumber reads them, with bounded memory; a real (generated) 表13 PDF still passes."""

import tracemalloc
import zlib

import pytest
from django.urls import reverse

from performance.document.pdf_limits import PdfRefused, check_pdf
from performance.excel.document_import import read_document
from performance.excel.errors import BadFile
from performance.models import Indicator

pytestmark = pytest.mark.django_db
MB = 1024 * 1024


def deflated_zeros(size: int) -> bytes:
    """zlib of `size` zero bytes, compressed a megabyte at a time (the test stays light)."""
    z = zlib.compressobj(9)
    block = bytes(MB)
    parts = [z.compress(block) for _ in range(size // MB)]
    return b"".join([*parts, z.flush()])


def build_pdf(streams: list[tuple[bytes, bytes]], *, pages: int = 1,
              indirect_length: bool = False) -> bytes:
    """A minimal PDF: `pages` pages, the first showing every stream as its contents.
    `streams` are (dictionary entries, data)."""
    objects: list[bytes] = []
    first_stream = 3 + pages
    kids = " ".join(f"{3 + k} 0 R" for k in range(pages)).encode()
    contents = b" ".join(b"%d 0 R" % (first_stream + k) for k in range(len(streams)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages))
    for k in range(pages):
        body = b" /Contents [%s]" % contents if k == 0 and streams else b""
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]%s >>" % body)
    lengths = []
    for entries, data in streams:
        if indirect_length:
            lengths.append(len(data))
            length = b"%d 0 R" % (first_stream + len(streams) + len(lengths) - 1)
        else:
            length = b"%d" % len(data)
        objects.append(b"<< /Length %s %s >>\nstream\n%s\nendstream" % (length, entries, data))
    objects += [b"%d" % n for n in lengths]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture(scope="module")
def bomb_data():
    return deflated_zeros(300 * MB)


def refused_within(data: bytes, name: str = "bomb.pdf") -> tuple[str, int]:
    """read_document's BadFile message and the peak of traced memory while refusing."""
    tracemalloc.start()
    try:
        with pytest.raises(BadFile) as caught:
            read_document(data, filename=name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value.message, peak


# ---------------------------------------------------------------- bombs

def test_a_pdf_bomb_is_refused_with_bounded_memory(bomb_data):
    data = build_pdf([(b"/Filter /FlateDecode", bomb_data)])
    assert len(data) < MB
    message, peak = refused_within(data)
    assert message == "PDF 文件 bomb.pdf 解压后超过 100 MB（可能是压缩炸弹），已拒绝。"
    assert peak < 20 * MB


@pytest.mark.parametrize("entries, indirect", [
    (b"/Filter [/FlateDecode]", False),
    (b"/Filter /Fl", True),
    (b"/Filter [/FlateDecode] /DecodeParms [null]", True),
])
def test_a_bomb_in_other_spellings_is_refused(bomb_data, entries, indirect):
    data = build_pdf([(entries, bomb_data)], indirect_length=indirect)
    message, peak = refused_within(data)
    assert "解压后超过 100 MB" in message and peak < 20 * MB


def test_several_streams_together_over_the_limit_are_refused(settings):
    settings.PDF_MAX_STREAM_BYTES = 10 * MB
    part = deflated_zeros(4 * MB)
    assert "解压后超过 10 MB" in refused_within(build_pdf([(b"/Filter /FlateDecode", part)] * 3))[0]
    check_pdf(build_pdf([(b"/Filter /FlateDecode", part)] * 2), "ok.pdf")  # 8 MB: fine


def test_a_bomb_behind_ascii_hex_is_refused(settings):
    settings.PDF_MAX_STREAM_BYTES = 10 * MB
    data = build_pdf([(b"/Filter [/ASCIIHexDecode /FlateDecode]",
                       deflated_zeros(20 * MB).hex().encode() + b">")])
    assert "解压后超过 10 MB" in refused_within(data)[0]


def test_a_bomb_in_the_admin_upload_is_refused_on_the_form(client, superuser, bomb_data, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(superuser)
    upload = SimpleUploadedFile("budget.pdf", build_pdf([(b"/Filter /FlateDecode", bomb_data)]),
                                content_type="application/pdf")
    page = client.post(reverse("admin:performance_indicator_import_document"),
                       {"file": upload, "year": 2025}).content.decode()
    assert "解压后超过 100 MB（可能是压缩炸弹），已拒绝。" in page
    assert not Indicator.objects.exists()


# ---------------------------------------------------------------- pages

def test_a_pdf_with_too_many_pages_is_refused(settings):
    settings.PDF_MAX_PAGES = 5
    message, _ = refused_within(build_pdf([], pages=6), "厚.pdf")
    assert message == "PDF 文件 厚.pdf 有 6 页，超过上限 5 页。"
    with pytest.raises(PdfRefused):
        check_pdf(build_pdf([], pages=6), "厚.pdf")
    assert check_pdf(build_pdf([], pages=5), "薄.pdf") == 5


# ---------------------------------------------------------------- a real document

def test_a_generated_budget_pdf_passes_and_imports(tmp_path, settings):
    pytest.importorskip("pdfplumber")
    pytest.importorskip("reportlab")
    from performance.excel.document_import import import_document
    from performance.seed import add_local_levels
    from tests.test_document_pdf import _build_pdf

    add_local_levels({"满意度指标": ["帮扶对象满意度指标"]})
    path = tmp_path / "表13.pdf"
    _build_pdf(path)
    assert check_pdf(path.read_bytes(), "表13.pdf") == 2
    settings.PDF_MAX_PAGES = 2
    import_document(read_document(path), 2025)
    assert Indicator.objects.count() == 7
