"""The rendered content of the two busiest pages — the project list and a project page —
cached under the *version* of the data they show, so a page seen again costs one small query
instead of reading and rendering everything.

A version is one query of MAX(updated_at) / MAX(computed_at) (and, for one project's few
rows, COUNT and SUM(version)) over the rows a page shows. Every write of those rows moves one
of them: save() stamps updated_at, the imports set it, a snapshot refresh sets computed_at, a
deletion leaves a history row or moves a parent's stamp (see LISTING_SQL). So a change shows
on the next request; no write has to remember to clear a cache. What no stamp covers shows within CACHE_SECONDS at most: a person's display
name in the history, the names of the indicator levels, and, on the project list, a write
whose transaction commits a stamp older than one another transaction committed meanwhile
(the newest history row of any project record, a sequence, catches every save() among them,
also from a server whose clock is behind).

`PAGE_CACHE_SECONDS=0` turns the cache off (every request renders; bench/pages.py uses it to
measure cold pages). The cache is Django's default cache: per process unless CACHES says
otherwise; the version makes every process's copy right.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

from budget.models import Project, Unit
from performance.models import Indicator, IndicatorRecord, ProjectRecord
from performance.services.scoring import current_policy

CACHE_SECONDS = 300
T = TypeVar("T")


def cache_seconds() -> int:
    return int(getattr(settings, "PAGE_CACHE_SECONDS", CACHE_SECONDS))


def _sql(template: str, **models) -> str:
    """`template` with {alias} and {alias_field} replaced by the quoted table and column names
    of the model given as alias=Model; built once per template and database vendor."""
    key = (template, connection.vendor, tuple(models.items()))
    sql = _SQL.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        names = {}
        for alias, model in models.items():
            names[alias] = quote(model._meta.db_table)
            for field in model._meta.concrete_fields:
                names[f"{alias}_{field.name}"] = quote(field.column)
        sql = _SQL[key] = template.format(**names)
    return sql


_SQL: dict[tuple, str] = {}


def _version(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return "|".join("" if value is None else str(value) for value in row)


# Each MAX is one seek in an index that ends with the stamp ((period, updated_at) …), so the
# query costs well under a millisecond for 6,000 projects; counting them would cost more than
# the rest of a cached page. Deletions show without a count: a deleted record leaves a history
# row (simple_history), a deleted project moves its unit's updated_at (Project.delete), and
# the few units are counted.
LISTING_SQL = """
SELECT (SELECT MAX({r_updated_at}) FROM {r} WHERE {r_period} = %s),
       (SELECT MAX({r_computed_at}) FROM {r} WHERE {r_period} = %s),
       (SELECT MAX({h_history_id}) FROM {h}),
       (SELECT MAX({p_updated_at}) FROM {p} WHERE {p_year} = %s),
       (SELECT COUNT(*) FROM {t}),
       (SELECT MAX({t_updated_at}) FROM {t})
"""


def listing_version(period) -> str:
    """Changes whenever a project of `period`'s year, its unit or its record in `period`
    (status, money spent, stored score, grade, light) may have changed."""
    sql = _sql(LISTING_SQL, r=ProjectRecord, p=Project, t=Unit, h=ProjectRecord.history.model)
    return _version(sql, [period.pk, period.pk, period.year])


PROJECT_SQL = """
SELECT i.n, i.u, ir.n, ir.v, ir.u, r.n, r.v, r.u, r.c FROM
 (SELECT COUNT(*) AS n, MAX({i_updated_at}) AS u FROM {i} WHERE {i_project} = %s) i,
 (SELECT COUNT(*) AS n, SUM({ir_version}) AS v, MAX({ir_updated_at}) AS u FROM {ir}
   WHERE {ir_indicator} IN (SELECT {i_id} FROM {i} WHERE {i_project} = %s)
     AND {ir_period} = %s) ir,
 (SELECT COUNT(*) AS n, SUM({r_version}) AS v, MAX({r_updated_at}) AS u,
         MAX({r_computed_at}) AS c FROM {r} WHERE {r_project} = %s AND {r_period} = %s) r
"""


def project_version(project, period) -> str:
    """Changes whenever what the project page shows of `project` in `period` may have changed:
    the project, its unit and 年度目标 (stamps read with the project), its indicators, their
    records and the project's record in `period`, and the scoring policy."""
    sql = _sql(PROJECT_SQL, i=Indicator, ir=IndicatorRecord, r=ProjectRecord)
    goal = getattr(project, "goal", None)
    return "|".join([
        _version(sql, [project.pk, project.pk, period.pk, project.pk, period.pk]),
        str(project.updated_at), str(project.unit.updated_at),
        str(goal.updated_at) if goal is not None else "",
        current_policy().fingerprint,
    ])


def periods_key(periods: Iterable) -> str:
    """What a page shows of the periods it lists (their selector, the chosen one's lock)."""
    return ";".join(f"{p.pk},{p.code},{p.name},{p.status},{p.kind},{p.cutoff_month},"
                    f"{p.deadline},{p.locked_at},{p.locked_by_id},{p.lock_changed_at},"
                    f"{p.lock_reason}" for p in periods)


# Single flight: right after a change every request of a busy page misses at once (the version
# moved); at province scale one build of the finance overview costs a second of CPU, so N
# requests building it side by side on two cores take N seconds each. The first to miss takes a
# build lock (cache.add: atomic in Redis and in the per-process memory cache) and builds; the
# others wait for its copy, polling, rather than build the same thing. Never a stale copy: the
# key holds the version, and a page must show a change on the next request. A waiter builds for
# itself when the lock is gone without a copy (the builder failed, or the cache cannot be
# reached: DegradingRedisCache answers add with False and get with a miss) or after
# BUILD_WAIT_SECONDS (a builder slower than that, or dead before its lock expired).
BUILD_LOCK_SECONDS = 30
BUILD_WAIT_SECONDS = 10
POLL_SECONDS = (0.005, 0.1)  # the first wait, and the longest between two looks


def cached(name: str, parts: Iterable, compute: Callable[[], T]) -> T:
    """compute() once per (name, parts) for PAGE_CACHE_SECONDS (every time when it is 0); while
    one caller computes, the others asking for the same wait for its result (single flight)."""
    seconds = cache_seconds()
    if seconds <= 0:
        return compute()
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:32]
    key = f"page:{name}:{digest}"
    value = cache.get(key)
    if value is not None:
        return value
    lock = f"{key}:building"
    if not cache.add(lock, 1, BUILD_LOCK_SECONDS):
        value = _wait_for(key, lock)
        if value is not None:
            return value
        # the builder is gone without a copy, or the cache is unreachable: build here, once
        # more taking the lock (a no-op when the cache is down)
        if not cache.add(lock, 1, BUILD_LOCK_SECONDS):
            value = compute()
            cache.set(key, value, seconds)
            return value
    try:
        value = compute()
        cache.set(key, value, seconds)
    finally:
        cache.delete(lock)
    return value


def _wait_for(key: str, lock: str):
    """The copy another caller is building under `lock`, or None when the lock went without
    one or after BUILD_WAIT_SECONDS."""
    wait = getattr(settings, "PAGE_CACHE_BUILD_WAIT_SECONDS", BUILD_WAIT_SECONDS)
    deadline = time.monotonic() + wait
    pause, longest = POLL_SECONDS
    while cache.get(lock) is not None and time.monotonic() < deadline:
        time.sleep(pause)
        value = cache.get(key)
        if value is not None:
            return value
        pause = min(pause * 2, longest)
    return cache.get(key)


def cached_html(name: str, parts: Iterable, render: Callable[[dict], str],
                request=None) -> SafeString:
    """render(context_extra) once per (name, parts) (see cached); the HTML after.

    A fragment with forms is rendered with a random stand-in for the CSRF token (render
    receives it as {"csrf_token": ...}); it is replaced with this request's token when
    served, so no token is ever shared between requests or users."""

    def compute():
        marker = secrets.token_hex(16)
        return marker, render({"csrf_token": marker})

    return _serve(*cached(name, parts, compute), request)


def _serve(marker: str, html: str, request) -> SafeString:
    if request is not None and marker in html:
        html = html.replace(marker, get_token(request))
    return mark_safe(html)
