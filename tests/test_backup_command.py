"""manage.py backup / restore (performance.backup, docs/backup.md): an archive restored into an
empty database gives the same rows in every table and the same files, byte for byte, on SQLite
and on PostgreSQL; a damaged archive, one from newer code or one of another engine is refused
before anything is touched, and so is a target database that already holds data."""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.audit import record
from accounts.models import SecurityEvent, SecurityEventKind
from performance import backup
from performance.models import Evidence, IndicatorRecord
from tests import evidence_files
from tests.factories import (
    ImportJobFactory,
    IndicatorFactory,
    IndicatorRecordFactory,
    PeriodFactory,
    ProjectFactory,
    ProjectRecordFactory,
    UnitFactory,
    UserFactory,
)

MANAGE = Path(settings.BASE_DIR) / "manage.py"
ON_POSTGRES = connection.vendor == "postgresql"
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="the SQLite round trip (suite run on SQLite)")
postgres_only = pytest.mark.skipif(not ON_POSTGRES,
                                   reason="the PostgreSQL round trip (DATABASE_URL is postgres)")
# SQLite's online backup waits for ever on a connection inside a transaction (the test's): the
# tests that back up commit on SQLite; on PostgreSQL pg_dump reads another connection anyway
# (committed rows only) and flushing every table after each test costs seconds.
committed = pytest.mark.django_db(transaction=not ON_POSTGRES, serialized_rollback=not ON_POSTGRES)


@pytest.fixture
def folders(tmp_path, settings):
    """MEDIA_ROOT and an evidence folder outside it, both on disk (conftest keeps evidence in
    memory otherwise)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None}}}
    return tmp_path


def build_world():
    """Units, projects, indicators, values with their history, evidence files, an upload and
    an audit event."""
    user = UserFactory(username="filler")
    period = PeriodFactory()
    for _ in range(2):
        project = ProjectFactory(unit=UnitFactory(name="测试单位 <script>"))
        ProjectRecordFactory(project=project, period=period)
        for indicator in IndicatorFactory.create_batch(3, project=project):
            value = IndicatorRecordFactory(indicator=indicator, period=period,
                                           actual_value=Decimal("90.5"))
            value.actual_value = Decimal("95.25")
            value.deviation_reasons = ["其他"]
            value.save()
        for content, kind in ((evidence_files.PDF, "pdf"), (evidence_files.image("PNG"), "png")):
            Evidence.objects.create(
                project=project, period=period, indicator=indicator,
                file=ContentFile(content, name=f"proof.{kind}"), name=f"证明材料.{kind}",
                content_type=f"application/{kind}", kind=kind, size=len(content),
                sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user,
                uploaded_at=timezone.now())
    ImportJobFactory(period=period, created_by=user)
    record(SecurityEventKind.EXPORT, user=user, target="项目清单")
    assert IndicatorRecord.history.count() == 12 and SecurityEvent.objects.count() == 1


def run_backup(out: Path) -> Path:
    call_command("backup", "--output", str(out), stdout=io.StringIO())
    [archive] = out.glob("jxt-backup-*.tar.gz")
    return archive


def run_restore(archive: Path, env: dict) -> subprocess.CompletedProcess:
    """`manage.py restore` in another process, against the database and folders in `env`."""
    base = {k: v for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "SQLITE_PATH", "EVIDENCE_STORAGE", "EVIDENCE_ROOT"}}
    return subprocess.run([sys.executable, str(MANAGE), "restore", str(archive)],
                          env={**base, **env}, capture_output=True, text=True, timeout=300,
                          cwd=settings.BASE_DIR)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_files(source: Path, restored: Path):
    files = tree(source)
    assert files and tree(restored) == files


def sqlite_tables(db: sqlite3.Connection) -> dict[str, list]:
    names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {name: sorted(db.execute(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names}


@sqlite_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sqlite_backup_restores_into_an_empty_database_row_for_row(folders):
    build_world()
    archive = run_backup(folders / "out")
    target = folders / "restored.sqlite3"
    done = run_restore(archive, {"SQLITE_PATH": str(target), "MEDIA_ROOT": str(folders / "m2"),
                                 "EVIDENCE_ROOT": str(folders / "e2")})
    assert done.returncode == 0, done.stderr
    assert "恢复完成" in done.stdout and "已恢复文件 evidence/" in done.stdout
    # Plain sqlite3 connections on both sides: the same raw values, no Django converters.
    source = sqlite3.connect(connection.settings_dict["NAME"], uri=True)
    restored = sqlite3.connect(target)
    try:
        expected = sqlite_tables(source)
        assert expected["performance_indicatorrecord"] and expected["accounts_securityevent"]
        assert sqlite_tables(restored) == expected
    finally:
        source.close()
        restored.close()
    assert_same_files(folders / "media", folders / "m2")
    assert_same_files(folders / "evidence", folders / "e2")


def pg_connect(dbname: str, *, autocommit: bool = False):
    import psycopg

    db = connection.settings_dict
    return psycopg.connect(host=db["HOST"] or None, port=db["PORT"] or None, user=db["USER"],
                           password=db["PASSWORD"], dbname=dbname, autocommit=autocommit)


def pg_tables(db) -> dict[str, list]:
    tables = {}
    names = [n for (n,) in db.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    for name in names:
        keys = [k for (k,) in db.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY a.attnum", [f'"{name}"'])]
        order = ", ".join(f'"{k}"' for k in keys) or "1"
        tables[name] = db.execute(f'SELECT * FROM "{name}" ORDER BY {order}').fetchall()
    return tables


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_postgres_backup_restores_into_an_empty_database_row_for_row(folders):
    build_world()
    archive = run_backup(folders / "out")
    name = f"jxt_restore_{uuid.uuid4().hex[:12]}"
    db = connection.settings_dict
    with pg_connect(db["NAME"], autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = (f"postgres://{quote(db['USER'], safe='')}:{quote(db['PASSWORD'], safe='')}"
               f"@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}")
        done = run_restore(archive, {"DATABASE_URL": url, "MEDIA_ROOT": str(folders / "m2"),
                                     "EVIDENCE_ROOT": str(folders / "e2")})
        assert done.returncode == 0, done.stderr
        with pg_connect(db["NAME"]) as source, pg_connect(name) as restored:
            expected = pg_tables(source)
            assert expected["performance_indicatorrecord"] and expected["accounts_securityevent"]
            assert pg_tables(restored) == expected
    finally:
        with pg_connect(db["NAME"], autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert_same_files(folders / "media", folders / "m2")
    assert_same_files(folders / "evidence", folders / "e2")


def rewrite(archive: Path, change) -> None:
    """Rewrite an archive with `change(name, data) -> data` applied to every member."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers() if m.isfile()]
    with tarfile.open(archive, "w:gz") as tar:
        for member, data in members:
            data = change(member.name, data)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def manifest_change(**changes):
    def change(name, data):
        if name != backup.MANIFEST:
            return data
        return json.dumps({**json.loads(data), **changes}).encode()
    return change


@committed
def test_restore_refuses_a_database_with_data_unless_forced(folders):
    UnitFactory()
    archive = run_backup(folders / "out")
    with pytest.raises(CommandError, match="目标数据库已有数据.*budget_unit.*--force"):
        call_command("restore", str(archive), stdout=io.StringIO())


@committed
def test_restore_refuses_an_archive_from_newer_code(folders):
    archive = run_backup(folders / "out")
    state = backup.migration_state()
    rewrite(archive, manifest_change(migrations={**state, "performance": "9999_from_the_future"}))
    with pytest.raises(CommandError, match="更新版本.*performance.9999_from_the_future"):
        call_command("restore", str(archive), stdout=io.StringIO())


@committed
def test_restore_refuses_a_damaged_dump(folders):
    archive = run_backup(folders / "out")
    rewrite(archive, lambda name, data: data + b"x" if name.startswith("database.") else data)
    with pytest.raises(CommandError, match="SHA-256 与 manifest.json 不符"):
        call_command("restore", str(archive), stdout=io.StringIO())


@committed
def test_restore_refuses_an_archive_of_another_engine(folders):
    archive = run_backup(folders / "out")
    other = "sqlite" if ON_POSTGRES else "postgresql"
    rewrite(archive, manifest_change(database={"engine": other, "file": "x", "sha256": ""}))
    with pytest.raises(CommandError, match=f"是 {other} 数据库的备份"):
        call_command("restore", str(archive), stdout=io.StringIO())


def test_restore_of_a_missing_or_broken_file_says_which(tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "nope.tar.gz"))
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="不是完整的备份压缩包"):
        call_command("restore", str(broken))


@committed
def test_keep_removes_the_older_archives(folders):
    out = folders / "out"
    out.mkdir()
    for day in ("20240101", "20240102", "20240103"):
        (out / f"jxt-backup-{day}-020000.tar.gz").write_bytes(b"old")
    (out / "notes.txt").write_text("kept")
    stdout = io.StringIO()
    call_command("backup", "--output", str(out), "--keep", "2", stdout=stdout)
    names = sorted(p.name for p in out.iterdir())
    assert names[0] == "jxt-backup-20240103-020000.tar.gz" and names[-1] == "notes.txt"
    assert len(names) == 3 and "已删除旧备份 jxt-backup-20240101-020000.tar.gz" in stdout.getvalue()


def test_keep_must_be_positive():
    with pytest.raises(CommandError, match="--keep 应为正整数"):
        call_command("backup", "--keep", "0")


@pytest.mark.django_db
def test_a_freshly_migrated_database_counts_as_empty():
    """A table `migrate` fills by itself, added later, must join backup.MIGRATION_FILLED."""
    assert backup.data_tables() == {}


@committed
def test_backup_says_the_s3_bucket_is_backed_up_apart(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # conftest: evidence in memory, not a folder
    stdout = io.StringIO()
    call_command("backup", "--output", str(tmp_path / "out"), stdout=stdout)
    assert "不在本备份内" in stdout.getvalue()
    [archive] = (tmp_path / "out").glob("*.tar.gz")
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile(backup.MANIFEST))
    assert manifest["evidence_storage"] == "external" and set(manifest["files"]) == {"media"}
    assert archive.stat().st_mode & 0o777 == 0o600  # every unit's data and the password hashes
    assert manifest["migrations"]["performance"] == backup.migration_state()["performance"]


def test_missing_pg_dump_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup.BackupError, match="找不到 pg_dump.*postgresql-client-99"):
        backup.pg_tool("pg_dump", 99)


def test_an_older_pg_dump_than_the_server_is_refused(tmp_path, monkeypatch):
    tool = tmp_path / "pg_dump"
    tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 14.9'\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backup.BackupError, match="版本低于数据库服务器（PostgreSQL 99）"):
        backup.pg_tool("pg_dump", 99)
