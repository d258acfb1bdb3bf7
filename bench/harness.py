"""What the benchmarks share: the --smoke size, the machine line printed beside the figures,
honest best-of-N timings, and the per-step breakdown.

Every script in bench/ with a `__main__` block takes --smoke: a size that runs in seconds
through the same code paths as the full run, so that `make bench-smoke` (part of `make test`)
breaks when a function a benchmark calls is renamed or changed.

A ratio is only worth the conditions it was measured in: the floor and the subject run in the
same process, interleaved (floor, subject, floor, subject, …), and each figure is the best of
at least three runs. The machine's load average and nproc are printed beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import tempfile
import time
from pathlib import Path

SMOKE_HELP = "a size that runs in seconds through the same code paths (make bench-smoke)"
MIN_ROUNDS = 3


def parse_args(parser: argparse.ArgumentParser, smoke: dict, argv=None) -> argparse.Namespace:
    """Add --smoke to `parser` and parse. `smoke` maps an option's dest to its smoke value,
    used unless that option was given on the command line."""
    sizes = ", ".join(f"{dest.replace('_', '-')} {value:,}" if isinstance(value, int)
                      else f"{dest.replace('_', '-')} {value}" for dest, value in smoke.items())
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_HELP}: {sizes}")
    args = parser.parse_args(argv)
    if args.smoke:
        for dest, value in smoke.items():
            if getattr(args, dest) == parser.get_default(dest):
                setattr(args, dest, value)
    return args


def rounds_type(text: str) -> int:
    """--rounds: at least MIN_ROUNDS, so that a ratio is a best of three or more."""
    value = int(text)
    if value < MIN_ROUNDS:
        raise argparse.ArgumentTypeError(f"at least {MIN_ROUNDS} rounds (best of {MIN_ROUNDS})")
    return value


def add_rounds(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=rounds_type, default=MIN_ROUNDS,
                        help="runs of each measurement; each figure is the best (at least 3)")


def run_with_files(run, args) -> None:
    """Print the machine, then `run(args, a temporary directory)` for the generated files."""
    print(f"machine at start: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="jxt-bench-") as tmp:
        run(args, Path(tmp))


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine() -> str:
    """The load average and nproc, to print beside the figures: a loaded machine inflates the
    floor and the subject unevenly. (The benchmark itself adds about 1 to the 1-minute load.)"""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min), nproc {nproc()}"


# ---------------------------------------------------------------- memory


CLEAR_REFS = Path("/proc/self/clear_refs")


def reset_peak() -> bool:
    """Reset the process's peak RSS (Linux: VmHWM), so the next reading is one step's peak.
    False where that cannot be done (then peak_mb() is the peak since the process started)."""
    try:
        CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def peak_mb() -> float:
    """Peak RSS in MB since the last reset_peak() (or since the process started)."""
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The RSS in MB now (0 where /proc is missing)."""
    return _status_mb("VmRSS")


def _status_mb(field: str) -> float:
    try:
        status = Path("/proc/self/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024
    except (OSError, AttributeError):
        return 0.0


def process_peak_mb() -> float:
    """Peak RSS in MB since the process started, whatever reset_peak() did."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- timings


class Runs:
    """Every run of every labelled measurement; the figures are the best of them."""

    def __init__(self):
        self.seconds: dict[str, list[float]] = {}
        self.peaks: dict[str, float] = {}  # the process's peak RSS during the runs
        self.growth: dict[str, float] = {}  # that peak less the RSS the run started with
        self.extra: dict[str, object] = {}  # per label: what the best run left (a breakdown)

    def time(self, label: str, func, *, extra=None, quiet: bool = False):
        """Run `func` once, timed; `extra(seconds)` is kept when this run is the best so far."""
        reset_peak()
        before = rss_mb()
        start = time.perf_counter()
        value = func()
        seconds = time.perf_counter() - start
        peak = peak_mb()
        best = label not in self.seconds or seconds < min(self.seconds[label])
        self.seconds.setdefault(label, []).append(seconds)
        self.peaks[label] = max(self.peaks.get(label, 0.0), peak)
        self.growth[label] = max(self.growth.get(label, 0.0), peak - before)
        if best and extra is not None:
            self.extra[label] = extra(seconds)
        if not quiet:
            print(f"  {label:<56} {seconds:8.2f} s   peak RSS {peak:6.0f} MB "
                  f"(+{peak - before:.0f})", flush=True)
        return value

    def best(self, label: str) -> float:
        return min(self.seconds[label])

    def spread(self, label: str) -> str:
        values = self.seconds[label]
        return (f"best of {len(values)}: {min(values):.2f} s"
                + (f" (slowest {max(values):.2f} s)" if len(values) > 1 else ""))

    def ratio(self, subject: str, floor: str) -> float:
        return self.best(subject) / self.best(floor)


class Steps:
    """Time the steps of a call by wrapping module-level names it calls (public seams).

    A name that no longer exists fails at once (the benchmark is out of date); so does a
    step never called during a timed run (check())."""

    def __init__(self, rest: str = "other"):
        self.rest = rest  # the label of the time outside every wrapped step
        self.seconds: dict[str, float] = {}
        self.parents: dict[str, str | None] = {}
        self.order: list[str] = []

    def wrap(self, module, name: str, label: str, within: str | None = None) -> None:
        try:
            original = getattr(module, name)
        except AttributeError:
            raise SystemExit(f"bench out of date: {module.__name__}.{name} no longer exists; "
                             "time the step it became") from None
        seconds = self.seconds

        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - start

        timed_call.__wrapped__ = original
        setattr(module, name, timed_call)
        self.parents[label] = within
        self.order.append(label)

    def clear(self) -> None:
        self.seconds.clear()

    def check(self) -> None:
        missing = [label for label in self.order if label not in self.seconds]
        if missing:
            raise SystemExit(f"bench out of date: the step(s) {', '.join(missing)} were never "
                             "called; time what the import calls now")

    def breakdown(self, total: float) -> dict[str, float]:
        """Each step's own time (its children's taken out), then the rest of `total`."""
        own = {}
        for label in self.order:
            children = sum(self.seconds.get(c, 0.0) for c, p in self.parents.items()
                           if p == label)
            own[label] = self.seconds.get(label, 0.0) - children
        top = sum(self.seconds.get(label, 0.0) for label in self.order
                  if self.parents[label] is None)
        own[self.rest] = total - top
        return own


def describe(parts: dict[str, float]) -> str:
    return ", ".join(f"{label} {seconds:.2f} s" for label, seconds in parts.items())
