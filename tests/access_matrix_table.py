"""The access matrix: for every URL the URL conf names, how to call it and what each role must
get (tests/test_access_matrix.py walks the URL conf and checks each answer against this table).

Outcomes: OK — allowed: any answer but 403, 404 and a redirect to a login page (200, a 302
elsewhere, a 400 or 200 with form errors for an empty POST, a 409 for a step the record's status
does not allow); DENIED — 403 or 404 (the access helper answers 404 for an object the user may
not see, so its existence is not disclosed; a role-level refusal may be a 403); LOGIN — a 302 to
the login page (the site's or the admin's), or for the API (/api/v1/) a 401 naming the Bearer
scheme: a program is told to authenticate, not sent to a page.

The API's URLs are called as a program calls them, with a personal read-write token of the
role's user (`Authorization: Bearer …`), a JSON body where the endpoint reads one and the
current ETag as If-Match where it requires one, so what answers is the access rule and not a
missing precondition.

Every object belongs to unit A (or was started by A's filler, or is addressed to A's filler);
filler_b fills unit B in another department; department is the 主管部门审核人 of A's
department; staff is a staff account without any permission or membership."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

OK, DENIED, LOGIN = "OK", "DENIED", "LOGIN"


def _row(anonymous, filler_a, filler_b, reviewer_a, department, finance, staff, superuser):
    return {"anonymous": anonymous, "filler_a": filler_a, "filler_b": filler_b,
            "reviewer_a": reviewer_a, "department": department, "finance": finance,
            "staff": staff, "superuser": superuser}


# anonymous  filler_a  filler_b  reviewer_a  department  finance  staff  superuser
PUBLIC = _row(OK, OK, OK, OK, OK, OK, OK, OK)
SIGNED_IN = _row(LOGIN, OK, OK, OK, OK, OK, OK, OK)
MEMBERS = _row(LOGIN, OK, OK, OK, OK, OK, DENIED, OK)  # any role anywhere; own data only
UNIT_A = _row(LOGIN, OK, DENIED, OK, OK, OK, DENIED, OK)  # who sees unit A
FINANCE = _row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK, DENIED, OK)
FILLERS = _row(LOGIN, OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED)
STARTER = _row(LOGIN, OK, DENIED, DENIED, DENIED, OK, DENIED, OK)  # A's filler's own job
RECIPIENT = _row(LOGIN, OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED)  # A's filler's notice
ADMIN_PAGE = _row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, DENIED, OK)  # a model admin page
ADMIN_INDEX = _row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, OK, OK)
LOGGED_OUT = _row(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN)  # ends on the login page
FILLER_A = _row(LOGIN, OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED)  # A's filler's act
DECIDERS = _row(LOGIN, DENIED, DENIED, DENIED, DENIED, OK, DENIED, OK)  # finance decides for A
REVIEWERS_A = _row(LOGIN, DENIED, DENIED, OK, OK, OK, DENIED, OK)  # A's reviewers and finance


def but(base: dict, **changes) -> dict:
    return {**base, **changes}


@dataclass(frozen=True)
class Entry:
    """How to call one URL: its kwargs and query string from the World, the methods to try
    (an empty POST for a POST-only endpoint) and the expected outcome per role. `state`:
    what an empty POST could change (a value read from the database); only the roles in
    `may_change` may change it. `xfail`: {role: reason} for answers known to be wrong (the
    test expects the secure one)."""

    expect: dict
    kwargs: Callable = lambda w: {}  # or a tuple of positional arguments
    query: Callable = lambda w: ""
    methods: tuple = ("get",)
    state: Callable | None = None
    may_change: frozenset = frozenset()
    xfail: dict = field(default_factory=dict)
    body: Callable | None = None  # the JSON body of an API write
    headers: Callable = lambda w: {}  # request headers as the test client's keyword arguments


def project(w):
    return {"pk": w.project_a.pk}


def unit(w):
    return {"unit_code": w.unit_a.code}


def final(w):
    return f"period={w.final.code}"


def final_year(w):
    return f"period={w.final.code}&year={w.final.year}"


def record_status(w):
    from performance.models import ProjectRecord

    return ProjectRecord.objects.get(project=w.project_a, period=w.final).status


def evidence_kept(w):
    from performance.models import Evidence

    return Evidence.objects.filter(pk=w.evidence.pk).exists()


def notice_unread(w):
    from performance.models import Notice

    return Notice.objects.filter(pk=w.notice.pk, read_at__isnull=True).exists()


def period_status(w):
    from performance.models import ReportingPeriod

    return ReportingPeriod.objects.get(pk=w.final.pk).status


def check_status(w):
    from performance.models import CheckedProject

    return CheckedProject.objects.get(pk=w.checked_done.pk).status


def suggestions(w):
    from performance.models import BudgetSuggestion

    return sorted(BudgetSuggestion.objects.values_list("pk", "total", "suggested_amount"))


def rectification_status(w):
    from performance.models import Rectification

    return Rectification.objects.get(pk=w.rectification.pk).status


def import_status(w):
    from performance.models import ImportJob

    return ImportJob.objects.get(pk=w.import_job.pk).status


def report_status(w):
    from performance.models import ReportJob

    return ReportJob.objects.get(pk=w.report_job.pk).status


def token_revoked(w):
    from accounts.models import ApiToken

    return ApiToken.objects.get(pk=w.own_token.pk).revoked_at is not None


def token_count(w):
    from accounts.models import ApiToken

    return ApiToken.objects.count()


def values_versions(w):
    """The versions of project A's values in the final period (what its ETag is made of)."""
    from performance.models import IndicatorRecord, ProjectRecord

    record = ProjectRecord.objects.get(project=w.project_a, period=w.final)
    return (record.version, record.status, sorted(IndicatorRecord.objects.filter(
        period=w.final, indicator__project=w.project_a).values_list("pk", "version")))


def import_jobs(w):
    from performance.models import ImportJob

    return ImportJob.objects.count()


def if_match(w):
    """The current ETag of project A's values in the final period."""
    from api.etags import etag
    from performance.services.api_values import read_values

    return {"HTTP_IF_MATCH": etag(read_values(w.users["superuser"], w.project_a, w.final).versions)}


def values(w):
    return (w.final.code, w.project_a.pk)


def step(expect, may_change=frozenset()):
    """A workflow step on project A's values in the final period (POST, If-Match, a reason)."""
    return Entry(expect, kwargs=values, methods=("post",), headers=if_match,
                 body=lambda w: {"reason": "矩阵测试"}, state=values_versions,
                 may_change=may_change)


NOBODY, FINANCE_ROLES = frozenset(), frozenset({"finance", "superuser"})
GET, POST, BOTH = ("get",), ("post",), ("get", "post")
# anonymous  filler_a  filler_b  reviewer_a  department  finance  staff  superuser
OWNER = RECIPIENT  # A's filler's own API token
UNIT_REVIEW = _row(LOGIN, DENIED, DENIED, OK, DENIED, OK, DENIED, OK)  # 单位审核: approve, return
DEPARTMENT_REVIEW = _row(LOGIN, DENIED, DENIED, DENIED, OK, OK, DENIED, OK)  # 主管部门审核

TABLE: dict[str, Entry] = {
    # -- the site's own pages outside the apps
    "favicon": Entry(PUBLIC),
    "login": Entry(PUBLIC),
    "logout": Entry(LOGGED_OUT, methods=POST),
    "password_change": Entry(SIGNED_IN),
    "password_change_done": Entry(SIGNED_IN),
    # 我的 API 令牌: anyone signed in keeps their own tokens; another's is 404
    "api_tokens": Entry(SIGNED_IN, methods=BOTH, state=token_count, may_change=NOBODY),
    "api_token_revoke": Entry(OWNER, kwargs=lambda w: {"pk": w.own_token.pk}, methods=POST,
                              state=token_revoked, may_change=frozenset({"filler_a"})),
    "/admin/login/": Entry(PUBLIC),
    # -- the admin: its index and the pages the project added (exports, imports)
    "admin:index": Entry(ADMIN_INDEX),
    "admin:performance_indicator_changelist": Entry(ADMIN_PAGE),
    "admin:accounts_securityevent_changelist": Entry(ADMIN_PAGE),  # the security audit log
    "admin:auth_user_changelist": Entry(ADMIN_PAGE),
    "admin:performance_indicator_export": Entry(ADMIN_PAGE),
    "admin:performance_indicator_import": Entry(ADMIN_PAGE),
    "admin:performance_indicator_import_document": Entry(ADMIN_PAGE),
    "admin:performance_indicator_export_document": Entry(ADMIN_PAGE, methods=POST),
    "admin:performance_indicatorrecord_export": Entry(ADMIN_PAGE),
    "admin:performance_indicatorrecord_import": Entry(ADMIN_PAGE),
    "admin:performance_importjob_confirm": Entry(ADMIN_PAGE, kwargs=lambda w: {
        "pk": w.import_job.pk}, methods=POST),
    # -- 填报 (entry)
    "entry:home": Entry(SIGNED_IN),
    "entry:export": Entry(SIGNED_IN),
    "entry:project": Entry(UNIT_A, kwargs=project, query=final, methods=BOTH),
    "entry:preview": Entry(FILLER_A, kwargs=project, query=final, methods=POST),
    "entry:approve": Entry(UNIT_A, kwargs=project, query=final, methods=POST,
        state=record_status, may_change=NOBODY),
    "entry:return": Entry(UNIT_A, kwargs=project, query=final, methods=POST,
        state=record_status, may_change=NOBODY),
    "entry:reopen": Entry(UNIT_A, kwargs=project, query=final, methods=POST,
        state=record_status, may_change=NOBODY),
    "entry:department_approve": Entry(UNIT_A, kwargs=project, query=final, methods=POST,
        state=record_status, may_change=NOBODY),
    "entry:department_return": Entry(UNIT_A, kwargs=project, query=final, methods=POST,
        state=record_status, may_change=NOBODY),
    "entry:template": Entry(UNIT_A, query=lambda w: f"unit={w.unit_a.code}&{final(w)}"),
    "entry:upload": Entry(FILLERS, methods=POST,
        state=record_status, may_change=NOBODY),
    "entry:upload_status": Entry(STARTER, kwargs=lambda w: {"pk": w.import_job.pk}),
    "entry:upload_retry": Entry(FILLER_A, kwargs=lambda w: {"pk": w.import_job.pk},
                                methods=POST, state=import_status, may_change=NOBODY),
    # -- 目标审核 (review)
    "review:index": Entry(SIGNED_IN),
    "review:project_result": Entry(DECIDERS, kwargs=project, methods=POST),
    "review:project_signoff": Entry(REVIEWERS_A, kwargs=project, methods=POST),
    "review:unit": Entry(UNIT_A, kwargs=lambda w: {"unit_code": w.unit_a.code, "year": 2025}),
    "review:export": Entry(UNIT_A, kwargs=lambda w: {"unit_code": w.unit_a.code, "year": 2025}),
    "review:accept": Entry(DECIDERS, kwargs=lambda w: {"unit_code": w.unit_a.code, "year": 2025},
                           methods=POST),
    "review:reopen": Entry(DECIDERS, kwargs=lambda w: {"unit_code": w.unit_a.code, "year": 2025},
                           methods=POST),
    # -- 监控看板 (dashboard)
    "dashboard:overview": Entry(MEMBERS, query=final),  # a unit's member goes to its own,
    "dashboard:refresh": Entry(FINANCE, methods=POST),
    "dashboard:unit": Entry(UNIT_A, kwargs=unit, query=final),
    "dashboard:report_xlsx": Entry(UNIT_A, kwargs=unit, query=final),
    "dashboard:report_print": Entry(UNIT_A, kwargs=unit, query=final),
    "dashboard:project_report_xlsx": Entry(UNIT_A, kwargs=project, query=final),
    "dashboard:project_report_print": Entry(UNIT_A, kwargs=project, query=final),
    "dashboard:api_execution": Entry(FINANCE, query=final),
    "dashboard:api_grades": Entry(FINANCE, query=final),
    "dashboard:api_heatmap": Entry(FINANCE, query=final),
    # -- 通知 (notices)
    "notices:list": Entry(SIGNED_IN),
    "notices:detail": Entry(RECIPIENT, kwargs=lambda w: {"pk": w.notice.pk}),
    "notices:read": Entry(RECIPIENT, kwargs=lambda w: {"pk": w.notice.pk}, methods=POST,
        state=notice_unread, may_change=frozenset({"filler_a"})),
    "notices:read_all": Entry(SIGNED_IN, methods=POST,
        state=notice_unread, may_change=frozenset({"filler_a"})),
    # -- 期间 (periods)
    "periods:detail": Entry(FINANCE, kwargs=lambda w: {"code": w.final.code}),
    "periods:lock": Entry(FINANCE, kwargs=lambda w: {"code": w.final.code}, methods=POST,
        state=period_status, may_change=NOBODY),
    "periods:unlock": Entry(FINANCE, kwargs=lambda w: {"code": w.final.code}, methods=POST,
        state=period_status, may_change=NOBODY),
    "periods:unlock_unit": Entry(FINANCE, kwargs=lambda w: {"code": w.final.code},
                                 methods=POST),
    "periods:relock_unit": Entry(FINANCE, kwargs=lambda w: {"code": w.final.code,
                                                            "unit_code": w.unit_a.code},
                                 methods=POST),
    # -- 目标调整 (adjustments)
    "adjustments:queue": Entry(SIGNED_IN),
    "adjustments:pending": Entry(SIGNED_IN),
    "adjustments:propose": Entry(UNIT_A, kwargs=project, methods=BOTH),
    "adjustments:versions_xlsx": Entry(UNIT_A, kwargs=project),
    "adjustments:midyear": Entry(UNIT_A, kwargs=unit, methods=BOTH),
    "adjustments:detail": Entry(UNIT_A, kwargs=lambda w: {"pk": w.version.pk}),
    "adjustments:step": Entry(UNIT_A, kwargs=lambda w: {"pk": w.version.pk,
                                                        "action": "submit"}, methods=POST),
    # -- 抽查复核 (checks)
    "checks:batches": Entry(FINANCE),
    "checks:draw": Entry(FINANCE, methods=BOTH),
    "checks:batch": Entry(FINANCE, kwargs=lambda w: {"pk": w.batch.pk}),
    "checks:batch_export": Entry(FINANCE, kwargs=lambda w: {"pk": w.batch.pk}),
    "checks:overview": Entry(FINANCE, query=final),
    "checks:overview_export": Entry(FINANCE, query=final),
    "checks:check": Entry(UNIT_A, kwargs=lambda w: {"pk": w.checked_done.pk}),
    "checks:check_save": Entry(UNIT_A, kwargs=lambda w: {"pk": w.checked_done.pk},
                               methods=POST,
        state=check_status, may_change=NOBODY),
    "checks:check_ask": Entry(UNIT_A, kwargs=lambda w: {"pk": w.checked_done.pk},
                              methods=POST,
        state=check_status, may_change=NOBODY),
    "checks:check_reopen": Entry(UNIT_A, kwargs=lambda w: {"pk": w.checked_done.pk},
                                 methods=POST,
        state=check_status, may_change=NOBODY),
    "checks:explanation": Entry(UNIT_A, kwargs=lambda w: {"pk": w.explanation.pk},
                                methods=BOTH),
    "checks:explanation_withdraw": Entry(UNIT_A, kwargs=lambda w: {"pk": w.explanation.pk},
                                         methods=POST),
    # -- 佐证材料 (evidence)
    "evidence:upload": Entry(UNIT_A, query=lambda w: f"project={w.project_a.pk}&{final(w)}",
                             methods=POST),
    "evidence:download": Entry(UNIT_A, kwargs=lambda w: {"pk": w.evidence.pk}),
    "evidence:delete": Entry(UNIT_A, kwargs=lambda w: {"pk": w.evidence.pk}, methods=POST,
        state=evidence_kept, may_change=frozenset({"filler_a"})),
    # -- 结果应用 (results)
    "results:list": Entry(MEMBERS, query=final),
    "results:compute": Entry(FINANCE, query=final, methods=POST,
        state=suggestions, may_change=FINANCE_ROLES),
    "results:export": Entry(MEMBERS, query=final),
    "results:override": Entry(FINANCE, kwargs=lambda w: {"pk": w.suggestion.pk},
                              methods=POST,
        state=suggestions, may_change=NOBODY),
    # -- 问题整改 (rectification)
    "rectification:list": Entry(MEMBERS),
    "rectification:export": Entry(MEMBERS),
    "rectification:new": Entry(FINANCE, methods=BOTH),
    "rectification:detail": Entry(UNIT_A, kwargs=lambda w: {"pk": w.rectification.pk}),
    "rectification:act": Entry(UNIT_A, kwargs=lambda w: {"pk": w.rectification.pk,
                                                          "action": "start"}, methods=POST,
        state=rectification_status, may_change=NOBODY),
    # -- 报告 (reports)
    "reports:self_evaluation": Entry(UNIT_A, kwargs=project, query=final),
    "reports:monitoring": Entry(UNIT_A, kwargs=unit, query=lambda w: f"period={w.monitoring.code}"),
    "reports:check": Entry(FINANCE, kwargs=lambda w: {"pk": w.batch.pk}),
    "reports:zip_start": Entry(UNIT_A, kwargs=unit, query=final, methods=POST),
    "reports:job": Entry(UNIT_A, kwargs=lambda w: {"pk": w.report_job.pk}),
    "reports:job_status": Entry(UNIT_A, kwargs=lambda w: {"pk": w.report_job.pk}),
    "reports:job_download": Entry(UNIT_A, kwargs=lambda w: {"pk": w.report_job.pk}),
    "reports:job_retry": Entry(UNIT_A, kwargs=lambda w: {"pk": w.report_job.pk}, methods=POST,
                               state=report_status, may_change=NOBODY),
    # -- the API (/api/v1/, docs/api.md): the pages' rules, 401 instead of the login page
    "api:schema": Entry(SIGNED_IN),
    "api:docs": Entry(SIGNED_IN),
    "api:redoc": Entry(SIGNED_IN),
    "api:unit-list": Entry(SIGNED_IN),
    "api:unit-detail": Entry(UNIT_A, kwargs=lambda w: (w.unit_a.code,)),
    "api:period-list": Entry(SIGNED_IN),
    "api:period-detail": Entry(SIGNED_IN, kwargs=lambda w: (w.final.code,)),
    "api:project-list": Entry(SIGNED_IN, query=lambda w: f"{final(w)}&unit={w.unit_a.code}"),
    "api:project-detail": Entry(UNIT_A, kwargs=lambda w: (w.project_a.pk,), query=final),
    "api:project-target-versions": Entry(UNIT_A, kwargs=lambda w: (w.project_a.pk,)),
    "api:score-list": Entry(UNIT_A, query=lambda w: f"{final(w)}&unit={w.unit_a.code}"),
    "api:light-list": Entry(UNIT_A, query=lambda w: f"period={w.monitoring.code}"
                                                    f"&unit={w.unit_a.code}"),
    "api:finding-list": Entry(UNIT_A, query=lambda w: f"year={w.final.year}"
                                                      f"&unit={w.unit_a.code}"),
    "api:notice-list": Entry(SIGNED_IN),
    "api:notice-detail": Entry(RECIPIENT, kwargs=lambda w: (w.notice.pk,)),
    "api:notice-read": Entry(RECIPIENT, kwargs=lambda w: (w.notice.pk,), methods=POST,
        state=notice_unread, may_change=frozenset({"filler_a"})),
    "api:project-values": Entry(UNIT_A, kwargs=values),
    "api:project-values#patch": Entry(FILLER_A, kwargs=values, methods=("patch",),
        headers=if_match, body=lambda w: {"spent": "12.50"}, state=values_versions,
        may_change=frozenset({"filler_a"})),
    "api:project-submit": step(FILLER_A, may_change=frozenset({"filler_a"})),
    "api:project-approve": step(UNIT_REVIEW),
    "api:project-return": step(UNIT_REVIEW),
    "api:project-department-approve": step(DEPARTMENT_REVIEW),
    "api:project-department-return": step(DEPARTMENT_REVIEW),
    "api:project-reopen": step(FINANCE),
    "api:record-list": Entry(SIGNED_IN, kwargs=lambda w: (w.final.code,)),
    "api:import-list": Entry(SIGNED_IN),
    # an empty upload: a filler is told what is missing, anyone else may not import at all
    "api:import-list#post": Entry(FILLERS, methods=POST, state=import_jobs, may_change=NOBODY),
    "api:import-detail": Entry(STARTER, kwargs=lambda w: (w.import_job.pk,)),
    "api:import-errors": Entry(STARTER, kwargs=lambda w: (w.import_job.pk,)),
}

# The admin's generated model pages are left out of the walk, except the ones named above.
ADMIN_NAMESPACE = "admin:"
# "name#method": a second entry for the same URL, when its methods differ in who may call them
VARIANT = "#"
API_PREFIX = "/api/"
