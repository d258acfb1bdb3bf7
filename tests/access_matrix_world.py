"""The data the access matrix (tests/test_access_matrix.py) asks its questions about: two units
in two departments, and one object of every kind the URL conf names, each belonging to unit A
(or started by A's filler). Built once per module from tests/factories.py."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import TokenScope
from accounts.tokens import create_token, revoke_token
from budget.models import Membership, Role
from performance.models import (
    CheckStatus,
    Evidence,
    ExplanationRequest,
    ReportJob,
    ReportJobStatus,
)
from tests.adjust_setup import change_targets
from tests.entry_setup import UNUSABLE
from tests.factories import (
    AnnualGoalFactory,
    BudgetSuggestionFactory,
    CheckBatchFactory,
    CheckedProjectFactory,
    DepartmentFactory,
    ImportJobFactory,
    IndicatorFactory,
    IndicatorRecordFactory,
    MembershipFactory,
    MonitoringPeriodFactory,
    NoticeFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    RectificationFactory,
    UnitFactory,
    UserFactory,
)

EVIDENCE_BYTES = b"%PDF-1.4\n% access matrix\n"
ZIP = b"PK\x05\x06" + b"\0" * 18  # an empty zip archive
ROLES = ("anonymous", "filler_a", "filler_b", "reviewer_a", "department", "finance", "staff",
         "superuser")


@dataclass
class World:
    users: dict
    unit_a: object
    unit_b: object
    project_a: object
    project_a2: object
    project_b: object
    final: object
    monitoring: object
    version: object
    batch: object
    checked_done: object
    explanation: object
    evidence: object
    rectification: object
    report_job: object
    notice: object
    import_job: object
    suggestion: object
    tokens: dict  # role → {"read_write"/"read"/"revoked": plaintext of a token of its user}
    own_token: object  # a token of A's filler, for the revoke page


def _user(name, **extra):
    return UserFactory(username=f"matrix-{name}", first_name=name, password=UNUSABLE, **extra)


def _member(name, unit, role):
    user = _user(name)
    MembershipFactory(user=user, unit=unit, role=role)
    return user


def _project(unit):
    project = ProjectFactory(unit=unit, budget_amount=Decimal("100.00"))
    AnnualGoalFactory(project=project)
    for _ in range(2):
        IndicatorFactory(project=project, weight=Decimal(45), target_value=Decimal(100))
    return project


def _records(project, *periods):
    for period in periods:
        ProjectRecordFactory(project=project, period=period)
        for indicator in project.indicators.all():
            IndicatorRecordFactory(indicator=indicator, period=period)


def _tokens(user) -> dict[str, str]:
    """The plaintexts of a read-write, a read-only and a revoked token of `user`."""
    made = {scope: create_token(user, f"matrix {scope}", scope, 30)
            for scope in (TokenScope.READ_WRITE, TokenScope.READ)}
    revoked = create_token(user, "matrix revoked", TokenScope.READ_WRITE, 30)
    revoke_token(revoked.token, user)
    return {**{scope: new.plaintext for scope, new in made.items()},
            "revoked": revoked.plaintext}


def build_world() -> World:
    department_a = DepartmentFactory(code="342", name="广元市人力资源和社会保障局")
    department_b = DepartmentFactory(code="343", name="广元市教育局")
    unit_a = UnitFactory(department=department_a, name="矩阵单位甲")
    unit_b = UnitFactory(department=department_b, name="矩阵单位乙")
    users = {
        "anonymous": None,
        "filler_a": _member("filler_a", unit_a, Role.FILLER),
        "filler_b": _member("filler_b", unit_b, Role.FILLER),
        "reviewer_a": _member("reviewer_a", unit_a, Role.UNIT_REVIEWER),
        "department": _user("department"),
        "finance": _member("finance", None, Role.FINANCE_REVIEWER),
        "staff": _user("staff", is_staff=True),
        "superuser": _user("superuser", is_staff=True, is_superuser=True),
    }
    Membership.objects.create(user=users["department"], department=department_a,
                              role=Role.DEPARTMENT_REVIEWER)
    project_a, project_a2, project_b = _project(unit_a), _project(unit_a), _project(unit_b)
    final, monitoring = PeriodFactory(), MonitoringPeriodFactory()
    for project in (project_a, project_a2, project_b):
        _records(project, final, monitoring)
    first = project_a.indicators.order_by("position").first()
    version = change_targets(project_a, users["filler_a"],
                             {first.id: {"target_value": Decimal(120)}})
    batch = CheckBatchFactory(period=final)
    now = timezone.now()
    checked_done = CheckedProjectFactory(batch=batch, project=project_a, status=CheckStatus.DONE,
                                         conclusion="复核结论：基本属实", concluded_at=now)
    checked_open = CheckedProjectFactory(batch=batch, project=project_a2,
                                         status=CheckStatus.IN_PROGRESS)
    explanation = ExplanationRequest.objects.create(
        checked=checked_open, question="请说明培训人次的来源", asked_by=users["finance"],
        asked_at=now)
    evidence = Evidence.objects.create(
        project=project_a, period=final, file=ContentFile(EVIDENCE_BYTES, name="验收报告.pdf"),
        name="验收报告.pdf", content_type="application/pdf", kind="pdf",
        size=len(EVIDENCE_BYTES), sha256=hashlib.sha256(EVIDENCE_BYTES).hexdigest(),
        uploaded_by=users["filler_a"], uploaded_at=now)
    report_job = ReportJob.objects.create(
        unit=unit_a, period=final, created_by=users["filler_a"], status=ReportJobStatus.DONE,
        total=1, done=1, file=ContentFile(ZIP, name="reports.zip"),
        finished_at=now)
    return World(
        users=users, unit_a=unit_a, unit_b=unit_b, project_a=project_a, project_a2=project_a2,
        project_b=project_b, final=final, monitoring=monitoring, version=version, batch=batch,
        checked_done=checked_done, explanation=explanation, evidence=evidence,
        rectification=RectificationFactory(project=project_a, period=final,
                                           deadline=datetime.date(2026, 6, 30)),
        report_job=report_job,
        notice=NoticeFactory(recipient=users["filler_a"]),
        import_job=ImportJobFactory(created_by=users["filler_a"], period=final,
                                    unit_codes=[unit_a.code]),
        suggestion=BudgetSuggestionFactory(project=project_a, period=final),
        tokens={role: _tokens(user) for role, user in users.items() if user is not None},
        own_token=create_token(users["filler_a"], "matrix own", TokenScope.READ, 30).token,
    )
