"""Micro-benchmark of the pure scoring engine: µs per indicator for build + score.

Run: ``.venv/bin/python bench/score_engine.py [N] [--rounds 5] [--smoke]`` (default 200,000
generated inputs; --smoke: 3,000 inputs, 3 rounds).

The inputs look like what ``values_list`` gives: Decimal numbers, enum values as plain str. The mix
is roughly that of a real 表13 period (mostly ≥ with an actual; some ≤ ＜ ＝ ＞, 定性, missing
actuals and deductions). Each figure is the best of 5 rounds with the cyclic GC off (as timeit
does); the machine's load shows (printed beside the figures), so compare runs made one after the
other. The explanation line is
the extra cost of reading every explanation (the page / export path, not bulk scoring).
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness  # noqa: E402
from performance.scoring import (  # noqa: E402
    ExecutionInput,
    IndicatorInput,
    score_indicator,
    score_project,
)

UNITS = ("人次", "%", "万元", "个", "")
SMOKE = {"n": 3_000, "rounds": 3}
GRADES = ("优", "良", "中", "差")


def generate(n: int, seed: int = 13) -> list[tuple]:
    """Rows (weight, operator, direction, target, actual, actual_grade, deduction, unit, key)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        kind = rng.random()
        weight = Decimal(rng.choice((3, 5, 6, 8, 10, 12)))
        unit = rng.choice(UNITS)
        deduction = Decimal("1") if rng.random() < 0.02 else Decimal("0")
        if kind < 0.55:  # ≥ with an actual, mostly met
            op, direction = "≥", "正向指标"
            target = Decimal(rng.choice((100, 95, 8000, 1)))
            actual = (target * Decimal(rng.randint(60, 130)) / 100).quantize(Decimal("0.01"))
        elif kind < 0.70:  # ≤ / ＜
            op, direction = rng.choice(("≤", "＜")), "反向指标"
            target = Decimal(rng.choice((1, 5, 30)))
            actual = (target * Decimal(rng.randint(20, 250)) / 100).quantize(Decimal("0.01"))
        elif kind < 0.75:  # ＞ / ＝
            op, direction = rng.choice(("＞", "＝")), "正向指标"
            target = Decimal(rng.choice((0, 10, 50)))
            actual = Decimal(rng.randint(0, 60))
        elif kind < 0.95:  # 定性
            op, direction, target, actual = "定性", "正向指标", None, None
            rows.append((weight, op, direction, None, None, rng.choice(GRADES), deduction, "",
                         str(i)))
            continue
        else:  # ≥ without an actual yet
            op, direction, target, actual = "≥", "正向指标", Decimal(100), None
        rows.append((weight, op, direction, target, actual, None, deduction, unit, str(i)))
    return rows


def build(rows):
    return [
        IndicatorInput(weight=w, operator=op, direction=d, target=t, actual=a, actual_grade=g,
                       deduction=x, unit=u, name="x", key=k)
        for w, op, d, t, a, g, x, u, k in rows
    ]


def best(fn, rounds: int = 5) -> tuple[float, object]:
    """Best wall time of `rounds` runs with the cyclic GC off (as timeit does), and the result."""
    times, result = [], None
    for _ in range(rounds):
        result = None
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=200_000, help="generated inputs")
    parser.add_argument("--rounds", type=harness.rounds_type, default=5,
                        help="each figure is the best of these (at least 3)")
    args = harness.parse_args(parser, SMOKE)
    n, rounds = args.n, args.rounds
    rows = generate(n)
    us = 1e6 / n

    t_build, inputs = best(lambda: build(rows), rounds)
    t_score, scores = best(lambda: [score_indicator(i) for i in inputs], rounds)
    t_text, _ = best(lambda: [s.explanation for s in [score_indicator(i) for i in inputs]], rounds)
    projects = [inputs[i : i + 15] for i in range(0, n - 14, 15)]
    execution = ExecutionInput(Decimal(100), None, Decimal(95))
    t_proj, _ = best(lambda: [score_project(p, execution) for p in projects], rounds)
    per_proj_ind = t_proj / (15 * len(projects)) * 1e6

    print(f"{n:,} indicators (mix of ≥ ≤ ＜ ＞ ＝ 定性, missing, deductions); best of {rounds} "
          f"rounds; {harness.machine()}")
    print(f"  build IndicatorInput        {t_build * us:6.2f} µs/indicator")
    print(f"  score_indicator             {t_score * us:6.2f} µs/indicator")
    print(f"  build + score               {(t_build + t_score) * us:6.2f} µs/indicator")
    print(f"  score_project (15 per proj) {per_proj_ind:6.2f} µs/indicator "
          f"(+{per_proj_ind - t_score * us:.2f} over score_indicator)")
    print(f"  + reading every explanation {(t_text - t_score) * us:6.2f} µs/indicator (page path)")

    kinds = {"≥ with actual": "≥", "≤": "≤", "定性": "定性"}
    for label, op in kinds.items():
        sub = [r for r in rows if r[1] == op and (op == "定性" or r[4] is not None)]
        tb, sub_inputs = best(lambda sub=sub: build(sub), rounds)
        ts, _ = best(lambda sub_inputs=sub_inputs: [score_indicator(i) for i in sub_inputs],
                     rounds)
        print(f"  {label:<14} build {tb / len(sub) * 1e6:5.2f} + score "
              f"{ts / len(sub) * 1e6:5.2f} = {(tb + ts) / len(sub) * 1e6:5.2f} µs")


if __name__ == "__main__":
    main()
