"""The password policy's own validators (settings.AUTH_PASSWORD_VALIDATORS, docs/security.md):
at least N of the four character classes, and none of the user's last N passwords.

Django runs `validate` wherever a password is chosen through a form (the password change page,
the admin's user forms, `changepassword`), and `password_changed` of every validator after a
user with a new password is saved (`User.save` → `password_validation.password_changed`), on
every channel: that is where the history is written."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError

from .audit import SecurityEventKind, current_request, record
from .models import PasswordHistory

CLASSES = ("大写字母", "小写字母", "数字", "符号")


def character_classes(password: str) -> set[str]:
    """Which of the four classes `password` uses. A symbol is any character that is neither a
    letter nor a digit; Chinese characters are letters without case and count for none."""
    found = set()
    for char in password:
        if char.isupper():
            found.add("大写字母")
        elif char.islower():
            found.add("小写字母")
        elif char.isdigit():
            found.add("数字")
        elif not char.isalnum():
            found.add("符号")
    return found


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with its error in Chinese: Django 5.2 changed the message's placeholder and
    its zh-hans catalogue still has the old one, so the page showed it in English."""

    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"


class CharacterClassValidator:
    """At least `min_classes` of upper case, lower case, digits and symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = max(1, min(int(min_classes), len(CLASSES)))

    def message(self) -> str:
        return f"密码须包含{'、'.join(CLASSES)}中的至少 {self.min_classes} 类。"

    def validate(self, password, user=None):
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(self.message(), code="password_too_few_classes")

    def get_help_text(self):
        return self.message()


class PasswordHistoryValidator:
    """Not the current password nor one of the last `count` (PasswordHistory). Each check
    hashes the candidate once per stored password: at most count + 1 hashes, on a change."""

    def __init__(self, count: int = 5):
        self.count = max(0, int(count))

    def validate(self, password, user=None):
        if user is None or user.pk is None or self.count == 0:
            return
        hashes = list(PasswordHistory.objects.filter(user=user)
                      .values_list("password", flat=True)[:self.count])
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)
        if any(check_password(password, encoded) for encoded in hashes if encoded):
            raise ValidationError(
                f"新密码不能与最近 {self.count} 次使用过的密码相同。", code="password_reused")

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        remember(user, self.count)

    def get_help_text(self):
        return f"不能与最近 {self.count} 次使用过的密码相同。"


def remember(user, count: int) -> None:
    """Store the user's current password hash, keep only the newest `count`, and write the
    audit event. Called once per password change (see the module's docstring)."""
    if count > 0 and user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = list(PasswordHistory.objects.filter(user=user)
                     .values_list("pk", flat=True)[count:count + 100])
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()
    actor = getattr(current_request(), "user", None)
    by_other = actor is not None and actor.is_authenticated and actor.pk != user.pk
    record(SecurityEventKind.PASSWORD_CHANGED, user=user, target=user.get_username(),
           detail=f"由 {actor.get_username()} 设置" if by_other else "")
