"""The finance overview aggregates every project of a period: its data (and the page's tables)
are cached per *snapshot version*, so a page view after the first costs one small query.

The version is the project list's (page_cache.listing_version) for each of the periods, with
the scoring policy: it changes whenever a ProjectRecord of those periods is created, deleted,
saved (updated_at) or refreshed (computed_at) — every change of values, lights, scores and
workflow goes through one of these — and whenever a project or unit is added, removed or
renamed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from performance.services.page_cache import cache_seconds, listing_version
from performance.services.scoring import current_policy

T = TypeVar("T")


def snapshot_version(periods) -> str:
    """A text that changes whenever the stored snapshot of `periods` may have changed."""
    ordered = sorted(periods, key=lambda p: p.id)
    stamps = ";".join(f"{p.id}:{listing_version(p)}" for p in ordered)
    return f"{stamps}:{current_policy().fingerprint}"


def cached(name: str, version: str, compute: Callable[[], T]) -> T:
    """compute() once per (name, version) for PAGE_CACHE_SECONDS (every time when it is 0)."""
    if cache_seconds() <= 0:
        return compute()
    key = f"dashboard:{name}:{hashlib.sha1(version.encode()).hexdigest()[:20]}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, cache_seconds())
    return value
