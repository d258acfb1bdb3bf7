"""Every benchmark in bench/ takes --smoke, and `make test` runs them all at that size
(make bench-smoke), so a renamed function breaks CI instead of the next person's benchmark.

Cheap on purpose: each script is asked for its --help, none is run (make bench-smoke does)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAIN = 'if __name__ == "__main__":'
KNOWN = {"api.py", "dashboard.py", "import_speed.py", "load.py", "pages.py", "reminders.py", "score.py",
         "score_engine.py"}


def scripts() -> list[Path]:
    """The benchmarks, chosen as the Makefile chooses them: bench/*.py (not _*.py) with a
    __main__ block; helper modules (database.py, harness.py) have none."""
    return sorted(path for path in (ROOT / "bench").glob("*.py")
                  if not path.name.startswith("_") and MAIN in path.read_text(encoding="utf-8"))


def test_every_known_benchmark_is_found():
    assert KNOWN <= {path.name for path in scripts()}


@pytest.mark.parametrize("script", scripts(), ids=lambda path: path.name)
def test_benchmark_takes_smoke(script):
    out = subprocess.run([sys.executable, str(script), "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert re.search(r"^\s+--smoke\b", out.stdout, re.M), (
        f"{script.name} has no --smoke option (make bench-smoke runs every benchmark with it)")


def test_make_test_runs_every_benchmark_at_smoke_size():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_target = re.search(r"^test:(.*)$", makefile, re.M)
    assert test_target and "bench-smoke" in test_target.group(1).split()
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    plan = subprocess.run(["make", "--no-print-directory", "-n", "bench-smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert plan.returncode == 0, plan.stderr
    assert "--smoke" in plan.stdout and "env -u BENCH_DATABASE_URL" in plan.stdout
    for script in scripts():
        assert f"bench/{script.name}" in plan.stdout, f"make bench-smoke skips {script.name}"
