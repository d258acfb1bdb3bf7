import pytest

from performance.seed import load_seed


@pytest.fixture
def seeded(db):
    """The seed's 2025 budget of 342601 and its 表13 targets."""
    return load_seed()


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests")
