"""The password policy (accounts.passwords, docs/security.md): length, character classes and
no reuse of the last PASSWORD_HISTORY_COUNT passwords."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import PasswordHistory
from accounts.passwords import CharacterClassValidator, PasswordHistoryValidator
from tests.factories import UserFactory

CLASSES_MESSAGE = "密码须包含大写字母、小写字母、数字、符号中的至少 3 类。"


@pytest.fixture(autouse=True)
def fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PASSWORD_HISTORY_COUNT = 5


def messages(password, user=None) -> list[str]:
    try:
        with translation.override("zh-hans"):
            validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.mark.parametrize("password", ["alllowercase-only", "ALLUPPER2026", "jixiaotong2026"])
def test_a_password_of_two_classes_is_refused_in_chinese(password):
    with pytest.raises(ValidationError) as error:
        CharacterClassValidator(min_classes=3).validate(password)
    assert error.value.messages == [CLASSES_MESSAGE]


@pytest.mark.parametrize("password", ["Jixiao2026", "jixiao-2026", "JIXIAO-2026", "Jx-绩效通"])
def test_a_password_of_three_classes_passes(password):
    CharacterClassValidator(min_classes=3).validate(password)


def test_chinese_characters_count_for_no_class():
    with pytest.raises(ValidationError):
        CharacterClassValidator(min_classes=2).validate("绩效通绩效通绩效通1")


@pytest.mark.django_db
def test_the_configured_policy_refuses_short_and_simple_passwords():
    assert "密码太短，至少需要 10 个字符。" in messages("Ab1-x")
    assert CLASSES_MESSAGE in messages("abcdefghijkl")
    assert messages("Jixiao-2026-Q1") == []


@pytest.mark.django_db
def test_saving_a_new_password_keeps_its_hash_in_the_history():
    user = UserFactory()
    user.set_password("Jixiao-2026-a")
    user.save()
    assert list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True)) \
        == [user.password]


@pytest.mark.django_db
def test_only_the_last_n_passwords_are_kept():
    user = UserFactory()
    for n in range(8):
        user.set_password(f"Jixiao-2026-{n}")
        user.save()
    assert PasswordHistory.objects.filter(user=user).count() == 5


@pytest.mark.django_db
def test_one_of_the_last_five_passwords_is_refused_an_older_one_is_not():
    user = UserFactory()
    for n in range(7):
        user.set_password(f"Jixiao-2026-{n}")
        user.save()
    validator = PasswordHistoryValidator(count=5)
    for n in (2, 4, 6):
        with pytest.raises(ValidationError) as error:
            validator.validate(f"Jixiao-2026-{n}", user)
        assert error.value.messages == ["新密码不能与最近 5 次使用过的密码相同。"]
    validator.validate("Jixiao-2026-1", user)  # the sixth last: allowed again
    validator.validate("Jixiao-2026-new", user)


@pytest.mark.django_db
def test_the_current_password_is_refused_without_any_history():
    user = UserFactory()  # hashed by the factory: no history row
    with pytest.raises(ValidationError):
        PasswordHistoryValidator(count=5).validate("pw-for-tests", user)


def test_a_new_user_has_no_history_to_compare():
    PasswordHistoryValidator(count=5).validate("Jixiao-2026", None)


@pytest.mark.django_db
def test_the_password_page_refuses_a_reused_password_in_chinese():
    user = UserFactory()
    for password in ("Jixiao-2026-a", "Jixiao-2026-b"):
        user.set_password(password)
        user.save()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": "Jixiao-2026-b", "new_password1": "Jixiao-2026-a",
        "new_password2": "Jixiao-2026-a"})
    assert response.status_code == 200
    assert "新密码不能与最近 5 次使用过的密码相同。" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("Jixiao-2026-b")


@pytest.mark.django_db
def test_the_password_page_says_a_password_is_too_short_in_chinese():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": "pw-for-tests", "new_password1": "Jx-2026", "new_password2": "Jx-2026"})
    assert "密码太短，至少需要 10 个字符。" in response.content.decode()


@pytest.mark.django_db
def test_the_password_page_refuses_too_few_classes_and_names_the_rule():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    page = client.get(reverse("password_change")).content.decode()
    assert CLASSES_MESSAGE in page  # the help text
    response = client.post(reverse("password_change"), {
        "old_password": "pw-for-tests", "new_password1": "jixiaotongmima",
        "new_password2": "jixiaotongmima"})
    assert CLASSES_MESSAGE in response.content.decode()


@pytest.mark.django_db
def test_a_changed_password_on_the_page_is_remembered():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.post(reverse("password_change"), {
        "old_password": "pw-for-tests", "new_password1": "Jixiao-2026-x",
        "new_password2": "Jixiao-2026-x"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert PasswordHistory.objects.filter(user=user, password=user.password).exists()
