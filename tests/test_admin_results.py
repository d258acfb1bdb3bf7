"""Admin of 结果应用: the rules editable in the list, the suggestions read-only."""

import pytest
from django.urls import reverse

from tests.factories import BudgetSuggestionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_rules_list_is_editable(admin_client):
    html = admin_client.get(reverse("admin:performance_suggestionrule_changelist")).content
    assert b"form-0-rate" in html


def test_suggestions_are_read_only_with_filters(admin_client):
    suggestion = BudgetSuggestionFactory(override_action="keep", override_reason="理由")
    response = admin_client.get(reverse("admin:performance_budgetsuggestion_changelist"),
                                {"overridden": "yes"})
    assert suggestion.project.name in response.content.decode()
    change = admin_client.get(reverse("admin:performance_budgetsuggestion_change",
                                      args=[suggestion.pk]))
    assert change.status_code == 200 and b'name="_save"' not in change.content
    assert admin_client.get(reverse("admin:performance_budgetsuggestion_add")).status_code == 403
