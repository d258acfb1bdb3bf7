"""Benchmark: the monitoring dashboards for 400 units / 6,000 projects / 100,000 indicators.

    .venv/bin/python bench/dashboard.py [--keep [--no-refresh]] [--requests 60] [--seconds 180] [--smoke]
                                        [--units 400] [--projects 6000] [--indicators 100000]
                                        [--scale 10]

bench/pages.py measures the finance overview with the other pages; this one adds the charts'
JSON endpoints, a unit's dashboard, and the overview *cold*. It uses pages.py's data (the same
SQLite file under bench/out/, or BENCH_DATABASE_URL), server (gunicorn, 2 workers, 127.0.0.1)
and method (interleaved rounds, median against the bare one-query floor view; goal ≤ 4×).
--smoke: pages.py's smoke size, in its own file (bench/out/pages-smoke.sqlite3). --scale K
multiplies the sizes as in pages.py (10: 4,000 units, 60,000 projects, 1,000,000 indicators;
bench/out/pages-x10.sqlite3, shared with pages.py --scale 10 --keep).

The overview's aggregates are cached per snapshot version (performance.services
.dashboard_cache), so a cold request is timed right after a refresh of one project, which
changes the version; each is followed by a request of the floor view, so the ratio compares
requests made under the same conditions. Goal for the cold overview: p95 under 1 s.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness, pages  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    parser.add_argument("--no-refresh", action="store_true",
                        help="with --keep: the snapshots the previous run refreshed, as they are "
                             "(a whole period at --scale 10 takes minutes)")
    parser.add_argument("--requests", type=int, default=60, help="timed requests per page")
    parser.add_argument("--seconds", type=float, default=180, help="stop the rounds after this")
    pages.add_size_options(parser)
    args = harness.parse_args(parser, pages.smoke_sizes(requests=5, seconds=10))
    size = pages.size_of(args)
    label = pages.setup_django(args.keep, args.smoke, args.scale)

    from django.contrib.auth.models import User

    from budget.models import Membership, Project, Role
    from performance.models import PeriodKind, ReportingPeriod
    from performance.services.snapshot import refresh_snapshots

    period, _ = ReportingPeriod.objects.get_or_create(
        code="2099-07", defaults={"year": 2099, "name": "2099 年 1–7 月绩效运行监控（基准）",
                                  "cutoff_month": 7, "kind": PeriodKind.MONITORING})
    if not Project.objects.filter(year=period.year).exists():
        start = time.perf_counter()
        pages.generate(period, size)
        print(f"generated in {time.perf_counter() - start:.1f} s")
    if not (args.keep and args.no_refresh):
        start = time.perf_counter()
        refreshed = refresh_snapshots(period)
        print(f"refresh_snapshots (whole period): {refreshed:,} projects in "
              f"{time.perf_counter() - start:.2f} s")
    finance, _ = User.objects.get_or_create(username="bench-finance")
    Membership.objects.get_or_create(user=finance, unit=None, role=Role.FINANCE_REVIEWER)
    cookie = pages.cookie_for(finance)
    unit = Project.objects.filter(year=period.year).order_by("id").first().unit
    unit_projects = Project.objects.filter(year=period.year, unit=unit).count()

    q = f"?period={period.code}"
    overview = f"finance overview ({size.units:,} units)"
    urls = {
        "floor: bare one-query view": ("/bench/floor/", ""),
        overview: (f"/dashboard/{q}", cookie),
        f"execution.json ({size.units:,} units)": (f"/dashboard/api/execution.json{q}", cookie),
        f"grades.json ({size.projects:,} projects)": (f"/dashboard/api/grades.json{q}", cookie),
        f"heatmap.json ({size.units:,} units × 一级指标)": (f"/dashboard/api/heatmap.json{q}",
                                                          cookie),
        f"unit dashboard ({unit_projects} projects, live)": (f"/dashboard/units/{unit.code}/{q}",
                                                             cookie),
        "unit heatmap.json (live)": (f"/dashboard/api/heatmap.json{q}&unit={unit.code}", cookie),
    }
    port = pages.free_port()
    base = f"http://127.0.0.1:{port}"
    server = pages.serve(port)
    try:
        cpu = {}
        timings = pages.measure(base, urls, args.requests, args.seconds, server, cpu)
        one = [Project.objects.filter(year=period.year).values_list("id", flat=True).first()]
        cold, floors, cold_cpu = [], [], 0.0
        for _ in range(max(5, args.requests // 6)):
            refresh_snapshots(period, one)  # a new snapshot version: the cache misses
            before = pages.server_cpu(server)
            cold.append(pages.fetch(base + urls[overview][0], cookie))
            cold_cpu += pages.server_cpu(server) - before
            floors.append(pages.fetch(base + urls["floor: bare one-query view"][0], ""))
    finally:
        pages.stop(server)
    pages.report(timings, label, cpu=cpu)
    floor = statistics.median(floors)
    median, high = statistics.median(cold), pages.p95(cold)
    met = high * 1000 < pages.COLD_OVERVIEW_GOAL_MS
    print(f"finance overview, cold (right after a refresh): median {median * 1000:.1f} ms, "
          f"p95 {high * 1000:.1f} ms, {median / floor:.1f} × floor, server CPU "
          f"{cold_cpu / len(cold) * 1000:.0f} ms per request ({len(cold)} requests, each "
          f"followed by one of the floor; {harness.machine()}); goal p95 < "
          f"{pages.COLD_OVERVIEW_GOAL_MS} ms: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
