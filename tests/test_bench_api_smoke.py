"""bench/api.py at its --smoke size: it runs to the end (every side answers, every write
lands: the script asserts both) and prints its figures. In a subprocess, on its own SQLite
file, as a person runs it; never on a PostgreSQL database (the bench flushes the one it is
given)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_api_benchmark_runs_at_smoke_size_and_prints_its_figures():
    env = {k: v for k, v in os.environ.items()
           if k not in {"BENCH_DATABASE_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "api.py"), "--smoke"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "database: SQLite" in out and "load average" in out
    assert re.search(r"ratio API/page \(scores/ at page_size \d+ / home list, cache off\): "
                     r"\d+\.\d\d", out)
    assert re.search(r"ratio API/page \(PATCH / POST\): \d+\.\d\d", out)
    assert re.search(r"values/s: API [\d,]+ \(GET \+ PATCH\), page [\d,]+", out)
    for side in ("API scores/", "API PATCH values/", "page POST entry form",
                 "floor: score --json", "floor: write_values"):
        line = next(line for line in out.splitlines() if line.startswith(side))
        assert re.search(r"\d+\.\d{3}", line), line  # its total seconds
