"""The users of bench/load.py (run by Locust; the leading underscore keeps it out of make's
benchmark list). LOAD_WORLD names the JSON bench/_load_world.world_file wrote; LOAD_OUT the
folder where each Locust process leaves its requests (requests-PID.csv: step, start, ms,
status) and the saves, submits and approvals the server acknowledged (acks-PID.jsonl), which
load.py checks in SQL afterwards.

- Clerk (填报人, one per unit): logs in through the real form (CSRF), opens home and a project,
  saves values through the project page's form SAVES times, then submits; the next project.
  One submit in SUBMIT_TWICE_EVERY is posted twice at once (a double click).
- Reviewer (单位审核人): lists the submitted projects of its units, opens one, approves it.
- Finance (财政审核人): reloads the finance overview.

Every request is named by its step (login, home, project, save, submit, approve, overview), so
the figures come per step. A save or a submit counts as acknowledged when the page it leads to
says so (the message the user reads), never by the status code alone.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
import re
import time
from decimal import Decimal
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task

WORLD = json.loads(Path(os.environ["LOAD_WORLD"]).read_text(encoding="utf-8"))
OUT = Path(os.environ["LOAD_OUT"])
THINK = tuple(float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(","))
SAVES = int(os.environ.get("LOAD_SAVES", "3"))
SUBMIT_TWICE_EVERY = int(os.environ.get("LOAD_SUBMIT_TWICE_EVERY", "4"))
PERIOD = WORLD["period"]

_clerks, _reviewers, _finance = itertools.count(), itertools.count(), itertools.count()
_requests: list[tuple] = []
_acks: list[dict] = []

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="([ip]\d*)-version"(?: value="(\d*)")?')
PROJECT_LINK = re.compile(r'href="/projects/(\d+)/\?')
SAVED, SUBMITTED, APPROVED = "已保存草稿", "已提交审核", "已审核通过"
IS_SUBMITTED = "本项目本期已提交"


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None,
            exception=None, start_time=None, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    _requests.append((name, start_time or time.time(), round(response_time, 1), status,
                      type(exception).__name__ if exception else ""))


@events.quitting.add_listener
def _flush(environment, **kwargs):
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"requests-{os.getpid()}.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(_requests)
    with open(OUT / f"acks-{os.getpid()}.jsonl", "w", encoding="utf-8") as f:
        f.writelines(json.dumps(a) + "\n" for a in _acks)


def _ack(kind: str, user: str, project: int, **more) -> None:
    _acks.append({"t": time.time(), "kind": kind, "user": user, "project": project, **more})


class Person(HttpUser):
    abstract = True
    wait_time = between(*THINK)
    username = ""

    def login(self) -> None:
        page = self.client.get("/accounts/login/", name="login")
        token = CSRF.search(page.text)
        with self.client.post("/accounts/login/", name="login", catch_response=True, data={
                "username": self.username, "password": WORLD["password"],
                "csrfmiddlewaretoken": token.group(1) if token else ""}) as answer:
            if answer.status_code != 200 or "/accounts/login/" in answer.url:
                answer.failure(f"login of {self.username} refused")

    def page(self, path: str, name: str):
        return self.client.get(path, name=name)


class Clerk(Person):
    def on_start(self):
        account = WORLD["clerks"][next(_clerks) % len(WORLD["clerks"])]
        self.username = account["username"]
        self.queue = list(account["projects"])
        self.project = None
        self.saves_left = 0
        self.mine = {}  # indicator id → the value last acknowledged
        self.spent = {}  # project id → the money spent last acknowledged
        self.versions, self.token = {}, ""
        self.submits = 0
        self.login()

    def read(self, response) -> str:
        text = response.text
        self.versions = {name: value or "" for name, value in VERSION.findall(text)}
        token = CSRF.search(text)
        self.token = token.group(1) if token else self.token
        return text

    @task
    def step(self):
        if self.project is None:
            if not self.queue:  # every project submitted: the clerk only looks now
                self.page(f"/?period={PERIOD}", "home")
                return
            self.project = self.queue.pop(0)
            self.saves_left = SAVES
            self.page(f"/?period={PERIOD}", "home")
            self.read(self.page(self.url, "project"))
        elif self.saves_left or not self.complete():
            self.save()
            self.saves_left = max(0, self.saves_left - 1)
        else:
            self.submit()
            self.project = None

    def complete(self) -> bool:
        """Everything acknowledged: a submit then posts exactly what is saved."""
        return self.project in self.spent and all(
            i in self.mine for i in WORLD["indicators"][str(self.project)])

    @property
    def url(self) -> str:
        return f"/projects/{self.project}/?period={PERIOD}"

    def form(self, change: int | None) -> tuple[dict, dict, str]:
        """The page's form as a browser posts it: every indicator's value (`change` of them
        new, all on the first save) and the money spent, with the versions shown."""
        ids = WORLD["indicators"][str(self.project)]
        new = ids if change is None or not all(i in self.mine for i in ids) else random.sample(
            ids, min(change, len(ids)))
        values = {i: self.mine.get(i) for i in ids}
        changed = {}
        for i in new:
            value = str(Decimal(random.randint(10000, 11500)) / 100)
            if value != values[i]:
                changed[i] = value
            values[i] = value
        spent = self.spent.get(self.project)
        while change != 0 and spent == self.spent.get(self.project):
            spent = str(Decimal(random.randint(9500, 10000)) / 100)
        data = {"csrfmiddlewaretoken": self.token, "period": PERIOD,
                "p-version": self.versions.get("p", ""), "p-spent": spent, "p-spent_reason": ""}
        for i, value in values.items():
            data[f"i{i}-version"] = self.versions.get(f"i{i}", "")
            data[f"i{i}-actual_value"] = value
            data[f"i{i}-explanation"] = ""
            data[f"i{i}-corrective_measures"] = ""
        return data, changed, spent

    def post(self, data: dict, name: str):
        return self.client.post(self.url, data=data, name=name, allow_redirects=False)

    def save(self):
        data, changed, spent = self.form(3)
        answer = self.post(data, "save")
        if answer.status_code != 302:
            return
        text = self.read(self.page(self.url, "project"))
        if SAVED in text:
            self.mine.update(changed)
            self.spent[self.project] = spent
            _ack("save", self.username, self.project, values=changed, spent=spent)

    def submit(self):
        data, changed, spent = self.form(0)
        data["action"] = "submit"
        self.submits += 1
        if SUBMIT_TWICE_EVERY and self.submits % SUBMIT_TWICE_EVERY == 0:
            # a double click: the same form posted twice at once; one submit must result
            calls = [gevent.spawn(self.post, data, "submit") for _ in range(2)]
            gevent.joinall(calls)
            answers = [c.value for c in calls]
        else:
            answers = [self.post(data, "submit")]
        if not any(a is not None and a.status_code == 302 for a in answers):
            return
        text = self.read(self.page(self.url, "project"))
        # after a double click the messages cookie holds one answer's message (the second
        # answer, "already submitted", may replace the first's): the page's status then says it
        if os.environ.get("LOAD_DEBUG"):
            (OUT / f"submit-{self.project}.html").write_text(text + repr(data), encoding="utf-8")
        if SUBMITTED in text or (len(answers) > 1 and IS_SUBMITTED in text):
            _ack("submit", self.username, self.project, double=len(answers) > 1)


class Reviewer(Person):
    def on_start(self):
        self.username = WORLD["reviewers"][next(_reviewers) % len(WORLD["reviewers"])]
        self.login()

    @task
    def approve_one(self):
        listing = self.page(f"/?period={PERIOD}&status=submitted", "home")
        waiting = sorted(set(PROJECT_LINK.findall(listing.text)))
        if not waiting:
            return
        project = random.choice(waiting)
        url = f"/projects/{project}/?period={PERIOD}"
        text = self.page(url, "project").text
        form = re.search(r'action="/projects/\d+/approve/[^"]*".*?</form>', text, re.S)
        if not form:
            return
        version = re.search(r'name="version" value="(\d+)"', form.group(0))
        token = CSRF.search(form.group(0)) or CSRF.search(text)
        answer = self.client.post(f"/projects/{project}/approve/", name="approve",
                                  allow_redirects=False, data={
                                      "csrfmiddlewaretoken": token.group(1) if token else "",
                                      "period": PERIOD,
                                      "version": version.group(1) if version else ""})
        if answer.status_code == 302 and APPROVED in self.page(url, "project").text:
            _ack("approve", self.username, int(project))


class Finance(Person):
    def on_start(self):
        self.username = WORLD["finance"][next(_finance) % len(WORLD["finance"])]
        self.login()

    @task
    def overview(self):
        self.page(f"/dashboard/?period={PERIOD}", "overview")


# how many of each (load.py sets them per run): reviewers and finance fixed, clerks the rest
Reviewer.fixed_count = int(os.environ.get("LOAD_REVIEWERS", "1"))
Finance.fixed_count = int(os.environ.get("LOAD_FINANCE", "1"))
