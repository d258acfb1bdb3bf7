"""Backups that restore (docs/backup.md): one .tar.gz holding the database (pg_dump -Fc on
PostgreSQL, the online backup API on SQLite), the uploaded files (MEDIA_ROOT, and the evidence
storage when it is a folder elsewhere) and manifest.json. `restore` checks the archive before
it touches anything: format, engine, checksum, file counts, migrations no newer than the code,
and a target database without data unless forced."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT_VERSION = 1
PREFIX = "jxt-backup-"
SUFFIX = ".tar.gz"
MANIFEST = "manifest.json"
DUMPS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# Rows that `migrate` writes by itself: a database holding only these has no data of its own.
MIGRATION_FILLED = {"django_migrations", "django_content_type", "auth_permission",
                    "performance_indicatorlevel1", "performance_indicatorlevel2",
                    "performance_suggestionrule", "sqlite_sequence"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """An expected failure (missing tool, wrong archive…), with a message for the operator."""


@dataclass
class Result:
    path: Path
    manifest: dict
    lines: list[str] = field(default_factory=list)


# --- where things are -------------------------------------------------------------------------

def engine(alias: str = DEFAULT_DB_ALIAS) -> str:
    vendor = connections[alias].vendor
    if vendor not in DUMPS:
        raise BackupError(f"不支持的数据库类型 {vendor}：只支持 PostgreSQL 和 SQLite。")
    return vendor


def evidence_root() -> Path | None:
    """The evidence folder when the evidence storage is a FileSystemStorage, else None (S3)."""
    storage = storages["evidence"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def _inside(path: Path, parent: Path) -> bool:
    return path.resolve().is_relative_to(parent.resolve())


def file_roots() -> dict[str, Path]:
    """Archive folder → local folder: media/ always; evidence/ when it lies outside MEDIA_ROOT."""
    media = Path(settings.MEDIA_ROOT)
    roots = {"media": media}
    evidence = evidence_root()
    if evidence is not None and not _inside(evidence, media):
        roots["evidence"] = evidence
    return roots


def s3_note() -> str | None:
    if evidence_root() is None:
        return ("佐证材料存放在对象存储（settings.STORAGES[\"evidence\"]）中，不在本备份内："
                "请按对象存储的方式另行备份该存储桶。")
    return None


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def app_version() -> dict:
    version = {"version": None, "git": None}
    try:
        with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as f:
            version["version"] = tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, timeout=5,
                             capture_output=True, text=True)
        if out.returncode == 0:
            version["git"] = out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return version


# --- migrations and data ----------------------------------------------------------------------

def migration_state(alias: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """The latest applied migration of each app (by the order they were applied)."""
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    latest = {}
    for row in recorder.migration_qs.order_by("id"):
        latest[row.app] = row.name
    return latest


def newer_migrations(state: dict[str, str]) -> list[str]:
    """The archive's migrations this code does not know (it comes from a newer version)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces)
    return [f"{app}.{name}" for app, name in sorted(state.items()) if (app, name) not in known]


def pending_apps(state: dict[str, str]) -> list[str]:
    """Apps whose code has migrations later than the archive's: `migrate` after the restore."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    leaves = {app: name for app, name in loader.graph.leaf_nodes()}
    return sorted(app for app, name in leaves.items() if state.get(app) != name)


def data_tables(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Tables holding rows of their own (not only what `migrate` writes): table → 1."""
    connection = connections[alias]
    found = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            if table in MIGRATION_FILLED:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                found[table] = 1
    return found


# --- PostgreSQL tools -------------------------------------------------------------------------

def _major(text: str) -> int | None:
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", text)
    return int(match.group(1)) if match else None


def pg_tool(name: str, server_major: int) -> tuple[str, int]:
    """pg_dump/pg_restore of the server's major version (/usr/lib/postgresql/<major>/bin),
    else the one on PATH when it is at least as new as the server."""
    candidates = [Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    seen = []
    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            out = subprocess.run([str(candidate), "--version"], capture_output=True, text=True,
                                 timeout=30)
        except (OSError, subprocess.SubprocessError):
            continue
        major = _major(out.stdout)
        if major is not None and major >= server_major:
            return str(candidate), major
        seen.append(f"{candidate}（{major}）")
    if seen:
        raise BackupError(f"{name} 的版本低于数据库服务器（PostgreSQL {server_major}）："
                          f"{'、'.join(seen)}。请安装 postgresql-client-{server_major}。")
    raise BackupError(f"找不到 {name}：PATH 和 /usr/lib/postgresql/{server_major}/bin 中都没有。"
                      f"请安装 postgresql-client-{server_major}。")


def _pg_args(alias: str) -> tuple[list[str], dict]:
    db = connections[alias].settings_dict
    args = []
    for flag, key in (("-h", "HOST"), ("-p", "PORT"), ("-U", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if sslmode := (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = sslmode
    return args + ["-d", db["NAME"]], env


def _run(command: list[str], env: dict, what: str) -> subprocess.CompletedProcess:
    out = subprocess.run(command, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise BackupError(f"{what}失败（{Path(command[0]).name} 返回 {out.returncode}）："
                          f"{out.stderr.strip()[-2000:]}")
    return out


def _server_major(alias: str) -> int:
    connection = connections[alias]
    connection.ensure_connection()
    return connection.pg_version // 10000


# --- the database -----------------------------------------------------------------------------

def dump_database(target: Path, alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Write the database to `target`; return what the manifest says about it."""
    if engine(alias) == "sqlite":
        connection = connections[alias]
        if connection.in_atomic_block:  # the backup API would wait for the commit for ever
            raise BackupError("SQLite 的在线备份不能在未提交的事务中进行。")
        connection.ensure_connection()
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        return {"sqlite_version": sqlite3.sqlite_version}
    server = _server_major(alias)
    tool, major = pg_tool("pg_dump", server)
    args, env = _pg_args(alias)
    _run([tool, "-Fc", "-f", str(target), *args], env, "pg_dump 导出数据库")
    return {"server_major": server, "pg_dump_major": major}


def load_database(source: Path, manifest: dict, alias: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Replace the configured database by the archived one; return notes for the operator."""
    connection = connections[alias]
    if engine(alias) == "sqlite":  # one transaction on the target: all pages or none
        connection.ensure_connection()
        src = sqlite3.connect(source)
        try:
            src.backup(connection.connection)
        finally:
            src.close()
        return []
    server = _server_major(alias)
    dumped = manifest["database"].get("pg_dump_major") or server
    tool, _ = pg_tool("pg_restore", max(server, dumped))
    args, env = _pg_args(alias)
    connection.close()
    _run([tool, "--clean", "--if-exists", "--no-owner", "--single-transaction", *args,
          str(source)], env, "pg_restore 恢复数据库")
    listing = _run([tool, "-l", str(source)], env, "pg_restore 读取备份目录").stdout
    archived = set(re.findall(r" TABLE \S+ (\S+) ", listing))
    extra = sorted(set(connection.introspection.table_names()) - archived)
    if extra:
        return [f"目标数据库中还有备份里没有的表（未改动）：{'、'.join(extra)}"]
    return []


# --- backup -----------------------------------------------------------------------------------

def archive_name(moment) -> str:
    return f"{PREFIX}{timezone.localtime(moment):%Y%m%d-%H%M%S}{SUFFIX}"


def backup(output: Path, *, keep: int | None = None) -> Result:
    """Write one archive into `output`, atomically (a .partial file renamed at the end)."""
    kind = engine()
    output.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    path = output / archive_name(now)
    if path.exists():
        raise BackupError(f"{path} 已存在：同一秒内不能做两次备份。")
    partial = path.with_name(path.name + ".partial")
    lines = []
    try:
        with tempfile.TemporaryDirectory(dir=output, prefix=".jxt-backup-") as tmp:
            dump = Path(tmp) / DUMPS[kind]
            database = {"engine": kind, "file": dump.name, **dump_database(dump)}
            database["sha256"] = sha256(dump)
            database["bytes"] = dump.stat().st_size
            files = {}
            # Readable by its owner only: it holds every unit's data and the password hashes.
            raw = os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")
            with raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                tar.add(dump, arcname=dump.name)
                for folder, root in file_roots().items():
                    count = size = 0
                    for item in _files(root):
                        try:
                            length = item.stat().st_size
                            tar.add(item, arcname=f"{folder}/{item.relative_to(root).as_posix()}")
                        except FileNotFoundError:  # deleted while the app runs
                            continue
                        count += 1
                        size += length
                    files[folder] = {"root": str(root), "files": count, "bytes": size}
                manifest = {
                    "format": FORMAT_VERSION, "app": app_version(), "created_at": now.isoformat(),
                    "database": database, "migrations": migration_state(), "files": files,
                    "evidence_storage": "filesystem" if evidence_root() else "external",
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                member = tarfile.TarInfo(MANIFEST)
                member.size, member.mtime = len(data), int(now.timestamp())
                tar.addfile(member, io.BytesIO(data))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    lines.append(f"数据库（{kind}）：{database['bytes']} 字节，SHA-256 {database['sha256']}")
    for folder, info in files.items():
        lines.append(f"文件 {folder}/（{info['root']}）：{info['files']} 个，{info['bytes']} 字节")
    if note := s3_note():
        lines.append(note)
    if keep:
        for old in prune(output, keep):
            lines.append(f"已删除旧备份 {old.name}")
    return Result(path, manifest, lines)


def prune(output: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` archives in `output` (by their timestamped names)."""
    archives = sorted(p for p in output.glob(f"{PREFIX}*{SUFFIX}") if p.is_file())
    old = archives[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


# --- restore ----------------------------------------------------------------------------------

def read_archive(archive: Path, into: Path) -> dict:
    """Unpack and check an archive: manifest, engine, checksum and file counts."""
    if not archive.is_file():
        raise BackupError(f"找不到备份文件 {archive}")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(into, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(f"{archive} 不是完整的备份压缩包：{error}") from None
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"{archive} 中没有可读的 {MANIFEST}：{error}") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{archive}：{MANIFEST} 的格式版本 {manifest.get('format')} "
                          f"不是本程序支持的 {FORMAT_VERSION}。")
    database = manifest["database"]
    if database["engine"] != engine():
        raise BackupError(f"{archive} 是 {database['engine']} 数据库的备份，当前配置的是 "
                          f"{engine()}：不能跨数据库类型恢复。")
    dump = into / database["file"]
    if not dump.is_file() or sha256(dump) != database["sha256"]:
        raise BackupError(f"{archive}：数据库文件 {database['file']} 的 SHA-256 与 {MANIFEST} "
                          f"不符，备份已损坏。")
    for folder, info in manifest["files"].items():
        found = len(_files(into / folder))
        if found != info["files"]:
            raise BackupError(f"{archive}：{folder}/ 中有 {found} 个文件，{MANIFEST} 记载 "
                              f"{info['files']} 个，备份不完整。")
    return manifest


def restore(archive: Path, *, force: bool = False) -> Result:
    lines = []
    with tempfile.TemporaryDirectory(prefix="jxt-restore-") as tmp:
        into = Path(tmp)
        manifest = read_archive(archive, into)
        newer = newer_migrations(manifest["migrations"])
        if newer:
            raise BackupError(f"备份来自更新版本的程序（本程序没有这些迁移：{'、'.join(newer)}）："
                              f"请先升级程序再恢复。")
        existing = data_tables()
        if existing and not force:
            raise BackupError(f"目标数据库已有数据（{len(existing)} 个表有记录，如 "
                              f"{'、'.join(sorted(existing)[:5])}）：恢复会覆盖它们。"
                              f"确认要覆盖时加 --force。")
        database = manifest["database"]
        created = timezone.localtime(datetime.fromisoformat(manifest["created_at"]))
        lines.append(f"备份时间 {created:%Y-%m-%d %H:%M:%S}，程序版本 {manifest['app'].get('version')}"
                     f"（{(manifest['app'].get('git') or '未知')[:12]}）")
        lines += load_database(into / database["file"], manifest)
        lines.append(f"已恢复数据库（{database['engine']}，SHA-256 {database['sha256']} 已核对）")
        roots = file_roots()
        for folder in manifest["files"]:
            target = roots.get(folder)
            if target is None:  # evidence/ archived apart, now configured inside MEDIA_ROOT
                target = evidence_root() or Path(settings.MEDIA_ROOT) / folder
            count = _copy_tree(into / folder, target)
            lines.append(f"已恢复文件 {folder}/ → {target}：{count} 个")
    pending = pending_apps(manifest["migrations"])
    if pending:
        lines.append(f"备份早于本程序的迁移（{'、'.join(pending)}）：请运行 manage.py migrate。")
    if note := s3_note():
        lines.append(note)
    return Result(archive, manifest, lines)


def _copy_tree(source: Path, target: Path) -> int:
    """Copy every file, each written to a temporary name and renamed into place."""
    count = 0
    for item in _files(source):
        dest = target / item.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        temporary = dest.with_name(f".{dest.name}.restoring")
        shutil.copyfile(item, temporary)
        os.replace(temporary, dest)
        count += 1
    return count
