"""The audit log's middleware (docs/security.md): makes the request known to services that
record events without being given it (accounts.audit.current_request), and records an EXPORT
for every file the site hands out as a download (`Content-Disposition: attachment`)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from .audit import SecurityEventKind, _current_request, record

_FILENAME_STAR = re.compile(r"filename\*\s*=\s*[\w-]+'[^']*'([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename\s*=\s*"?([^";]+)"?', re.IGNORECASE)


def attachment_name(disposition: str) -> str | None:
    """The file name of an `attachment` Content-Disposition, or None when it is not one
    (RFC 6266: filename* wins over filename)."""
    if not disposition or not disposition.strip().lower().startswith("attachment"):
        return None
    match = _FILENAME_STAR.search(disposition)
    if match:
        return unquote(match.group(1).strip())
    match = _FILENAME.search(disposition)
    return match.group(1).strip() if match else ""


class AuditDownloadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code == 200:
                name = attachment_name(response.get("Content-Disposition", ""))
                if name is not None:
                    record(SecurityEventKind.EXPORT, request=request, target=name,
                           detail=request.get_full_path())
            return response
        finally:
            _current_request.reset(token)
