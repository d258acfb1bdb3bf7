"""Benchmark: the home page (finance staff) and a project page with 20 indicators, served by
gunicorn, against a bare one-query view (the floor).

    .venv/bin/python bench/pages.py [--keep] [--requests 150] [--seconds 240] [--smoke]
                                    [--units 400] [--projects 6000] [--indicators 100000]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/pages.py

Generates 400 units, 6,000 projects and 100,000 indicators with values in one monitoring
period (one project has exactly 20 indicators and a change history), refreshes the snapshots,
then serves the product with gunicorn (2 workers, 127.0.0.1 only, DEBUG off) and requests the
pages in interleaved rounds: at most --requests timed requests per page after 5 warm-up ones,
stopping early after --seconds. It does so twice: as deployed, where a page seen again is
served from the page cache (performance.services.page_cache) while its data are unchanged,
and with that cache off (PAGE_CACHE_SECONDS=0), where every request reads and renders the page
as the first view after a change does. Prints median and 95th percentile per page for both
and checks the goals on the first: each page's median ≤ 4 × the floor's, p95 under 300 ms.
Uses its own SQLite file under bench/out/ unless BENCH_DATABASE_URL is set. --smoke: the same
with 20 units, 100 projects, 2,000 indicators and 5 timed requests per page.
"""

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.database import choose_database, migrate  # noqa: E402

SETTINGS = "bench.pages_site.settings"
BIG = 20  # indicators of the project page
WARMUP, RATIO_GOAL, P95_GOAL_MS = 5, 4.0, 300


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


def smoke_sizes(**more) -> dict:
    """harness.parse_args's smoke values: the SMOKE size and `more`."""
    return {"units": SMOKE.units, "projects": SMOKE.projects, "indicators": SMOKE.indicators,
            **more}


def size_of(args) -> Size:
    size = Size(args.units, args.projects, args.indicators)
    if size.projects < max(2, size.units) or size.indicators < BIG + size.projects - 1:
        raise SystemExit(f"{size}: at least one project per unit and one indicator per project")
    return size


def setup_django(keep: bool, smoke: bool = False) -> str:
    label = choose_database("pages", keep, smoke=smoke)
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    migrate(label, keep)
    return label


def _indicator(project, position, level2, rng):
    from performance.domain import Direction, Grade, Operator
    from performance.models import Indicator

    name = level2.level1.name
    if position % 10 == 9:
        fields = {"operator": Operator.QUALITATIVE, "target_grade": Grade.EXCELLENT, "unit": ""}
    elif "成本" in name:
        fields = {"operator": Operator.LE, "target_value": Decimal(rng.randint(1, 50)),
                  "unit": "万元"}
    elif "数量" in level2.name:
        fields = {"operator": Operator.GE, "target_value": Decimal(rng.randint(10, 5000)),
                  "unit": "人次"}
    else:
        fields = {"operator": Operator.GE, "target_value": Decimal(rng.randint(80, 100)),
                  "unit": "%"}
    negative = fields["operator"] == Operator.LE
    return Indicator(project=project, level1_id=level2.level1_id, level2=level2,
                     name=f"{name[:2]}指标{position:02d}：保障社会保险经办服务的长名称指标",
                     weight=Decimal("4.5"), position=position,
                     direction=Direction.NEGATIVE if negative else Direction.POSITIVE, **fields)


def _record(indicator, period, rng):
    from performance.domain import DeviationReason, Grade, Likelihood
    from performance.models import IndicatorRecord

    share = Decimal(rng.randint(20, 130)) / 100
    fields = {}
    if indicator.target_grade:
        fields.update(actual_grade=rng.choice(list(Grade)).value,
                      expected_grade=rng.choice(list(Grade)).value)
    else:
        fields.update(actual_value=(indicator.target_value * share * 7 / 12).quantize(
            Decimal("0.01")), expected_value=(indicator.target_value * share).quantize(
            Decimal("0.01")))
    if share < Decimal("0.8"):
        fields.update(likelihood=Likelihood.POSSIBLE.value, corrective_measures="加快进度",
                      deviation_reasons=[rng.choice(list(DeviationReason)).value])
    else:
        fields["likelihood"] = Likelihood.CERTAIN.value
    return IndicatorRecord(indicator=indicator, period=period, **fields)


def generate(period, size: Size):
    """The data; returns the project with exactly BIG indicators."""
    from budget.models import Project, ProjectCategory, Unit
    from performance.models import Indicator, IndicatorLevel2, IndicatorRecord, ProjectRecord
    from performance.models import WorkflowStatus as S

    rng = random.Random(2025)
    levels = list(IndicatorLevel2.objects.select_related("level1"))
    units = Unit.objects.bulk_create(
        Unit(code=f"B{i:05d}", name=f"广元市基准测试第{i}社会保险事务服务中心")
        for i in range(size.units))
    per_unit = size.projects // size.units
    projects = Project.objects.bulk_create(
        (Project(unit=unit, year=period.year, name=f"社会保险经办能力提升专项经费（第{u}-{p}期）",
                 category=rng.choice(ProjectCategory.values),
                 budget_amount=Decimal(rng.randint(10, 500))) for u, unit in enumerate(units)
         for p in range(per_unit)), batch_size=2000)
    statuses = [S.DRAFT, S.DRAFT, S.SUBMITTED, S.APPROVED, S.RETURNED]
    ProjectRecord.objects.bulk_create(
        (ProjectRecord(project=p, period=period, status=(status := rng.choice(statuses)),
                       return_reason="请补充说明" if status == S.RETURNED else "",
                       spent=(p.budget_amount * Decimal(rng.randint(5, 90)) / 100).quantize(
                           Decimal("0.01"))) for p in projects), batch_size=2000)
    counts = [BIG] + [(size.indicators - BIG) // (len(projects) - 1)] * (len(projects) - 1)
    for i in range(size.indicators - sum(counts)):
        counts[1 + i] += 1
    indicators = [_indicator(project, position, levels[position % len(levels)], rng)
                  for project, count in zip(projects, counts, strict=True)
                  for position in range(count)]
    Indicator.objects.bulk_create(indicators, batch_size=5000)
    IndicatorRecord.objects.bulk_create((_record(i, period, rng) for i in indicators),
                                        batch_size=5000)
    return projects[0]


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


def measure(base: str, pages: dict, requests: int, seconds: float) -> dict:
    timings = {name: [] for name in pages}
    for path, cookie in pages.values():
        for _ in range(WARMUP):
            fetch(base + path, cookie)
    deadline = time.monotonic() + seconds
    for _ in range(requests):  # interleaved rounds: every page sees the same conditions
        for name, (path, cookie) in pages.items():
            timings[name].append(fetch(base + path, cookie))
        if time.monotonic() > deadline:
            break
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    parser.add_argument("--requests", type=int, default=150, help="timed requests per page")
    parser.add_argument("--seconds", type=float, default=240, help="stop the rounds after this")
    add_size_options(parser)
    args = harness.parse_args(parser, smoke_sizes(requests=5, seconds=10))
    size = size_of(args)
    label = setup_django(args.keep, args.smoke)

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
    runs = {}
    # As deployed: a page seen again comes from the page cache while its data are unchanged.
    # Then with that cache off, so every request renders, as the first view after a change does.
    for name, settings in (("as deployed (page cache on)", {}),
                           ("page cache off: every request renders", {"PAGE_CACHE_SECONDS": "0"})):
        server = serve(port, **settings)
        try:
            runs[name] = measure(f"http://127.0.0.1:{port}", pages, args.requests,
                                 args.seconds / 2)
        finally:
            stop(server)
    (deployed_name, deployed), (cold_name, cold) = runs.items()
    ok = report(deployed, f"{label}, {deployed_name}")
    report(cold, f"{label}, {cold_name}", judged=False)
    print(f"\ngoals (median ≤ {RATIO_GOAL:g}× floor, p95 < {P95_GOAL_MS} ms) as deployed: "
          f"{'all met' if ok else 'NOT met'}")


def report(timings: dict, label: str, judged: bool = True) -> bool:
    """Print the figures; whether every page met the goals (`judged`: say so per page)."""
    floor_name = next(iter(timings))
    floor = statistics.median(timings[floor_name])
    print(f"\ngunicorn, 2 workers, 127.0.0.1, {label}; "
          f"{len(timings[floor_name])} timed requests per page, interleaved; {harness.machine()}")
    print(f"{'page':44} {'median ms':>10} {'p95 ms':>8} {'× floor':>8}  goal")
    ok = True
    for name, values in timings.items():
        median, high = statistics.median(values), p95(values)
        ratio = median / floor
        met = name == floor_name or (ratio <= RATIO_GOAL and high * 1000 < P95_GOAL_MS)
        ok &= met
        verdict = "—" if name == floor_name else ("met" if met else "MISSED")
        print(f"{name:44} {median * 1000:10.1f} {high * 1000:8.1f} {ratio:8.2f}  "
              f"{verdict if judged else '(shown)'}")
    return ok


if __name__ == "__main__":
    main()
