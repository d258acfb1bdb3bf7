"""Benchmark: the REST API (/api/v1/) beside the pages it stands in for, in one process.

    .venv/bin/python bench/api.py [--keep] [--smoke] [--projects 1000] [--indicators 10]
                                  [--rounds 3]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/api.py

Generates a self-evaluation period of --projects projects with --indicators numeric indicators
each (values, money spent, snapshots), a finance reviewer and a filler of every unit, each with
a personal API token; then, through Django's test Client (no server: what differs is the view):

* reads every project's score: `score --json` in process (the floor), the API's scores/ at
  its largest and its default page size, and what a person would use: the home page's list
  (score column, 50 a page) with the page cache off (every request renders, as the API does)
  and as deployed, and each project's page (the one page with per-indicator scores);
* writes every value and 预算执行数, one project a request: write_values called directly (the
  floor: the one write path), the API's GET values/ (ETag) + PATCH with If-Match, and the
  page's GET (the form and its versions) + POST of the entry form (保存草稿); every write
  changes every value.

Interleaved (scores: the order turns each round; writes: per project, turning with it), best
of --rounds (≥ 3), queries counted per request, load average and nproc printed. The API's token
throttle is raised inside the bench (it runs, never refuses). --smoke: 4 projects × 2 values.
Uses its own SQLite file under bench/out/ unless BENCH_DATABASE_URL is set.
"""

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.api_world import World, build  # noqa: E402
from bench.database import OUT, choose_database, migrate  # noqa: E402

THROTTLE = "1000000/min"  # the bench's token rate: the throttle runs, never refuses
DEPLOYED_THROTTLE = os.environ.get("API_THROTTLE_RATE", "1200/min")
SMOKE = {"projects": 4, "indicators": 2}


def setup_django(name: str, keep: bool, smoke: bool) -> str:
    label = choose_database(name, keep, smoke=smoke)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "0"
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["API_THROTTLE_RATE"] = THROTTLE
    import django

    django.setup()
    migrate(label, keep)
    return label


@dataclass
class Side:
    name: str
    rows: int = 0  # per round
    rounds: list = field(default_factory=list)  # [seconds, requests, queries] per round

    @property
    def best(self) -> list:
        return min(self.rounds, key=lambda r: r[0])


class Meter:
    """Times calls and counts the queries they run (connection.execute_wrapper: cheap, and the
    same for every side)."""

    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)

    def run(self, side: Side, call, requests: int = 1):
        """Run `call`, adding its time, `requests` and queries to `side`'s round; its result."""
        before, start = self.queries, time.perf_counter()
        result = call()
        current = side.rounds[-1]
        current[0] += time.perf_counter() - start
        current[1] += requests
        current[2] += self.queries - before
        return result


def client(user=None, token: str = ""):
    """A browser logged in as `user`, or a program presenting `token`."""
    from django.test import Client

    if token:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    browser = Client()
    browser.force_login(user)
    return browser


def ok(response, status: int = 200):
    assert response.status_code == status, (response.status_code, response.content[:500])
    return response


def rotated(items: list, by: int) -> list:
    by %= len(items)
    return items[by:] + items[:by]


def read_scores(world: World, meter: Meter, rounds: int) -> list[Side]:
    """Every project's score, each side in turn, `rounds` times (the order turns each round)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import override_settings
    from django.urls import reverse

    from performance.entry.home_views import PER_PAGE

    code, n = world.period.code, len(world.projects)
    api, page = client(token=world.finance_token), client(world.finance)
    cold = override_settings(PAGE_CACHE_SECONDS=0)
    largest, default = settings.API_MAX_PAGE_SIZE, settings.API_PAGE_SIZE

    def floor(side):
        out = StringIO()
        meter.run(side, lambda: call_command("score", period=code, json=True, stdout=out), 0)
        assert len(json.loads(out.getvalue())) == n

    def api_list(page_size):
        def run(side):
            url, rows = f"{reverse('api:score-list')}?period={code}&page_size={page_size}", 0
            while url:
                body = ok(meter.run(side, lambda u=url: api.get(u))).json()
                rows += len(body["results"])
                url = body["next"]
            assert rows == n, (rows, n)
        return run

    def home(cache: bool):
        def run(side):
            with (override_settings() if cache else cold):
                for number in range(1, -(-n // PER_PAGE) + 1):
                    ok(meter.run(side, lambda k=number: page.get(f"/?period={code}&page={k}")))
        return run

    def project_pages(side):
        with cold:
            for project_id in world.projects:
                ok(meter.run(side, lambda p=project_id: page.get(
                    f"/projects/{p}/?period={code}")))

    runs = {
        "floor: score --json, in process": floor,
        f"API scores/, page_size={largest}": api_list(largest),
        f"API scores/, page_size={default} (default)": api_list(default),
        f"page: home list, {PER_PAGE} a page, cache off": home(cache=False),
        "page: home list, as deployed (cache on)": home(cache=True),
        "page: each project's page, cache off": project_pages,
    }
    sides = {name: Side(name, rows=n) for name in runs}
    for number in range(rounds):
        for name in rotated(list(runs), number):
            sides[name].rounds.append([0.0, 0, 0])
            runs[name](sides[name])
    return list(sides.values())


VERSION = re.compile(r'name="([ip]\d*-version)" value="(\d*)"')


def new_values(world: World, project_id: int, step: int) -> tuple[list, Decimal]:
    """(indicator id, value) pairs no earlier write gave (three decimals, where the generated
    values have two; the run's stamp apart from a --keep run's) and a spent above any
    generated one (a spent equal to the one saved only spares a record write)."""
    values = [(iid, Decimal(f"{world.stamp * 10**6 + step * 1000 + j}.125"))
              for j, iid in enumerate(world.indicators[project_id])]
    return values, world.budgets[project_id] - Decimal("0.01") * (step % 90 + 1)


def write_all(world: World, meter: Meter, rounds: int) -> list[Side]:
    """Every project's values, one project per request, each side in turn per project."""
    from django.urls import reverse

    from performance.models import IndicatorRecord, ProjectRecord
    from performance.services.values import RecordChange, ValueWrite, write_values
    from performance.workflow import Channel

    period, code = world.period, world.period.code
    api, page = client(token=world.filler_token), client(world.filler)
    names = ("floor: write_values, in process", "API GET values/ (the ETag)",
             "API PATCH values/ (If-Match)", "page GET project page (the form)",
             "page POST entry form (save draft)")
    sides = {name: Side(name) for name in names}
    floor_s, api_get, api_patch, page_get, page_post = sides.values()
    for side in (floor_s, api_patch, page_post):
        side.rows = sum(len(ids) for ids in world.indicators.values())

    def floor(project_id, step):
        values, spent = new_values(world, project_id, step)
        versions = dict(IndicatorRecord.objects.filter(
            indicator__project_id=project_id, period=period).values_list("indicator_id", "version"))
        record = ProjectRecord.objects.get(project_id=project_id, period=period)
        write = ValueWrite(
            period=period, actor=world.filler, channel=Channel.API, only_project=project_id,
            indicators={iid: RecordChange({"actual_value": v}, versions[iid]) for iid, v in values},
            projects={project_id: RecordChange({"spent": spent}, record.version)})
        result = meter.run(floor_s, lambda: write_values(write), 0)
        assert len(result.changed_names) == len(values), result

    def through_api(project_id, step):
        values, spent = new_values(world, project_id, step)
        url = reverse("api:project-values", args=[code, project_id])
        etag = ok(meter.run(api_get, lambda: api.get(url)))["ETag"]
        body = {"indicators": [{"indicator_id": iid, "actual_value": str(v)} for iid, v in values],
                "spent": str(spent)}
        ok(meter.run(api_patch, lambda: api.patch(url, body, content_type="application/json",
                                                  HTTP_IF_MATCH=etag)))

    def through_page(project_id, step):
        values, spent = new_values(world, project_id, step)
        url = f"/projects/{project_id}/?period={code}"
        form = ok(meter.run(page_get, lambda: page.get(url))).content.decode()
        data = {"period": code, "action": "save", "p-spent": str(spent), "p-spent_reason": ""}
        data.update(VERSION.findall(form))
        for iid, value in values:
            data.update({f"i{iid}-actual_value": str(value), f"i{iid}-explanation": "",
                         f"i{iid}-corrective_measures": ""})
        ok(meter.run(page_post, lambda: page.post(url, data)), 302)

    writers = [(floor, (floor_s,)), (through_api, (api_get, api_patch)),
               (through_page, (page_get, page_post))]
    for number in range(rounds):
        for side in sides.values():
            side.rounds.append([0.0, 0, 0])
        for index, project_id in enumerate(world.projects):
            for which, (write, _) in rotated(list(enumerate(writers)), index + number):
                step = number * len(writers) + which
                write(project_id, step)
                check_written(world, project_id, step)
    return list(sides.values())


def check_written(world: World, project_id: int, step: int):
    """The values of `step` are the project's now (untimed: a write that said 302 or 200
    and saved nothing would otherwise pass for fast)."""
    from performance.models import IndicatorRecord, ProjectRecord

    values, spent = new_values(world, project_id, step)
    saved = dict(IndicatorRecord.objects.filter(
        indicator__project_id=project_id, period=world.period).values_list(
        "indicator_id", "actual_value"))
    assert all(saved[iid] == value for iid, value in values), (project_id, step)
    assert ProjectRecord.objects.get(project_id=project_id, period=world.period).spent == spent


def combined(name: str, first: Side, second: Side) -> Side:
    """A read and the write after it, as one side (per round: both summed)."""
    return Side(name, max(first.rows, second.rows),
                [[a + b for a, b in zip(x, y, strict=True)]
                 for x, y in zip(first.rounds, second.rounds, strict=True)])


def report(title: str, sides: list[Side], page: str, floor: str):
    by_name = {side.name: side for side in sides}
    page_s, floor_s = by_name[page].best[0], by_name[floor].best[0]
    print(f"\n{title}; best of {len(sides[0].rounds)} interleaved rounds")
    print(f"{'side':44} {'rows':>6} {'requests':>8} {'total s':>8} {'ms/req':>7} "
          f"{'rows/s':>8} {'queries/req':>11} {'× page':>7} {'× floor':>7}")
    for side in sides:
        seconds, requests, queries = side.best
        per = f"{seconds * 1000 / requests:7.2f}" if requests else f"{'—':>7}"
        rate = f"{side.rows / seconds:8,.0f}" if side.rows else f"{'—':>8}"
        count = (f"{queries / requests:11.1f}" if requests else f"{queries:>6} in all")
        print(f"{side.name:44} {side.rows or '—':>6} {requests or '—':>8} {seconds:8.3f} {per} "
              f"{rate} {count:>11} {seconds / page_s:7.2f} {seconds / floor_s:7.2f}")


def ratio(sides: list[Side], subject: str, page: str) -> str:
    by_name = {side.name: side for side in sides}
    return f"{by_name[subject].best[0] / by_name[page].best[0]:.2f}"


def database_version(label: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()" if connection.vendor == "postgresql"
                       else "SELECT sqlite_version()")
        return f"{label} {cursor.fetchone()[0].split(' on ')[0]}"


def run(args, label: str):
    import django
    from django.conf import settings
    from django.db import connection

    world = build(args.projects, args.indicators)
    n, values = len(world.projects), sum(len(ids) for ids in world.indicators.values())
    most = max(len(ids) for ids in world.indicators.values())
    assert most <= settings.API_MAX_BATCH_VALUES, "one project's values must fit one request"
    print(f"database: {database_version(label)}; Django {django.get_version()}, Python "
          f"{sys.version.split()[0]}; {harness.machine()}")
    print(f"{n:,} projects, {values:,} values (at most {most} a project); in one process, "
          f"django.test.Client, DEBUG off; API throttle raised to {THROTTLE} for the bench "
          f"(it runs, never refuses; as deployed: {DEPLOYED_THROTTLE} a token)")
    meter = Meter()
    with connection.execute_wrapper(meter):
        start = time.perf_counter()
        scores = read_scores(world, meter, args.rounds)
        print(f"scores measured in {time.perf_counter() - start:.1f} s; {harness.machine()}")
        start = time.perf_counter()
        writes = write_all(world, meter, args.rounds)
        print(f"writes measured in {time.perf_counter() - start:.1f} s; {harness.machine()}")
    largest, home = scores[1].name, scores[3].name
    report(f"Scores of {n:,} projects (finance reviewer, every unit)", scores, home, scores[0].name)
    print(f"ratio API/page (scores/ at page_size {settings.API_MAX_PAGE_SIZE} / home list, "
          f"cache off): {ratio(scores, largest, home)}; default page size: "
          f"{ratio(scores, scores[2].name, home)}; / each project's page: "
          f"{ratio(scores, largest, scores[5].name)}")
    floor_s, api_get, api_patch, page_get, page_post = writes
    api_cycle = combined("API GET + PATCH", api_get, api_patch)
    page_cycle = combined("page GET + POST", page_get, page_post)
    writes += [api_cycle, page_cycle]
    report(f"Writes of {values:,} values and {n:,} 预算执行数, one project a request (filler)",
           writes, page_post.name, floor_s.name)
    print(f"ratio API/page (PATCH / POST): {ratio(writes, api_patch.name, page_post.name)}; "
          f"(GET + PATCH) / (GET + POST): {ratio(writes, api_cycle.name, page_cycle.name)}")
    print(f"values/s: API {values / api_cycle.best[0]:,.0f} (GET + PATCH), page "
          f"{values / page_cycle.best[0]:,.0f} (GET + POST), floor {values / floor_s.best[0]:,.0f}; "
          f"{harness.machine()}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="reuse the data of a previous run")
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--indicators", type=int, default=10,
                        help="per project: the values written in one request")
    parser.add_argument("--rounds", type=harness.rounds_type, default=harness.MIN_ROUNDS,
                        help="interleaved rounds; each figure is the best (≥ 3)")
    args = harness.parse_args(parser, SMOKE, argv)
    # a smoke run's file is its own and goes afterwards: the test suite and make bench-smoke
    # may run it at the same time
    name = f"api-{os.getpid()}" if args.smoke else "api"
    start = time.perf_counter()
    label = setup_django(name, args.keep, args.smoke)
    try:
        run(args, label)
    finally:
        if args.smoke and label == "SQLite":
            from django.db import connections

            connections.close_all()
            (OUT / f"{name}-smoke.sqlite3").unlink(missing_ok=True)
    print(f"total {time.perf_counter() - start:.1f} s (data included)")


if __name__ == "__main__":
    main()
