"""Production mode must pass `check --deploy` cleanly (with the CSP and axes), refuse to start
half-configured, and serve its pages and static files once `collectstatic` has run (the
sequence of docs/deployment.md and `make production`)."""

import json
import os
import subprocess
import sys
import textwrap
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
    # a Redis cache that degrades to a miss when it cannot be reached (config/cache.py)
    assert shared.stdout.strip().splitlines()[-1] == "config.cache.DegradingRedisCache"
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


PRODUCTION_ENV = {
    "APP_ENV": "production",
    "SECRET_KEY": "x7#kq2!vLr9@pZ4w$Tn8^bYc6&Jm3*Hs5(Gd1)Fe0+Aa-Ux_Wi=Ko~Qj",
    "ALLOWED_HOSTS": "jxt.example.gov.cn",
    "BEHIND_PROXY": "1",
}
# Run in production mode by a subprocess: the login page and a static file through the whole
# middleware stack (WhiteNoise first), as nginx would forward them over HTTPS.
SERVE = textwrap.dedent("""
    import json, django
    django.setup()
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.test import Client
    client = Client(HTTP_HOST="jxt.example.gov.cn", HTTP_X_FORWARDED_PROTO="https")
    login = client.get("/accounts/login/")
    css = client.get(staticfiles_storage.url("css/app.css"))
    print(json.dumps({
        "login": login.status_code, "csp": login.get("Content-Security-Policy", ""),
        "static": css.status_code, "static_url": staticfiles_storage.url("css/app.css"),
        "static_cache": css.get("Cache-Control", ""),
    }))
""")


def production_settings(tmp_path) -> dict:
    """The production environment with STATIC_ROOT and the database in `tmp_path`."""
    (tmp_path / "production_test_settings.py").write_text(
        "from config.settings import *  # noqa: F401,F403\n"
        f"STATIC_ROOT = {str(tmp_path / 'static')!r}\n", encoding="utf-8")
    return {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "production_test_settings",
            "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
            "SQLITE_PATH": str(tmp_path / "db.sqlite3")}


def production_environ(env: dict) -> dict:
    return {**{k: v for k, v in os.environ.items() if k != "DATABASE_URL"}, **env}


def test_production_serves_pages_and_static_files_once_collectstatic_has_run(tmp_path):
    env = production_settings(tmp_path)
    before = subprocess.run([sys.executable, "-c", SERVE], cwd=ROOT, capture_output=True,
                            text=True, env=production_environ(env))
    # without collectstatic the manifest is missing: every page is an error (the README's trap)
    assert before.returncode != 0 and "Missing staticfiles manifest" in before.stderr

    collected = manage("collectstatic", "--noinput", **env)
    assert collected.returncode == 0, collected.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()

    after = subprocess.run([sys.executable, "-c", SERVE], cwd=ROOT, capture_output=True,
                           text=True, env=production_environ(env))
    assert after.returncode == 0, after.stderr
    answer = json.loads(after.stdout.strip().splitlines()[-1])
    assert answer["login"] == 200
    assert "script-src 'self'" in answer["csp"] and "unsafe-eval" not in answer["csp"]
    assert answer["static"] == 200
    assert answer["static_url"] != "/static/css/app.css"  # hashed: cacheable for ever
    assert "max-age" in answer["static_cache"]


def test_check_deploy_is_clean_with_a_redis_cache_behind_a_proxy():
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    CACHE_URL="redis://127.0.0.1:6379/1", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
