"""performance.services.rectification: raising (once per source), every step, refusals."""

import datetime

import pytest

from performance.models import Notice, Rectification
from performance.services.rectification import raise_rectification
from tests.factories import PeriodFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_raise_is_idempotent_on_source_key():
    project = ProjectFactory()
    period = PeriodFactory(year=project.year)
    kwargs = dict(project=project, period=period, source="red_light", problem="进度滞后",
                  required_action="说明原因", deadline=datetime.date(2026, 9, 30),
                  source_key=f"red:{period.pk}:1")
    item, created = raise_rectification(**kwargs)
    again, created_again = raise_rectification(**kwargs)
    assert created and not created_again
    assert again.pk == item.pk
    assert Rectification.objects.count() == 1
    assert item.history.count() == 1
    assert Notice.objects.count() == 0
