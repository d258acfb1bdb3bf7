"""What an uploaded file really is, from its content (docs/evidence.md). Pure: no Django.

Accepted: PDF, images (PNG, JPEG, GIF, WebP, BMP, TIFF), Office documents (Word, Excel,
PowerPoint, new and old formats, WPS's old formats, OpenDocument) and plain zip archives.
Everything else is refused: executables, scripts, HTML, SVG (XML that can carry script), text.

The type is read from the first bytes; a zip container is told apart by the names in its
central directory (read from the end of the file, never decompressing a member, at most
MAX_ZIP_ENTRIES entries). The old Office formats (OLE2) share one signature, so their kind
comes from the file name's extension.

A name whose extension belongs to another type than the content is refused (a PDF called
"报告.docx", an exe called "报告.pdf"); a name without a known extension gets the
detected one appended.
"""

from __future__ import annotations

import struct
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

MAX_NAME = 200
MAX_ZIP_ENTRIES = 5000
HEAD = 64


@dataclass(frozen=True)
class FileType:
    kind: str  # short code, stored on the evidence row ("pdf", "docx", "zip"…)
    label: str  # as people read it
    content_type: str  # served with this type
    extension: str  # the stored file's extension (no dot)
    # the extensions a name may carry for this content
    extensions: tuple[str, ...] = ()

    def accepts(self, extension: str) -> bool:
        return extension in (self.extensions or (self.extension,))


PDF = FileType("pdf", "PDF 文件", "application/pdf", "pdf")
PNG = FileType("png", "PNG 图片", "image/png", "png")
JPEG = FileType("jpeg", "JPEG 图片", "image/jpeg", "jpg", ("jpg", "jpeg", "jpe", "jfif"))
GIF = FileType("gif", "GIF 图片", "image/gif", "gif")
WEBP = FileType("webp", "WebP 图片", "image/webp", "webp")
BMP = FileType("bmp", "BMP 图片", "image/bmp", "bmp")
TIFF = FileType("tiff", "TIFF 图片", "image/tiff", "tif", ("tif", "tiff"))
DOCX = FileType("docx", "Word 文档", "application/vnd.openxmlformats-officedocument."
                "wordprocessingml.document", "docx")
XLSX = FileType("xlsx", "Excel 表格", "application/vnd.openxmlformats-officedocument."
                "spreadsheetml.sheet", "xlsx")
PPTX = FileType("pptx", "PowerPoint 演示文稿", "application/vnd.openxmlformats-officedocument."
                "presentationml.presentation", "pptx")
DOC = FileType("doc", "Word 97-2003 文档", "application/msword", "doc", ("doc", "wps"))
XLS = FileType("xls", "Excel 97-2003 表格", "application/vnd.ms-excel", "xls", ("xls", "et"))
PPT = FileType("ppt", "PowerPoint 97-2003 演示文稿", "application/vnd.ms-powerpoint", "ppt",
               ("ppt", "dps"))
ODT = FileType("odt", "OpenDocument 文本", "application/vnd.oasis.opendocument.text", "odt")
ODS = FileType("ods", "OpenDocument 表格", "application/vnd.oasis.opendocument.spreadsheet",
               "ods")
ODP = FileType("odp", "OpenDocument 演示文稿",
               "application/vnd.oasis.opendocument.presentation", "odp")
ZIP = FileType("zip", "ZIP 压缩包", "application/zip", "zip")

ACCEPTED = (PDF, PNG, JPEG, GIF, WEBP, BMP, TIFF, DOCX, XLSX, PPTX, DOC, XLS, PPT, ODT, ODS, ODP,
            ZIP)
OLE2 = (DOC, XLS, PPT)
KNOWN_EXTENSIONS = frozenset(e for t in ACCEPTED for e in (t.extensions or (t.extension,)))
# what the file input offers (the check is the content's, never this list)
ACCEPT_ATTRIBUTE = ",".join(f".{e}" for e in sorted(KNOWN_EXTENSIONS))
# extensions of things that run or render: never appended to, always compared
RISKY_EXTENSIONS = frozenset({
    "exe", "com", "bat", "cmd", "msi", "scr", "dll", "sys", "ps1", "vbs", "vbe", "js", "jse",
    "wsf", "wsh", "hta", "jar", "sh", "py", "php", "asp", "aspx", "jsp", "html", "htm", "xhtml",
    "svg", "svgz", "xml", "lnk", "reg", "apk", "elf", "bin", "docm", "xlsm", "pptm", "dotm",
})

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ODF_MIMETYPES = {b"application/vnd.oasis.opendocument.text": ODT,
                 b"application/vnd.oasis.opendocument.spreadsheet": ODS,
                 b"application/vnd.oasis.opendocument.presentation": ODP}
OLE2_SENTINEL = FileType("ole2", "Office 97-2003 文件", "application/x-ole-storage", "")


class Unacceptable(ValueError):  # noqa: N818 (a refusal, said to the person)
    """The file is refused; str() is the message, naming the file."""


def clean_name(name: str) -> str:
    """The name as shown and downloaded: no path parts, no control or direction characters,
    no leading/trailing spaces or dots, at most MAX_NAME characters (the extension kept)."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf", "Cs"))
    name = name.strip().strip(".").strip()
    if len(name) > MAX_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[:MAX_NAME - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME]
    return name or "未命名文件"


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def sniff(stream: BinaryIO, name: str = "") -> FileType | None:
    """The type of the content of `stream` (seekable, read from its start; left at 0), or None
    when it is not one of the accepted types. `name` decides between the old Office formats
    (returns OLE2_SENTINEL when its extension is none of theirs)."""
    stream.seek(0)
    head = stream.read(HEAD)
    try:
        return _sniff(stream, head, extension_of(name))
    finally:
        stream.seek(0)


def _sniff(stream, head: bytes, extension: str) -> FileType | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:2] == b"BM" and len(head) >= 18 and \
            struct.unpack("<I", head[14:18])[0] in (12, 40, 52, 56, 64, 108, 124):
        return BMP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head.startswith(OLE2_MAGIC):
        return next((t for t in OLE2 if t.accepts(extension)), OLE2_SENTINEL)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_type(stream, head)
    return None


def _zip_type(stream, head: bytes) -> FileType | None:
    # OpenDocument: the first member is "mimetype", stored uncompressed, its content the type
    if head[:4] == b"PK\x03\x04" and head[30:38] == b"mimetype":
        compression = struct.unpack("<H", head[8:10])[0]
        stream.seek(38 + struct.unpack("<H", head[28:30])[0])
        found = ODF_MIMETYPES.get(stream.read(60).split(b"PK\x03\x04")[0].strip()) \
            if compression == 0 else None
        if found is not None:
            return found
    names = zip_names(stream)
    if names is None:
        return None
    if "[Content_Types].xml" in names:
        for prefix, found in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
            if any(n.startswith(prefix) for n in names):
                return found
        return None  # another OOXML package (a macro container, a Visio drawing…)
    return ZIP


def zip_names(stream) -> list[str] | None:
    """The member names of the zip in `stream`, from its central directory only; None when
    there is no readable central directory or more than MAX_ZIP_ENTRIES members."""
    stream.seek(0, 2)
    size = stream.tell()
    tail_size = min(size, 22 + 65535)
    stream.seek(size - tail_size)
    tail = stream.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    (_, _, _, _, entries, cd_size, cd_offset, _) = struct.unpack("<4s4H2LH", tail[at:at + 22])
    if entries == 0xFFFF or cd_offset == 0xFFFFFFFF or entries > MAX_ZIP_ENTRIES:
        return None  # zip64 (far beyond the size limits) or too many members
    if cd_offset + cd_size > size or cd_size > entries * (46 + 3 * 65535):
        return None
    stream.seek(cd_offset)
    directory = stream.read(cd_size)
    names, pos = [], 0
    for _ in range(entries):
        if directory[pos:pos + 4] != b"PK\x01\x02" or pos + 46 > len(directory):
            return None
        flags = struct.unpack("<H", directory[pos + 8:pos + 10])[0]
        name_len, extra_len, comment_len = struct.unpack("<3H", directory[pos + 28:pos + 34])
        raw = directory[pos + 46:pos + 46 + name_len]
        names.append(raw.decode("utf-8" if flags & 0x800 else "cp437", errors="replace"))
        pos += 46 + name_len + extra_len + comment_len
    return names


def check(stream: BinaryIO, name: str) -> tuple[FileType, str]:
    """The type of an upload and the name to keep (clean_name, the detected extension added
    when the name has none of the accepted ones). Raises Unacceptable with a message naming
    the file."""
    shown = clean_name(name)
    found = sniff(stream, shown)
    extension = extension_of(shown)
    if found is None:
        raise Unacceptable(f"文件「{shown}」不是允许的类型：只接受 PDF、图片（PNG、JPEG、GIF、WebP、"
                           "BMP、TIFF）、Word、Excel、PowerPoint 文档和 ZIP 压缩包，按文件内容判断。")
    if found is OLE2_SENTINEL:
        raise Unacceptable(f"文件「{shown}」是 Office 97-2003 格式的文件，请保留其扩展名"
                           "（.doc、.xls、.ppt、.wps、.et、.dps）后再上传。")
    if found.accepts(extension):
        return found, shown
    if extension in KNOWN_EXTENSIONS or extension in RISKY_EXTENSIONS:
        raise Unacceptable(f"文件「{shown}」的内容是{found.label}，与扩展名 .{extension} 不符，"
                           "请确认文件后改正文件名再上传。")
    added = f"{shown}.{found.extension}"
    return found, clean_name(added) if len(added) > MAX_NAME else added
