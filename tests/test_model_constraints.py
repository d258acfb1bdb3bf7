"""The database refuses what must never be stored; the admin says so in words first."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from budget.models import Membership, Role
from performance.domain import Grade, Operator
from performance.models import IndicatorRecord, ProjectRecord, ReportingPeriod, WorkflowStatus
from tests.factories import (
    IndicatorFactory,
    IndicatorRecordFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(build):
    with pytest.raises(IntegrityError), transaction.atomic():
        build()


def test_weight_must_be_positive():
    refused(lambda: IndicatorFactory(weight=Decimal("0")))
    refused(lambda: IndicatorFactory(weight=Decimal("-1")))


def test_grade_target_only_with_qualitative_operator():
    refused(lambda: IndicatorFactory(operator=Operator.GE, target_value=None, target_grade=Grade.EXCELLENT))
    refused(lambda: IndicatorFactory(operator=Operator.QUALITATIVE, target_value=Decimal("1"), target_grade=""))
    refused(lambda: IndicatorFactory(operator=Operator.QUALITATIVE, target_value=None, target_grade=""))
    IndicatorFactory(operator=Operator.QUALITATIVE, target_value=None, target_grade=Grade.EXCELLENT)


def test_quantitative_indicator_needs_a_number():
    refused(lambda: IndicatorFactory(operator=Operator.LE, target_value=None))


def test_indicator_names_are_unique_within_a_project():
    project = ProjectFactory()
    IndicatorFactory(project=project, name="培训人数")
    refused(lambda: IndicatorFactory(project=project, name="培训人数"))
    IndicatorFactory(name="培训人数")  # another project may use the name


def test_one_record_per_indicator_and_period():
    record = IndicatorRecordFactory()
    refused(lambda: IndicatorRecord.objects.create(indicator=record.indicator, period=record.period))


def test_one_record_per_project_and_period():
    record = ProjectRecordFactory()
    refused(lambda: ProjectRecord.objects.create(project=record.project, period=record.period))


def test_actual_is_a_number_or_a_grade_never_both():
    refused(lambda: IndicatorRecordFactory(actual_value=Decimal("1"), actual_grade=Grade.GOOD))


def test_returned_project_record_needs_a_reason():
    refused(lambda: ProjectRecordFactory(status=WorkflowStatus.RETURNED, return_reason=""))
    ProjectRecordFactory(status=WorkflowStatus.RETURNED, return_reason="完成值与佐证材料不符")


def test_spent_and_budget_are_never_negative():
    refused(lambda: ProjectRecordFactory(spent=Decimal("-0.01")))
    refused(lambda: ProjectFactory(budget_amount=Decimal("-1")))


def test_period_cutoff_month_is_a_month_and_self_evaluation_covers_the_year():
    refused(lambda: PeriodFactory(code="2025-13", kind="monitoring", cutoff_month=13))
    refused(lambda: PeriodFactory(code="2025-x", kind="self_evaluation", cutoff_month=7))


def test_locked_period_records_when():
    refused(lambda: ReportingPeriod.objects.create(
        year=2025, code="2025-l", name="x", kind="monitoring", cutoff_month=7, status="locked"
    ))


def test_finance_membership_has_no_unit_and_unit_roles_have_one():
    user = UserFactory()
    refused(lambda: Membership.objects.create(user=user, unit=None, role=Role.FILLER))
    refused(lambda: Membership.objects.create(user=user, unit=UnitFactory(), role=Role.FINANCE_REVIEWER))
    Membership.objects.create(user=user, unit=None, role=Role.FINANCE_REVIEWER)


def test_model_validation_gives_the_chinese_message_before_the_database():
    indicator = IndicatorFactory.build(
        project=ProjectFactory(), weight=Decimal("0"), operator=Operator.QUALITATIVE,
        target_value=Decimal("3"),
    )
    with pytest.raises(ValidationError) as error:
        indicator.full_clean()
    messages = " ".join(error.value.messages)
    assert "权重必须大于 0" in messages
    assert "定性指标的指标值应为等级" in messages
