import pytest
from django.core.cache import cache

from performance.seed import load_seed


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: ids and frozen times repeat between tests, so a
    page cached by one test could otherwise match another's data version."""
    cache.clear()


@pytest.fixture(autouse=True)
def evidence_in_memory(settings):
    """Evidence files go to memory, never to MEDIA_ROOT (docs/evidence.md)."""
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.fixture
def seeded(db):
    """The seed's 2025 budget of 342601 and its 表13 targets."""
    return load_seed()


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests")
