"""The finance overview aggregates every project of a period: its data (and the page's tables)
are cached (page_cache.cached) per *snapshot version*, so a page view after the first costs one
small query.

The version is the project list's (page_cache.listing_version) for each of the periods, with
the scoring policy: it changes whenever a ProjectRecord of those periods is created, deleted,
saved (updated_at) or refreshed (computed_at) — every change of values, lights, scores and
workflow goes through one of these — and whenever a project or unit is added, removed or
renamed.
"""

from __future__ import annotations

from performance.services.page_cache import listing_version
from performance.services.scoring import current_policy


def snapshot_version(periods) -> str:
    """A text that changes whenever the stored snapshot of `periods` may have changed."""
    ordered = sorted(periods, key=lambda p: p.id)
    stamps = ";".join(f"{p.id}:{listing_version(p)}" for p in ordered)
    return f"{stamps}:{current_policy().fingerprint}"
