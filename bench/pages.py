"""Benchmark: the home page (finance staff) and a project page with 20 indicators, served by
gunicorn, against a bare one-query view (the floor).

    .venv/bin/python bench/pages.py [--keep [--no-refresh]] [--requests 150] [--seconds 240] [--smoke]
                                    [--units 400] [--projects 6000] [--indicators 100000]
                                    [--scale 10]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/pages.py

Generates 400 units, 6,000 projects and 100,000 indicators with values in one monitoring
period (one project has exactly 20 indicators and a change history), refreshes the snapshots,
then serves the product with gunicorn (2 workers, 127.0.0.1 only, DEBUG off) and requests the
pages in interleaved rounds: at most --requests timed requests per page after 5 warm-up ones,
stopping early after --seconds. It does so twice: as deployed, where a page seen again is
served from the page cache (performance.services.page_cache) while its data are unchanged,
and with that cache off (PAGE_CACHE_SECONDS=0), where every request reads and renders the page
as the first view after a change does. Prints median and 95th percentile per page for both
and checks the goals: as deployed, each page's median ≤ 4 × the floor's and p95 under 300 ms;
cache off, p95 under 300 ms for the home and project pages and under 1 s for the finance
overview. --scale K multiplies the three sizes (10: a province, 4,000 units, 60,000 projects,
1,000,000 indicators; bench/pages_site/world.py writes them in a minute or two).
Uses its own SQLite file under bench/out/ (pages-xK.sqlite3 at a scale) unless
BENCH_DATABASE_URL is set. --smoke: the same with 20 units, 100 projects, 2,000 indicators and
5 timed requests per page.
"""

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.database import choose_database, migrate  # noqa: E402
from bench.pages_site.world import BIG, generate  # noqa: E402,F401  (dashboard.py's too)

SETTINGS = "bench.pages_site.settings"
WARMUP, RATIO_GOAL, P95_GOAL_MS, COLD_OVERVIEW_GOAL_MS = 5, 4.0, 300, 1000


@dataclass(frozen=True)
class Size:
    units: int = 400
    projects: int = 6000
    indicators: int = 100_000


SMOKE = Size(units=20, projects=100, indicators=2_000)


def add_size_options(parser: argparse.ArgumentParser) -> None:
    full = Size()
    parser.add_argument("--units", type=int, default=full.units)
    parser.add_argument("--projects", type=int, default=full.projects)
    parser.add_argument("--indicators", type=int, default=full.indicators)
    parser.add_argument("--scale", type=int, default=1,
                        help="multiply units, projects and indicators (10: a province, 4,000 "
                             "units, 60,000 projects, 1,000,000 indicators)")


def smoke_sizes(**more) -> dict:
    """harness.parse_args's smoke values: the SMOKE size and `more`."""
    return {"units": SMOKE.units, "projects": SMOKE.projects, "indicators": SMOKE.indicators,
            **more}


def size_of(args) -> Size:
    k = args.scale
    size = Size(args.units * k, args.projects * k, args.indicators * k)
    if size.projects < max(2, size.units) or size.indicators < BIG + size.projects - 1:
        raise SystemExit(f"{size}: at least one project per unit and one indicator per project")
    return size


def setup_django(keep: bool, smoke: bool = False, scale: int = 1) -> str:
    """Django set up on the benchmark's database (SQLite: one file per scale)."""
    name = "pages" if scale == 1 else f"pages-x{scale}"
    label = choose_database(name, keep, smoke=smoke)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    migrate(label, keep)
    return label


def history_for(project, period, filler):
    """Two saves through the service, so the page shows a real change history."""
    from performance.models import IndicatorRecord, ProjectRecord, WorkflowStatus
    from performance.services.entry import Entry, save_entries

    ProjectRecord.objects.filter(project=project, period=period).update(
        status=WorkflowStatus.DRAFT)
    for bump in (1, 2):
        records = {r.indicator_id: r for r in IndicatorRecord.objects.filter(
            indicator__project=project, period=period)}
        entries = {}
        for indicator_id, record in records.items():
            if record.actual_value is not None:
                entries[indicator_id] = Entry(record.version, {
                    "actual_value": record.actual_value + bump, "explanation": f"第{bump}次修改"})
        save_entries(project, period, filler, entries)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str, cookie: str) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = response.read()
        assert response.status == 200 and body, url
    return time.perf_counter() - start


def serve(port: int, workers: int = 2, **settings) -> subprocess.Popen:
    """gunicorn on 127.0.0.1:`port`, returned once every worker has loaded the application."""
    booted = Path(tempfile.mkdtemp(prefix="jxt-bench-gunicorn-"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "DEBUG": "0",
           "BENCH_BOOTED_DIR": str(booted), **settings}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-c",
         str(ROOT / "bench/pages_site/gunicorn_conf.py"), "-w", str(workers),
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            if len(list(booted.iterdir())) >= workers:
                with socket.create_connection(("127.0.0.1", port), timeout=5):
                    return server
            time.sleep(0.1)
        stop(server)
        raise SystemExit("gunicorn did not start")
    finally:
        shutil.rmtree(booted, ignore_errors=True)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=60)


def cookie_for(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def server_cpu(server: subprocess.Popen | None) -> float:
    """CPU seconds gunicorn's workers have used so far (Linux /proc; 0.0 elsewhere). With one
    request at a time, its difference over a request is what the request cost the server —
    the page's own work, SQLite's included (PostgreSQL's is in its own processes) — which a
    shared machine's load does not inflate as it does the wall-clock times."""
    if server is None:
        return 0.0
    try:
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        ticks = 0
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def measure(base: str, pages: dict, requests: int, seconds: float,
            server: subprocess.Popen | None = None, cpu: dict | None = None) -> dict:
    """Timings per page; with `server` and `cpu`, cpu[page] gets the workers' CPU seconds
    per request (the sum over the timed requests, divided)."""
    timings = {name: [] for name in pages}
    used = dict.fromkeys(pages, 0.0)
    for path, cookie in pages.values():
        for _ in range(WARMUP):
            fetch(base + path, cookie)
    deadline = time.monotonic() + seconds
    for _ in range(requests):  # interleaved rounds: every page sees the same conditions
        for name, (path, cookie) in pages.items():
            before = server_cpu(server)
            timings[name].append(fetch(base + path, cookie))
            used[name] += server_cpu(server) - before
        if time.monotonic() > deadline:
            break
    if cpu is not None and server is not None:
        cpu.update({name: used[name] / len(timings[name]) for name in pages})
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    parser.add_argument("--no-refresh", action="store_true",
                        help="with --keep: the snapshots the previous run refreshed, as they are "
                             "(a whole period at --scale 10 takes minutes)")
    parser.add_argument("--requests", type=int, default=150, help="timed requests per page")
    parser.add_argument("--seconds", type=float, default=240, help="stop the rounds after this")
    add_size_options(parser)
    args = harness.parse_args(parser, smoke_sizes(requests=5, seconds=10))
    size = size_of(args)
    label = setup_django(args.keep, args.smoke, args.scale)

    from django.contrib.auth.models import User

    from budget.models import Membership, Project, Role
    from performance.models import Indicator, PeriodKind, ReportingPeriod
    from performance.services.snapshot import refresh_snapshots

    period, _ = ReportingPeriod.objects.get_or_create(
        code="2099-07", defaults={"year": 2099, "name": "2099 年 1–7 月绩效运行监控（基准）",
                                  "cutoff_month": 7, "kind": PeriodKind.MONITORING})
    fresh = not Project.objects.filter(year=period.year).exists()
    if fresh:
        start = time.perf_counter()
        big = generate(period, size)
        print(f"generated in {time.perf_counter() - start:.1f} s")
    else:
        big = Project.objects.filter(year=period.year).order_by("id").first()
    finance, _ = User.objects.get_or_create(username="bench-finance", first_name="基准财政")
    Membership.objects.get_or_create(user=finance, unit=None, role=Role.FINANCE_REVIEWER)
    filler, _ = User.objects.get_or_create(username="bench-filler", first_name="基准填报")
    Membership.objects.get_or_create(user=filler, unit=big.unit, role=Role.FILLER)
    if fresh:
        history_for(big, period, filler)
    print(f"database: {label}; units {size.units}, projects "
          f"{Project.objects.filter(year=period.year).count():,}, indicators "
          f"{Indicator.objects.filter(project__year=period.year).count():,}; the project page "
          f"has {big.indicators.count()} indicators")
    if not (args.keep and args.no_refresh):
        start = time.perf_counter()
        refreshed = refresh_snapshots(period)
        print(f"refresh_snapshots (whole period): {refreshed:,} projects in "
              f"{time.perf_counter() - start:.2f} s")

    port = free_port()
    query = f"?period={period.code}"
    pages = {
        "floor: bare one-query view": ("/bench/floor/", ""),
        "home, finance (all units)": (f"/{query}", cookie_for(finance)),
        "home, finance, red lights by score": (f"/{query}&light=red&sort=-score",
                                              cookie_for(finance)),
        f"project page, {BIG} indicators (filler)": (f"/projects/{big.pk}/{query}",
                                                    cookie_for(filler)),
        f"finance overview (dashboard, {size.units} units)": (f"/dashboard/{query}",
                                                             cookie_for(finance)),
    }
    runs, cpus = {}, {}
    # As deployed: a page seen again comes from the page cache while its data are unchanged.
    # Then with that cache off, so every request renders, as the first view after a change does.
    for name, settings in (("as deployed (page cache on)", {}),
                           ("page cache off: every request renders", {"PAGE_CACHE_SECONDS": "0"})):
        server = serve(port, **settings)
        try:
            runs[name] = measure(f"http://127.0.0.1:{port}", pages, args.requests,
                                 args.seconds / 2, server, cpus.setdefault(name, {}))
        finally:
            stop(server)
    (deployed_name, deployed), (cold_name, cold) = runs.items()
    ok = report(deployed, f"{label}, {deployed_name}", cpu=cpus[deployed_name])
    cold_ok = report(cold, f"{label}, {cold_name}", cold=True, cpu=cpus[cold_name])
    print(f"\ngoals as deployed (median ≤ {RATIO_GOAL:g}× floor, p95 < {P95_GOAL_MS} ms): "
          f"{'all met' if ok else 'NOT met'}; cache off (p95 < {P95_GOAL_MS} ms, the overview "
          f"< {COLD_OVERVIEW_GOAL_MS} ms): {'all met' if cold_ok else 'NOT met'}")


def report(timings: dict, label: str, cold: bool = False, cpu: dict | None = None) -> bool:
    """Print the figures; whether every page met the goals (`cold`: the cache-off ones, p95
    only: under COLD_OVERVIEW_GOAL_MS for the finance overview, P95_GOAL_MS for the rest).
    `cpu`: the server's CPU ms per request, shown beside (see server_cpu)."""
    cpu = cpu or {}
    floor_name = next(iter(timings))
    floor = statistics.median(timings[floor_name])
    print(f"\ngunicorn, 2 workers, 127.0.0.1, {label}; "
          f"{len(timings[floor_name])} timed requests per page, interleaved; {harness.machine()}")
    print(f"{'page':44} {'median ms':>10} {'p95 ms':>8} {'× floor':>8} {'cpu ms':>7}  goal")
    ok = True
    for name, values in timings.items():
        median, high = statistics.median(values), p95(values)
        ratio = median / floor
        if cold:
            limit = COLD_OVERVIEW_GOAL_MS if "overview" in name else P95_GOAL_MS
            met = high * 1000 < limit
        else:
            met = ratio <= RATIO_GOAL and high * 1000 < P95_GOAL_MS
        met |= name == floor_name
        ok &= met
        verdict = "—" if name == floor_name else ("met" if met else "MISSED")
        used = f"{cpu[name] * 1000:7.1f}" if name in cpu else f"{'—':>7}"
        print(f"{name:44} {median * 1000:10.1f} {high * 1000:8.1f} {ratio:8.2f} {used}  {verdict}")
    return ok


if __name__ == "__main__":
    main()
