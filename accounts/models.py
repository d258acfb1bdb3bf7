"""The security audit log (安全审计日志, docs/security.md), the password history that the
password policy reads to refuse reusing one of the last N passwords, and the personal API
tokens (docs/api.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "登录成功"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOCKOUT = "lockout", "账号锁定"
    LOGOUT = "logout", "退出登录"
    SESSION_EXPIRED = "session_expired", "会话超时"
    PASSWORD_CHANGED = "password_changed", "修改密码"
    EXPORT = "export", "导出"
    IMPORT = "import", "导入"
    PERIOD_LOCK = "period_lock", "期间锁定"
    PERIOD_UNLOCK = "period_unlock", "期间解锁"
    ROLE_CHANGE = "role_change", "角色变更"
    ADMIN_CHANGE = "admin_change", "后台修改"
    ACCESS_DENIED = "access_denied", "越权访问"
    TOKEN_CREATED = "token_created", "创建 API 令牌"
    TOKEN_REVOKED = "token_revoked", "吊销 API 令牌"


class SecurityEvent(models.Model):
    """One security-relevant event: who (the account, and the name typed when there is no
    account), from where (IP), when, what. Rows are only added and, after the retention period
    (AUDIT_LOG_RETENTION_DAYS), pruned; the admin shows them read-only."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    kind = models.CharField("事件", max_length=20, choices=SecurityEventKind.choices,
                            db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    username = models.CharField("用户名", max_length=150, blank=True, db_index=True,
                                help_text="登录时输入的用户名；账号删除后仍保留")
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    path = models.CharField("地址", max_length=300, blank=True)
    target = models.CharField("对象", max_length=300, blank=True)
    detail = models.TextField("详情", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "安全审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"


class PasswordHistory(models.Model):
    """A password hash a user had (the current one included), newest first."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户",
                             on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class TokenScope(models.TextChoices):
    READ = "read", "只读"
    READ_WRITE = "read_write", "读写"


class ApiToken(models.Model):
    """A personal API token: a program acts with exactly its owner's memberships (docs/api.md).

    Only the SHA-256 digest of the token is kept (the token is 256 random bits, so a fast hash
    is enough: no one can guess their way back); the owner sees the token once, when it is
    created. `prefix` (the first characters) tells tokens apart in lists."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="所有人",
                             on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=100, help_text="用途，如“预算一体化系统同步”")
    prefix = models.CharField("前缀", max_length=16, db_index=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    scope = models.CharField("权限范围", max_length=10, choices=TokenScope.choices,
                             default=TokenScope.READ)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    last_used_ip = models.GenericIPAddressField("最近使用 IP", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="吊销人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="api_token_expires_after_creation",
                                   violation_error_message="到期时间须晚于创建时间。"),
        ]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def writes(self) -> bool:
        return self.scope == TokenScope.READ_WRITE

    def state(self, now=None) -> str:
        """有效 / 已过期 / 已吊销, as the lists show it."""
        if self.revoked_at is not None:
            return "已吊销"
        if self.expires_at <= (now or timezone.now()):
            return "已过期"
        return "有效"
