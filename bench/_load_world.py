"""bench/load.py's data and its checks afterwards: a self-evaluation period of generated units,
projects and numeric indicators (no values yet: deadline day starts empty), one 填报人 per unit
with accounts, unit reviewers and finance users; then, after a run, the SQL check that every
save the server acknowledged is in the database with its history row and that no submit (or
approval) was applied twice. Imported after Django is set up."""

from __future__ import annotations

import json
import random
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

PERIOD = "2099-final"
PASSWORD = "Load-Test-2099!x"  # every generated account's (one hash: PBKDF2 costs ~0.6 s)
TARGET = Decimal(100)  # every indicator: ≥ 100; the clerks enter 100–115 (no reason needed: an overshoot ≥ 20 % asks for one)
BUDGET = Decimal(100)  # every project's budget; the clerks enter 95–100 spent


def generate(units: int, per_unit: int, per_indicator: int, accounts: int) -> None:
    """`units` units of `per_unit` projects of `per_indicator` indicators; the first
    `accounts` units get a clerk (load-clerk-NNNN). Bulk inserts, no per-row ORM save."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from budget.models import Membership, Project, ProjectCategory, Role, Unit
    from performance.domain import Direction, Operator
    from performance.models import Indicator, IndicatorLevel2, PeriodKind, ReportingPeriod

    period, _ = ReportingPeriod.objects.get_or_create(
        code=PERIOD, defaults={"year": 2099, "name": "2099 年度绩效自评（负载测试）",
                               "kind": PeriodKind.SELF_EVALUATION, "cutoff_month": 12})
    rng = random.Random(2099)
    levels = list(IndicatorLevel2.objects.order_by("id"))
    made_units = Unit.objects.bulk_create(
        Unit(code=f"L{i:05d}", name=f"负载测试第{i}社会保险事务服务中心") for i in range(units))
    projects = Project.objects.bulk_create(
        (Project(unit=unit, year=period.year, name=f"社会保险经办能力提升专项经费（{u}-{p}）",
                 category=rng.choice(ProjectCategory.values), budget_amount=BUDGET)
         for u, unit in enumerate(made_units) for p in range(per_unit)), batch_size=2000)
    weight = (Decimal(90) / per_indicator).quantize(Decimal("0.01"))
    Indicator.objects.bulk_create(
        (Indicator(project=project, level1_id=levels[k % len(levels)].level1_id,
                   level2=levels[k % len(levels)], name=f"指标{k:02d}：经办服务人次", weight=weight,
                   operator=Operator.GE, target_value=TARGET, unit="人次", position=k,
                   direction=Direction.POSITIVE, evidence_required=False)
         for project in projects for k in range(per_indicator)), batch_size=5000)
    password = make_password(PASSWORD)
    clerks = User.objects.bulk_create(
        User(username=f"load-clerk-{i:04d}", first_name=f"填报{i}", password=password)
        for i in range(min(accounts, units)))
    Membership.objects.bulk_create(Membership(user=user, unit=unit, role=Role.FILLER)
                                   for user, unit in zip(clerks, made_units, strict=False))


def ensure_people(reviewers: int, finance: int) -> None:
    """`reviewers` unit reviewers sharing the clerks' units round robin (reviewer j: units
    j, j+R, …; set again before each run, since R follows the run's user count) and
    `finance` finance users."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User

    from budget.models import Membership, Role

    password = make_password(PASSWORD)
    names = [f"load-reviewer-{j:03d}" for j in range(reviewers)] + [
        f"load-finance-{j:03d}" for j in range(finance)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create(User(username=n, first_name=n[5:], password=password)
                             for n in names if n not in have)
    users = dict(User.objects.filter(username__in=names).values_list("username", "id"))
    Membership.objects.filter(user__username__startswith="load-reviewer-").delete()
    Membership.objects.filter(user__username__startswith="load-finance-").delete()
    units = list(Membership.objects.filter(role=Role.FILLER, user__username__startswith=(
        "load-clerk-")).order_by("user__username").values_list("unit_id", flat=True))
    Membership.objects.bulk_create(
        [Membership(user_id=users[f"load-reviewer-{u % reviewers:03d}"], unit_id=unit,
                    role=Role.UNIT_REVIEWER) for u, unit in enumerate(units)]
        + [Membership(user_id=users[f"load-finance-{j:03d}"], unit=None,
                      role=Role.FINANCE_REVIEWER) for j in range(finance)])


def reset() -> None:
    """Deadline day again: no values, records, history or notices in the period (raw deletes:
    a queryset delete would write a history row per deleted record)."""
    from django.core.cache import cache
    from django.db import connection

    from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod

    period = ReportingPeriod.objects.get(code=PERIOD)
    with connection.cursor() as cursor:
        for model in (IndicatorRecord.history.model, ProjectRecord.history.model,
                      IndicatorRecord, ProjectRecord):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE period_id = %s",
                           [period.pk])
        # the in-app notices delivered from the period's reminders first (they point at them)
        cursor.execute("DELETE FROM performance_notice WHERE reminder_id IN (SELECT id FROM "
                       "performance_reminderlog WHERE period_id = %s)", [period.pk])
        cursor.execute("DELETE FROM performance_reminderlog WHERE period_id = %s", [period.pk])
    cache.clear()


def world_file(path: Path, base_url: str) -> dict:
    """What the locustfile needs, as JSON: accounts, their projects, indicator ids."""
    from budget.models import Membership, Project, Role
    from performance.models import Indicator

    per_unit = defaultdict(list)
    for pid, unit_id in Project.objects.filter(year=2099, unit__code__startswith="L").order_by(
            "id").values_list("id", "unit_id"):
        per_unit[unit_id].append(pid)
    indicators = defaultdict(list)
    for pid, iid in Indicator.objects.filter(project__year=2099).order_by(
            "project_id", "position").values_list("project_id", "id"):
        indicators[pid].append(iid)
    clerks = [{"username": name, "projects": per_unit[unit]}
              for name, unit in Membership.objects.filter(
                  role=Role.FILLER, user__username__startswith="load-clerk-").order_by(
                  "user__username").values_list("user__username", "unit_id")]
    reviewers = sorted(set(Membership.objects.filter(
        role=Role.UNIT_REVIEWER, user__username__startswith="load-reviewer-").values_list(
        "user__username", flat=True)))
    finance = sorted(set(Membership.objects.filter(
        role=Role.FINANCE_REVIEWER, user__username__startswith="load-finance-").values_list(
        "user__username", flat=True)))
    world = {"base_url": base_url, "period": PERIOD, "password": PASSWORD,
             "clerks": clerks, "reviewers": reviewers, "finance": finance,
             "indicators": {str(k): v for k, v in indicators.items()}}
    path.write_text(json.dumps(world), encoding="utf-8")
    return world


# ---------------------------------------------------------------- the check afterwards


def read_acks(folder: Path) -> list[dict]:
    acks = []
    for path in sorted(folder.glob("acks-*.jsonl")):
        acks += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    return sorted(acks, key=lambda a: a["t"])


def verify(folder: Path) -> dict:
    """Every acknowledged save in the database with its history row; no submit or approval
    applied twice. Returns counts and a list of problems (empty: all good)."""
    from django.contrib.auth.models import User

    from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod
    from performance.workflow import Action, Channel

    period = ReportingPeriod.objects.get(code=PERIOD)
    acks = read_acks(folder)
    users = dict(User.objects.filter(username__startswith="load-").values_list("username", "id"))
    problems = []
    # history rows as (indicator, value, user) and (project, spent, user): page channel only
    ind_history, written = set(), {}  # written: (indicator, value) → its latest write (epoch)
    for iid, value, uid, when in IndicatorRecord.history.model.objects.filter(
            period_id=period.pk, history_channel=Channel.PAGE).values_list(
            "indicator_id", "actual_value", "history_user_id", "history_date"):
        ind_history.add((iid, value, uid))
        written[("i", iid, value)] = max(written.get(("i", iid, value), 0), when.timestamp())
    proj_history = set()
    for pid, spent, uid, when in ProjectRecord.history.model.objects.filter(
            period_id=period.pk, history_channel=Channel.PAGE).values_list(
            "project_id", "spent", "history_user_id", "history_date"):
        proj_history.add((pid, spent, uid))
        written[("p", pid, spent)] = max(written.get(("p", pid, spent), 0), when.timestamp())
    last_value, last_spent, acked_at = {}, {}, {}
    saves = submits = approves = 0
    acked_submits, acked_approves = defaultdict(int), defaultdict(int)
    for ack in acks:
        uid = users.get(ack["user"])
        if ack["kind"] == "save":
            saves += 1
            for iid, text in ack["values"].items():
                value = Decimal(text)
                last_value[int(iid)] = value
                acked_at[("i", int(iid))] = ack["t"]
                if (int(iid), value, uid) not in ind_history:
                    problems.append(f"save acknowledged at {ack['t']:.3f} by {ack['user']}: "
                                    f"indicator {iid} = {text} has no history row")
            if ack.get("spent") is not None:
                spent = Decimal(ack["spent"])
                last_spent[ack["project"]] = spent
                acked_at[("p", ack["project"])] = ack["t"]
                if (ack["project"], spent, uid) not in proj_history:
                    problems.append(f"save acknowledged by {ack['user']}: project "
                                    f"{ack['project']} spent {spent} has no history row")
        elif ack["kind"] == "submit":
            submits += 1
            acked_submits[ack["project"]] += 1
        elif ack["kind"] == "approve":
            approves += 1
            acked_approves[ack["project"]] += 1
    stored = dict(IndicatorRecord.objects.filter(
        period=period, indicator_id__in=list(last_value)).values_list("indicator_id",
                                                                     "actual_value"))
    superseded = 0  # a later write the client never saw acknowledged (a timeout): allowed

    def later(kind, key, value) -> bool:
        return written.get((kind, key, value), 0) > acked_at[(kind, key)]

    for iid, value in last_value.items():
        if stored.get(iid) != value:
            if later("i", iid, stored.get(iid)):
                superseded += 1
            else:
                problems.append(f"indicator {iid}: last acknowledged {value}, stored "
                                f"{stored.get(iid)} (no later write of it)")
    spent_now = dict(ProjectRecord.objects.filter(
        period=period, project_id__in=list(last_spent)).values_list("project_id", "spent"))
    for pid, value in last_spent.items():
        if spent_now.get(pid) != value:
            if later("p", pid, spent_now.get(pid)):
                superseded += 1
            else:
                problems.append(f"project {pid}: last acknowledged spent {value}, stored "
                                f"{spent_now.get(pid)} (no later write of it)")
    steps = defaultdict(lambda: defaultdict(int))
    for pid, reason in ProjectRecord.history.model.objects.filter(
            period_id=period.pk, history_change_reason__in=[
                Action.SUBMIT.label, Action.APPROVE.label]).values_list(
            "project_id", "history_change_reason"):
        steps[reason][pid] += 1
    for label, acked in ((Action.SUBMIT.label, acked_submits),
                         (Action.APPROVE.label, acked_approves)):
        for pid, count in steps[label].items():
            if count > 1:  # no return in this test: a second one is a step applied twice
                problems.append(f"project {pid}: {label} applied {count} times")
        for pid in acked:
            if steps[label].get(pid, 0) != 1:
                problems.append(f"project {pid}: {label} acknowledged, applied "
                                f"{steps[label].get(pid, 0)} times")
    unacked = sum(1 for pid in steps[Action.SUBMIT.label] if pid not in acked_submits)
    return {"saves": saves, "submits": submits, "approves": approves,
            "values": len(last_value), "unacknowledged_submits": unacked,
            "superseded": superseded,
            "problems": problems, "checked_at": time.time()}
