"""The ETag of a project's values in a period (the values resource, docs/api.md) and the
If-Match a write must carry.

The tag is strong and quoted, made of the resource's versions
(performance.services.api_values.Versions):

    "p{project record version}.n{indicator records}.s{sum of their versions}.t{latest change, µs}"

Every write and workflow step raises one of the three counts and none of them ever falls, so
an equal tag means nothing changed; `t` tells since when to name the changes of a stale one. A write without If-Match is refused (428); `*` is refused too, since it
would skip the very check If-Match is for; a tag that is not current is refused (412).
"""

from __future__ import annotations

import re

from api.exceptions import PreconditionFailed, PreconditionRequired
from performance.services.api_values import Stale, Versions

TAG = re.compile(r"p(\d{1,18})\.n(\d{1,18})\.s(\d{1,18})\.t(\d{1,20})")
QUOTED = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
MAX_TAGS = 20  # tags read from one If-Match


def etag(versions: Versions) -> str:
    return f'"p{versions.project}.n{versions.records}.s{versions.total}.t{versions.latest}"'


def parse(opaque: str) -> Versions | None:
    found = TAG.fullmatch(opaque.strip())
    return Versions(*(int(part) for part in found.groups())) if found else None


def expected_versions(request) -> list[Versions]:
    """The versions the request's If-Match names (strong tags only: a weak one never matches
    for a write); [] when none of its tags is one of ours, which then matches nothing.
    Raises PreconditionRequired when the header is missing or `*`."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired()
    if header == "*":
        raise PreconditionRequired("If-Match 须为读取时得到的 ETag，不接受“*”（先 GET 取得 ETag）。")
    tags = [(weak, opaque) for weak, opaque in QUOTED.findall(header)][:MAX_TAGS]
    if not tags:  # a client that left the quotes out
        tags = [("", header)]
    return [found for weak, opaque in tags if not weak and (found := parse(opaque))]


def stale(exc: Stale, changes: list[dict]) -> PreconditionFailed:
    """The 412 of a write made from older versions: what changed (`changes`, serialized) and
    the current ETag."""
    return PreconditionFailed(str(exc), changes=changes, etag=etag(exc.current))
