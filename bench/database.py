"""Where a benchmark keeps its data: its own SQLite file, or BENCH_DATABASE_URL when set."""

import hashlib
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"

# Run in a child process: migrate an empty SQLite file (no fsync: it is a copy source, rebuilt
# whenever it is missing).
_MIGRATE = """
import os, django
django.setup()
from django.core.management import call_command
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("PRAGMA synchronous=OFF")
call_command("migrate", verbosity=0)
connection.close()
"""


def choose_database(name: str, keep: bool, *, smoke: bool = False) -> str:
    """Point DATABASE_URL / SQLITE_PATH at the benchmark's database; return its label.

    A fresh SQLite file bench/out/NAME.sqlite3 (NAME-smoke.sqlite3 for a --smoke run, so it
    never replaces the full-size data) unless `keep`; never the developer's own db. A fresh
    file starts as a copy of a migrated one (bench/out/migrated-*.sqlite3, made once per set
    of migrations), so the script's own migrate has nothing left to do."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url
        return "PostgreSQL"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}{'-smoke' if smoke else ''}.sqlite3"
    if path.exists() and not keep:
        path.unlink()
        for extra in ("-journal", "-wal", "-shm"):
            path.with_name(path.name + extra).unlink(missing_ok=True)
    if not path.exists():
        shutil.copyfile(migrated_template(), path)
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(path)
    return "SQLite"


def migrated_template() -> Path:
    """An SQLite file migrated to the current migrations (of the project and of the installed
    packages): bench/out/migrated-KEY.sqlite3, built in a child process when missing."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    for dist in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
        digest.update(dist.encode() + b"\0")
    template = OUT / f"migrated-{digest.hexdigest()[:12]}.sqlite3"
    if template.exists():
        return template
    partial = template.with_name(f"{template.name}.{os.getpid()}.partial")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(SQLITE_PATH=str(partial), DJANGO_SETTINGS_MODULE="config.settings", DEBUG="0")
    partial.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-c", _MIGRATE], cwd=ROOT, env=env, check=True)
    os.replace(partial, template)  # atomic: a parallel run sees the whole file or none
    for old in OUT.glob("migrated-*.sqlite3"):
        if old != template:
            old.unlink(missing_ok=True)
    return template


def migrate(label: str, keep: bool) -> None:
    """Bring the benchmark's database (Django set up) to the current migrations. On PostgreSQL
    without `keep`, every table is dropped first, so the database starts as a fresh migrate
    leaves it: flush would also empty the migrations' reference rows (the indicator levels,
    the suggestion rules)."""
    from django.core.management import call_command
    from django.db import connection

    if label == "PostgreSQL" and not keep:
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor)
            if tables:
                cursor.execute("DROP TABLE " + ", ".join(connection.ops.quote_name(t)
                                                         for t in tables) + " CASCADE")
    call_command("migrate", verbosity=0)
