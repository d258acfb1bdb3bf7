"""Load test: deadline day under Locust — clerks saving and submitting at once, reviewers
approving, finance reloading the overview — against gunicorn as deployed.

    .venv/bin/python bench/load.py [--users 20] [--seconds 60] [--smoke] [--keep]
    BENCH_DATABASE_URL=postgres://... .venv/bin/python bench/load.py   # --users 50,150,300

Generates --units units (the first ones with a 填报人 each, up to the largest clerk count) of
--projects-per-unit projects of --indicators-per-project indicators in a self-evaluation
period with no values yet, unit reviewers and finance users; then per user count: empties the
period (every run starts at deadline day), starts gunicorn with deploy/gunicorn.conf.py (sync
workers, --workers of them: 2 × cores + 1 = 5 on this 2-core machine, the deployment's own
rule — the requests wait on the database as much as they compute) and, when Redis answers and
this is not --smoke, Redis as the shared cache (CACHE_URL) and broker with one Celery worker;
runs Locust headless (bench/_locustfile.py: about 85 % clerks, 10 % reviewers, 5 % finance),
and prints requests/s, saves/s, p50/p95/p99 per step and the error rate, for the steady part
of the run (every user started, its login done) and for the whole. Then it checks in SQL that
every save the server acknowledged is stored with its history row and that no submit or
approval was applied twice (load._load_world.verify), counts 5xx answers and "database is
locked" in the server's log, and names the knee: the first user count whose steady p95 passes
1 s. Uses its own SQLite file under bench/out/ unless BENCH_DATABASE_URL is set. --smoke: a
real run of a few seconds on SQLite (6 users, 1 worker, no Redis/Celery: notices are then
sent in the request), with the SQL check, so this script cannot rot.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402
from bench.database import OUT, choose_database, migrate  # noqa: E402

STEPS = ("login", "home", "project", "save", "submit", "approve", "overview")
KNEE_MS = 1000
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"  # method, path, status, µs in the worker
CACHE_DB, BROKER_DB = 11, 12  # Redis databases of their own: the machine's Redis is shared


def parse(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="", help="comma list of user counts (default: "
                        "50,150,300 on PostgreSQL, 20 on SQLite)")
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="users started per second")
    parser.add_argument("--seconds", type=float, default=60, help="steady seconds after the ramp")
    parser.add_argument("--workers", type=int, default=2 * harness.nproc() + 1,
                        help="gunicorn sync workers (default 2 × cores + 1, the deployment's)")
    parser.add_argument("--think", default="1,3", help="seconds between a user's steps: min,max")
    parser.add_argument("--saves", type=int, default=3, help="saves per project before submit")
    parser.add_argument("--double-click-every", type=int, default=4,
                        help="every Nth submit of a clerk is posted twice at once (0: never)")
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--projects-per-unit", type=int, default=12)
    parser.add_argument("--indicators-per-project", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="reuse the generated data")
    parser.add_argument("--no-redis", action="store_true", help="per-process cache, no Celery")
    return harness.parse_args(parser, {
        "users": "6", "spawn_rate": 6.0, "seconds": 10.0, "workers": 1, "think": "0.1,0.4",
        "saves": 1, "double_click_every": 2,
        "units": 8, "projects_per_unit": 3, "indicators_per_project": 5, "no_redis": True},
        argv)


def redis_up(url: str) -> bool:
    host, port = url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def services_env(args) -> tuple[dict, bool]:
    """The environment of the server (and of this process): Redis as cache and broker when it
    answers, else a per-process cache and a broker that refuses at once (notices inline)."""
    base = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
           "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend", "LOG_LEVEL": "WARNING"}
    if not args.no_redis and redis_up(base + "/0"):
        env.update(CACHE_URL=f"{base}/{CACHE_DB}", REDIS_URL=f"{base}/{BROKER_DB}")
        return env, True
    env.update(CACHE_URL="", REDIS_URL="redis://127.0.0.1:1/0")
    return env, False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen:
    """gunicorn as deployed (deploy/gunicorn.conf.py), on 127.0.0.1:`port`, its access log
    giving each request's time in the worker; returned once the login page answers."""
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-c", str(ROOT / "deploy/gunicorn.conf.py"),
         "-w", str(workers), "-b", f"127.0.0.1:{port}", "--preload", "--access-logfile",
         str(log.with_name("access.log")), "--access-logformat", ACCESS_FORMAT,
         "--log-level", "warning"], cwd=ROOT, env=os.environ.copy(),
        stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=10):
                return server
        except OSError:
            time.sleep(0.3)
    stop(server)
    raise SystemExit(f"gunicorn did not start (see {log})")


def stop(process: subprocess.Popen | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def run_locust(users: int, args, world: Path, out: Path, port: int) -> float:
    """Locust headless for the ramp plus --seconds; returns when the ramp ended (epoch)."""
    reviewers, finance = max(1, users // 10), max(1, users // 20)
    ramp = users / args.spawn_rate
    env = {**os.environ, "LOAD_WORLD": str(world), "LOAD_OUT": str(out),
           "LOAD_THINK": args.think, "LOAD_SAVES": str(args.saves),
           "LOAD_SUBMIT_TWICE_EVERY": str(args.double_click_every),
           "LOAD_REVIEWERS": str(reviewers), "LOAD_FINANCE": str(finance)}
    started = time.time()
    seconds = int(ramp + args.seconds + 0.999)
    subprocess.run(
        [str(ROOT / ".venv/bin/locust"), "-f", str(ROOT / "bench/_locustfile.py"), "--headless",
         "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{seconds}s", "--host",
         f"http://127.0.0.1:{port}", "--only-summary", "--loglevel", "WARNING",
         "--stop-timeout", "10", "--exit-code-on-error", "0"],
        cwd=ROOT, env=env, check=True, stdout=(out / "locust.log").open("wb"),
        stderr=subprocess.STDOUT, timeout=seconds + 180)
    return started + ramp


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def read_requests(out: Path) -> list[tuple]:
    rows = []
    for path in out.glob("requests-*.csv"):
        with path.open(encoding="utf-8") as f:
            rows += [(name, float(t), float(ms), int(status), exc)
                     for name, t, ms, status, exc in csv.reader(f)]
    return rows


def summarize(rows: list[tuple], acks: list[dict], since: float) -> dict:
    """Per step and overall: count, p50/p95/p99 ms, errors (no answer, 4xx or 5xx, a login
    refused), 5xx; requests/s and acknowledged saves/s over the rows from `since` on."""
    rows = [r for r in rows if r[1] >= since]
    if not rows:
        return {"seconds": 0, "steps": {}, "all": None, "rps": 0, "saves_per_s": 0}
    span = max(r[1] + r[2] / 1000 for r in rows) - since
    steps = {}
    for name in (*STEPS, "all"):
        picked = [r for r in rows if name in ("all", r[0])]
        if not picked:
            continue
        ms = [r[2] for r in picked]
        errors = sum(1 for r in picked if r[4] or r[3] >= 400 or r[3] == 0)
        steps[name] = {"n": len(picked), "p50": pct(ms, 50), "p95": pct(ms, 95),
                       "p99": pct(ms, 99), "errors": errors,
                       "5xx": sum(1 for r in picked if r[3] >= 500)}
    saves = sum(1 for a in acks if a["kind"] == "save" and a["t"] >= since)
    return {"seconds": span, "steps": steps, "all": steps["all"], "rps": len(rows) / span,
            "saves_per_s": saves / span}


def service_times(access: Path) -> dict:
    """Median and p95 ms each step spent in a worker (gunicorn's access log): the rest of
    what the client waited is the queue before a free worker (and the network)."""
    times = {}
    for line in access.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            method, path, _status, micros = line.split()
        except ValueError:
            continue
        if path.startswith("/accounts/login"):
            step = "login"
        elif path.startswith("/dashboard"):
            step = "overview"
        elif path.endswith("/approve/"):
            step = "approve"
        elif path.startswith("/projects/"):
            step = "save/submit" if method == "POST" else "project"
        elif path == "/":
            step = "home"
        else:
            continue
        times.setdefault(step, []).append(int(micros) / 1000)
    return {step: (statistics.median(ms), pct(ms, 95), len(ms)) for step, ms in times.items()}


def print_table(title: str, summary: dict) -> None:
    print(f"\n  {title}: {summary['seconds']:.0f} s, {summary['rps']:.1f} requests/s, "
          f"{summary['saves_per_s']:.2f} acknowledged saves/s")
    print(f"  {'step':10} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'errors':>7} {'5xx':>5}")
    for name, s in summary["steps"].items():
        print(f"  {name:10} {s['n']:8} {s['p50']:8.0f} {s['p95']:8.0f} {s['p99']:8.0f} "
              f"{s['errors'] / s['n']:7.1%} {s['5xx']:5}")


def one_run(users: int, args, label: str, port: int) -> dict:
    from django.db import connections

    from bench import _load_world as world

    reviewers, finance = max(1, users // 10), max(1, users // 20)
    clerks = users - reviewers - finance
    world.ensure_people(reviewers, finance)
    world.reset()
    out = OUT / f"load{'-smoke' if args.smoke else ''}-{label.lower()}-{users}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    world_json = out / "world.json"
    accounts = world.world_file(world_json, f"http://127.0.0.1:{port}")
    if clerks > len(accounts["clerks"]):
        raise SystemExit(f"{users} users need {clerks} clerk accounts; the data has "
                         f"{len(accounts['clerks'])} (regenerate without --keep)")
    connections.close_all()
    log = out / "server.log"
    server = start_server(port, args.workers, log)
    try:
        print(f"\n{users} users ({clerks} clerks, {reviewers} reviewers, {finance} finance), "
              f"spawn {args.spawn_rate:g}/s, think {args.think} s, {args.seconds:g} s steady; "
              f"{harness.machine()}", flush=True)
        ramp_end = run_locust(users, args, world_json, out, port)
        load = harness.machine()
    finally:
        stop(server)
    rows, acks = read_requests(out), world.read_acks(out)
    # steady: every user started and logged in (a login costs ~0.6 s of PBKDF2 on this CPU,
    # so the logins of the ramp queue up: the steady part starts when the last one answered)
    logins = [r[1] + r[2] / 1000 for r in rows if r[0] == "login"]
    steady = summarize(rows, acks, max([ramp_end, *logins]))
    whole = summarize(rows, acks, min((r[1] for r in rows), default=time.time()))
    checked = world.verify(out)
    server_log = log.read_text(encoding="utf-8", errors="replace")
    locked = server_log.count("database is locked")
    # a 500 is logged as "Internal Server Error: /path" (warnings with a traceback are not)
    tracebacks = server_log.count("Internal Server Error")
    print_table("steady (all users started)", steady)
    print_table("whole run, ramp included", whole)
    service = service_times(out / "access.log")
    print("  in the worker (gunicorn access log, whole run): " + "; ".join(
        f"{step} median {m:.0f} ms, p95 {p:.0f} ms" for step, (m, p, _) in service.items()))
    print(f"  at the end: {load}")
    print(f"  SQL check: {checked['saves']} acknowledged saves ({checked['values']} values), "
          f"{checked['submits']} submits, {checked['approves']} approvals; "
          f"{checked['superseded']} superseded by a later unacknowledged write, "
          f"{checked['unacknowledged_submits']} submits applied but not acknowledged; "
          f"{len(checked['problems'])} problems; server log: {tracebacks} × 'Internal Server "
          f"Error', "
          f"{locked} × 'database is locked'")
    for problem in checked["problems"][:20]:
        print(f"    PROBLEM: {problem}")
    result = {"users": users, "label": label, "steady": steady, "whole": whole, "check": checked,
              "service": service,
              "tracebacks": tracebacks, "locked": locked, "load": load}
    (out / "summary.json").write_text(json.dumps(result, indent=1, default=str))
    return result


def main(argv=None) -> int:
    args = parse(argv)
    label = choose_database("load", args.keep, smoke=args.smoke)
    env, redis = services_env(args)
    os.environ.update(env)
    import django

    django.setup()
    migrate(label, args.keep)
    from bench import _load_world as world
    from budget.models import Unit

    counts = [int(n) for n in (args.users or ("50,150,300" if label == "PostgreSQL" else "20"))
              .split(",")]
    accounts = max(n - max(1, n // 10) - max(1, n // 20) for n in counts)
    if not Unit.objects.filter(code__startswith="L").exists():
        start = time.perf_counter()
        world.generate(max(args.units, accounts), args.projects_per_unit,
                       args.indicators_per_project, accounts)
        print(f"generated {max(args.units, accounts)} units × {args.projects_per_unit} projects "
              f"× {args.indicators_per_project} indicators in {time.perf_counter() - start:.1f} s")
    celery = None
    if redis:
        celery = subprocess.Popen(
            [str(ROOT / ".venv/bin/celery"), "-A", "config", "worker", "-c", "1",
             "--loglevel", "WARNING"], cwd=ROOT, env=os.environ.copy(),
            stdout=(OUT / "load-celery.log").open("wb"), stderr=subprocess.STDOUT)
    print(f"database: {label}; gunicorn {args.workers} sync workers "
          f"(deploy/gunicorn.conf.py); cache: {'Redis' if redis else 'per process'}; "
          f"Celery: {'1 worker' if celery else 'none (notices sent in the request)'}")
    results = []
    try:
        for users in counts:
            results.append(one_run(users, args, label, free_port()))
    finally:
        stop(celery)
    return report(results, args.smoke)


def report(results: list[dict], smoke: bool) -> int:
    print(f"\nsummary ({results[0]['label']}); {harness.machine()}")
    print(f"  {'users':>5} {'req/s':>7} {'saves/s':>8} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'p99 ms':>7} {'errors':>7} {'5xx':>5} {'locked':>6} {'check':>8}")
    knee = None
    for r in results:
        s = r["steady"]["all"] or r["whole"]["all"]
        summary = r["steady"] if r["steady"]["all"] else r["whole"]
        print(f"  {r['users']:5} {summary['rps']:7.1f} {summary['saves_per_s']:8.2f} "
              f"{s['p50']:7.0f} {s['p95']:7.0f} {s['p99']:7.0f} {s['errors'] / s['n']:7.1%} "
              f"{s['5xx']:5} {r['locked']:6} "
              f"{'ok' if not r['check']['problems'] else 'FAILED':>8}")
        if knee is None and s["p95"] > KNEE_MS:
            knee = r["users"]
    print(f"  knee (steady p95 > {KNEE_MS} ms): "
          + (f"{knee} users" if knee else f"not reached up to {results[-1]['users']} users"))
    failed = [r for r in results if r["check"]["problems"] or r["tracebacks"] or r["locked"]
              or (r["whole"]["all"] or {}).get("5xx")]
    if smoke:
        saves = sum(r["check"]["saves"] for r in results)
        if not saves:
            print("smoke: no save was acknowledged")
            return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
