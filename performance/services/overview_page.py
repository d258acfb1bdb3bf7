"""The finance overview page's data: each part computed on first use and cached per snapshot
version (dashboard_cache), so the page's cached fragment costs no query at all."""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator

from performance.domain import Light
from performance.services.dashboard_cache import snapshot_version
from performance.services.overview import (
    PAGE_SIZE,
    heat_map,
    submission_progress,
    summary,
    unit_rows,
    watch_list,
)
from performance.services.page_cache import cache_seconds as page_cache_seconds
from performance.services.page_cache import cached


class OverviewPage:
    """One page of the overview of `period`; `periods` are those listed (the year's are used)."""

    @property
    def cache_seconds(self) -> int:
        return page_cache_seconds()

    def __init__(self, period, periods, number: int, project_link):
        self.period = period
        self.year_periods = [p for p in periods if p.year == period.year] or [period]
        self.number = number
        self.project_link = project_link
        self.version = snapshot_version(self.year_periods)

    def _cached(self, name, compute):
        return cached(f"dashboard-{name}", [self.period.id, self.number, self.version], compute)

    @cached_property
    def summary(self):
        return self._cached("summary", lambda: summary(self.period))

    @cached_property
    def progress(self):
        return self._cached("progress", lambda: submission_progress(self.year_periods))

    @cached_property
    def _units(self):
        offset = (self.number - 1) * PAGE_SIZE
        return self._cached("units", lambda: unit_rows(self.period, offset=offset,
                                                         limit=PAGE_SIZE))

    @property
    def rows(self):
        return self._units[0]

    @property
    def unit_count(self) -> int:
        return self._units[1]

    @cached_property
    def page(self):
        return Paginator(range(self.unit_count), PAGE_SIZE).get_page(self.number)

    @cached_property
    def heat(self):
        return self._cached("heat", lambda: heat_map(self.period,
                                                     [(r.id, r.code, r.name) for r in self.rows]))

    @cached_property
    def _watch(self):
        lights = self.summary.lights  # the same red and yellow projects, already counted
        count = lights.get(Light.RED.value, 0) + lights.get(Light.YELLOW.value, 0)
        return self._cached("watch", lambda: watch_list(self.period, count=count))

    @property
    def watch(self):
        rows = self._watch[0]
        for row in rows:
            row["url"] = self.project_link(row["id"], row["unit_code"])
        return rows

    @property
    def watch_count(self) -> int:
        return self._watch[1]
