"""Where a benchmark keeps its data: its own SQLite file, or BENCH_DATABASE_URL when set."""

import os
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def choose_database(name: str, keep: bool) -> str:
    """Point DATABASE_URL / SQLITE_PATH at the benchmark's database; return its label.

    A fresh SQLite file bench/out/NAME.sqlite3 unless `keep`; never the developer's own db."""
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = url
        return "PostgreSQL"
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.sqlite3"
    if path.exists() and not keep:
        path.unlink()
    os.environ.pop("DATABASE_URL", None)
    os.environ["SQLITE_PATH"] = str(path)
    return "SQLite"
