"""Production mode must pass `check --deploy` cleanly and refuse to start half-configured."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    # Only what production would have: no test-run leftovers such as DJANGO_ALLOW_ASYNC_UNSAFE.
    dropped = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def test_production_mode_passes_check_deploy_without_warnings():
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        APP_ENV="production",
        SECRET_KEY="x7#kq2!vLr9@pZ4w$Tn8^bYc6&Jm3*Hs5(Gd1)Fe0+Aa-Ux_Wi=Ko~Qj",
        ALLOWED_HOSTS="jxt.example.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_requires_a_secret_key():
    result = manage("check", APP_ENV="production", ALLOWED_HOSTS="jxt.example.gov.cn")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_requires_allowed_hosts():
    result = manage("check", APP_ENV="production", SECRET_KEY="k" * 60)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_settings_use_chinese_and_shanghai_time(settings):
    assert (settings.LANGUAGE_CODE, settings.TIME_ZONE, settings.USE_TZ) == ("zh-hans", "Asia/Shanghai", True)


def test_migrations_are_complete(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_cache_is_shared_through_redis_when_cache_url_is_set():
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    shared = manage("shell", "--no-imports", "-c", code, CACHE_URL="redis://127.0.0.1:6379/3")
    local = manage("shell", "--no-imports", "-c", code, CACHE_URL="")
    assert shared.stdout.strip().splitlines()[-1] == "django.core.cache.backends.redis.RedisCache"
    assert local.stdout.strip().splitlines()[-1] == "django.core.cache.backends.locmem.LocMemCache"


def test_postgresql_binds_parameters_on_the_server_unless_turned_off():
    code = ("from django.conf import settings; "
            "print(settings.DATABASES['default']['OPTIONS'].get('server_side_binding'))")
    url = "postgres://jxt:secret@127.0.0.1:5432/jxt"
    on = manage("shell", "--no-imports", "-c", code, DATABASE_URL=url)
    off = manage("shell", "--no-imports", "-c", code, DATABASE_URL=url,
                 DATABASE_SERVER_SIDE_BINDING="0")
    assert on.stdout.strip().splitlines()[-1] == "True", on.stderr
    assert off.stdout.strip().splitlines()[-1] == "False", off.stderr


def test_evidence_goes_to_s3_when_evidence_storage_is_s3():
    code = ("from django.conf import settings; e = settings.STORAGES['evidence']; "
            "from django.core.files.storage import storages; "
            "print(e['BACKEND'], e['OPTIONS'].get('bucket_name'), e['OPTIONS'].get('default_acl'), "
            "type(storages['evidence']).__name__)")
    s3 = manage("shell", "--no-imports", "-c", code, EVIDENCE_STORAGE="s3",
                EVIDENCE_S3_BUCKET="jxt-evidence")
    local = manage("shell", "--no-imports", "-c", code, EVIDENCE_STORAGE="")
    assert s3.stdout.strip().splitlines()[-1] == (
        "storages.backends.s3.S3Storage jxt-evidence private S3Storage"), s3.stderr
    assert local.stdout.strip().splitlines()[-1].startswith(
        "django.core.files.storage.FileSystemStorage"), local.stderr
