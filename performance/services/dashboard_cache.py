"""The finance overview aggregates every project of a period: its data (and the page's tables)
are cached per *snapshot version*, so a page view after the first costs one small query.

The version changes whenever a ProjectRecord of the year's periods is created, deleted, saved
(updated_at) or refreshed (computed_at) — every change of values, lights, scores and workflow
goes through one of these — and with the scoring policy. Names of units and projects are not
part of it: a rename shows after CACHE_SECONDS at most.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Count, Max

from performance.models import ProjectRecord
from performance.services.scoring import current_policy

CACHE_SECONDS = 300
T = TypeVar("T")


def snapshot_version(periods) -> str:
    """A short text that changes whenever the stored snapshot of `periods` may have changed."""
    ids = sorted(p.id for p in periods)
    agg = ProjectRecord.objects.filter(period_id__in=ids).aggregate(
        n=Count("id"), computed=Max("computed_at"), updated=Max("updated_at"))
    stamp = "-".join(str(v.timestamp()) if v else "0" for v in (agg["computed"], agg["updated"]))
    return f"{'.'.join(map(str, ids))}:{agg['n']}:{stamp}:{current_policy().fingerprint}"


def cached(name: str, version: str, compute: Callable[[], T]) -> T:
    """compute() once per (name, version) and CACHE_SECONDS."""
    key = f"dashboard:{name}:{hashlib.sha1(version.encode()).hexdigest()[:20]}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value
