"""Limits a PDF must keep before pdfplumber reads it: a page count and a decompressed size.

A PDF of one megabyte can hold a stream that decompresses to gigabytes (a "PDF bomb"), and
pdfminer decompresses every stream it touches in one piece. `check_pdf` therefore looks at the
raw bytes first, without pdfminer: it finds every stream (`… obj << … >> stream … endstream`),
follows its /Filter chain and decompresses it in bounded chunks, counting, so that the total
never goes beyond PDF_MAX_STREAM_BYTES and no more than one chunk is held at a time. Only then
is the document opened with pdfminer (no layout analysis): an encrypted file's streams are
deciphered and counted the same way, and its pages are counted, stopping at PDF_MAX_PAGES + 1.

Raises PdfRefused (a ValueError) with the message to show; any other exception means a damaged
file (the caller reports it as such).
"""

from __future__ import annotations

import bisect
import io
import re
import zlib
from collections.abc import Iterator

from django.conf import settings

__all__ = ["PdfRefused", "check_pdf", "decoded_size"]

CHUNK = 1 << 20  # at most this much decompressed output is held at a time
MB = 1024 * 1024

_OBJ_RE = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_STREAM_RE = re.compile(rb">>\s*stream(?:\r\n|\r|\n)")
_FILTER_RE = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+|\d+\s+\d+\s+R)")
_LENGTH_RE = re.compile(rb"/Length\s+(\d+)(\s+(\d+)\s+R)?")
_NAME_RE = re.compile(rb"/([^\s/\[\]<>()]+)")

_FLATE = {"FlateDecode", "Fl"}
_LZW = {"LZWDecode", "LZW"}
_RUN_LENGTH = {"RunLengthDecode", "RL"}
_ASCII85 = {"ASCII85Decode", "A85"}
_ASCII_HEX = {"ASCIIHexDecode", "AHx"}


class PdfRefused(ValueError):
    """The PDF breaks a limit; the message says which, for the user."""


class _TooBig(Exception):
    pass


# ---------------------------------------------------------------- decoding, bounded

def _flate_chunks(data: bytes) -> Iterator[bytes]:
    d = zlib.decompressobj()
    buf = data
    try:
        while not d.eof:
            out = d.decompress(buf, CHUNK)
            buf = d.unconsumed_tail
            if not out and not buf:
                break
            yield out
    except zlib.error:
        return  # pdfminer keeps what came out before the damage, and so do we


def _lzw_chunks(data: bytes) -> Iterator[bytes]:
    from pdfminer.lzw import LZWDecoder  # noqa: PLC0415

    pending: list[bytes] = []
    size = 0
    for piece in LZWDecoder(io.BytesIO(data)).run():
        pending.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield b"".join(pending)
            pending, size = [], 0
    if pending:
        yield b"".join(pending)


def _run_length_chunks(data: bytes) -> Iterator[bytes]:
    """The decoded size of each run, as zero bytes: only the size matters when counting."""
    i, size = 0, 0
    while i < len(data):
        n = data[i]
        if n == 128:
            break
        if n < 128:
            size += n + 1
            i += n + 2
        else:
            size += 257 - n
            i += 2
        if size >= CHUNK:
            yield bytes(size)
            size = 0
    if size:
        yield bytes(size)


def _one_shot(decode) -> callable:
    def chunks(data: bytes) -> Iterator[bytes]:
        yield decode(data)  # these filters only shrink their input
    return chunks


def _decoders() -> dict[str, callable]:
    from pdfminer.ascii85 import ascii85decode, asciihexdecode  # noqa: PLC0415

    table = {}
    table.update(dict.fromkeys(_FLATE, _flate_chunks))
    table.update(dict.fromkeys(_LZW, _lzw_chunks))
    table.update(dict.fromkeys(_RUN_LENGTH, _run_length_chunks))
    table.update(dict.fromkeys(_ASCII85, _one_shot(ascii85decode)))
    table.update(dict.fromkeys(_ASCII_HEX, _one_shot(asciihexdecode)))
    return table


def decoded_size(data: bytes, filters: list[str], limit: int) -> int:
    """The size of `data` once its decodable filters are applied, in order; raises _TooBig as
    soon as it passes `limit`. Filters pdfminer leaves alone (images) end the chain."""
    decoders = _decoders()
    chain = []
    for name in filters:
        if name not in decoders:
            break
        chain.append(decoders[name])
    if not chain:
        return len(data)
    for decode in chain[:-1]:  # an intermediate result is needed whole: bounded by `limit`
        parts, size = [], 0
        for chunk in decode(data):
            size += len(chunk)
            if size > limit:
                raise _TooBig
            parts.append(chunk)
        data = b"".join(parts)
    size = 0
    for chunk in chain[-1](data):
        size += len(chunk)
        if size > limit:
            raise _TooBig
    return size


# ---------------------------------------------------------------- finding the streams

def _filters(header: bytes, data: bytes) -> list[str]:
    m = _FILTER_RE.search(header)
    if m is None:
        return []
    value = m.group(1)
    if value.endswith(b"R"):  # an indirect /Filter: look the object up
        objid, gen = value.split()[:2]
        target = re.search(rb"\b%s\s+%s\s+obj\s*(\[[^\]]*\]|/[^\s/\[\]<>()]+)"
                           % (objid, gen), data)
        if target is None:
            return list(_FLATE)[:1]  # unknown: try the expanding filter anyway
        value = target.group(1)
    return [n.decode("latin-1") for n in _NAME_RE.findall(value)]


def _length(header: bytes, data: bytes, start: int) -> int:
    m = _LENGTH_RE.search(header)
    length = None
    if m and m.group(2):  # /Length 12 0 R
        target = re.search(rb"\b%s\s+%s\s+obj\s*(\d+)\s*endobj" % (m.group(1), m.group(3)),
                           data)
        length = int(target.group(1)) if target else None
    elif m:
        length = int(m.group(1))
    if length is None or not 0 <= length <= len(data) - start:
        end = data.find(b"endstream", start)
        length = (end if end >= 0 else len(data)) - start
    return length


def _streams(data: bytes) -> Iterator[tuple[int, int, list[str], int, int]]:
    """(objid, genno, filters, start, end) of every stream in the raw file."""
    headers = [(m.start(), m.end(), int(m.group(1)), int(m.group(2)))
               for m in _OBJ_RE.finditer(data)]
    starts = [h[0] for h in headers]
    pos = 0
    while (m := _STREAM_RE.search(data, pos)) is not None:
        k = bisect.bisect_right(starts, m.start()) - 1
        begin, after, objid, genno = headers[k] if k >= 0 else (0, 0, 0, 0)
        header = data[after:m.start() + 2]
        start = m.end()
        end = start + _length(header, data, start)
        yield objid, genno, _filters(header, data), start, end
        pos = max(end, start + 1)


# ---------------------------------------------------------------- the check

def check_pdf(data: bytes, name: str, *, max_pages: int | None = None,
              max_stream_bytes: int | None = None) -> int:
    """Refuse (PdfRefused) a PDF over the limits; return its number of pages."""
    max_pages = settings.PDF_MAX_PAGES if max_pages is None else max_pages
    limit = settings.PDF_MAX_STREAM_BYTES if max_stream_bytes is None else max_stream_bytes
    refused = PdfRefused(f"PDF 文件 {name} 解压后超过 {limit / MB:g} MB（可能是压缩炸弹），已拒绝。")
    streams = list(_streams(data))
    total = 0
    try:
        for *_, filters, start, end in streams:
            total += decoded_size(data[start:end], filters, limit - total)
    except _TooBig:
        raise refused from None

    from pdfminer.pdfdocument import PDFDocument  # noqa: PLC0415
    from pdfminer.pdfpage import PDFPage  # noqa: PLC0415
    from pdfminer.pdfparser import PDFParser  # noqa: PLC0415

    document = PDFDocument(PDFParser(io.BytesIO(data)))
    if document.decipher is not None:  # encrypted: count what pdfminer will decompress
        try:
            for objid, genno, filters, start, end in streams:
                plain = document.decipher(objid, genno, data[start:end])
                total += decoded_size(plain, filters, limit - total)
        except _TooBig:
            raise refused from None
    pages = 0
    for _ in PDFPage.create_pages(document):
        pages += 1
        if pages > max_pages:
            raise PdfRefused(f"PDF 文件 {name} 有 {_count(data, pages)} 页，超过上限 {max_pages} 页。")
    return pages


def _count(data: bytes, at_least: int) -> str:
    """The page count as the file states it (/Count of the page tree), or "超过 N"."""
    counts = [int(c) for c in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    counts += [int(c) for c in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", data)]
    best = max(counts, default=0)
    return str(best) if best >= at_least else f"超过 {at_least - 1}"
