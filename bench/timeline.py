"""Benchmark: resolve timelines for every commune-level board of a province-sized install.

Run: .venv/bin/python bench/timeline.py [--repeat N]
Prints one row per scenario: boards x rules x hours, best wall time of N runs, per-board cost.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time as clock
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from signage.schedules.timeline import (
    BoardContext,
    DailyWindow,
    OperatingHours,
    PlaylistEntry,
    ScheduleRule,
    timeline,
    validate_rule,
)
from signage_testing.machine import cpu_model

BOARDS = 3_321  # commune-level units after the 2025 reform
HCM = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2025, 7, 4, 5, tzinfo=HCM)  # a Friday morning


def playlist(rng: random.Random, n: int) -> tuple[PlaylistEntry, ...]:
    """`n` entries of 10-60 s."""
    return tuple(
        PlaylistEntry(rng.randrange(1, 5000), rng.randrange(1, 9), rng.randrange(10, 61))
        for _ in range(n)
    )


def make_rules(rng: random.Random, board: int, count: int) -> list[ScheduleRule]:
    """A mix like a real province: area rules (province, commune, village), a group, the board."""
    w = DailyWindow
    shapes = [
        ((w(time(6), time(7, 30)), w(time(17), time(18, 30))), frozenset(range(5)), "normal"),
        ((w(time(5), time(22)),), frozenset(range(7)), "normal"),
        ((w(time(21), time(1)),), frozenset({4, 5}), "normal"),  # Friday/Saturday nights
        ((w(time(11), time(13)),), frozenset({0, 2, 4}), "priority"),
        ((w(time(8), time(8, 15)), w(time(14), time(14, 15))), frozenset(range(6)), "priority"),
    ]
    targets = [("area", 1), ("area", 2), ("area", 3), ("group", 0), ("board", 0)]
    rules = []
    for k in range(count):
        windows, days, priority = shapes[k % len(shapes)]
        kind, depth = targets[k % len(targets)]
        cut = START + timedelta(hours=rng.randrange(0, 48)) if k % 3 == 0 else None
        rules.append(
            ScheduleRule(
                id=board * 100 + k,
                playlist=playlist(rng, 8),
                windows=windows,
                weekdays=days,
                priority=priority,
                target_kind=kind,
                target_depth=depth,
                valid_from=cut,
                source=f"unit-{board % 34}",
            )
        )
    return rules


def run(rules_per_board: int, hours: int, with_hours: bool, repeat: int) -> tuple:
    """Best-of-`repeat` seconds to resolve every board, and the mean segment count."""
    rng = random.Random(42)
    operating = OperatingHours.every_day(DailyWindow(time(5), time(22, 30)))
    board = BoardContext(hours=operating if with_hours else None, fallback="UBND xã")
    workload = [make_rules(rng, b, rules_per_board) for b in range(BOARDS)]
    end = START + timedelta(hours=hours)
    best = float("inf")
    segments = 0
    for _ in range(repeat):
        t0 = clock.perf_counter()
        segments = sum(len(timeline(board, rules, START, end)) for rules in workload)
        best = min(best, clock.perf_counter() - t0)
    return best, segments / BOARDS


def run_validation(repeat: int) -> float:
    """Best-of-`repeat` seconds to validate 5 rules for each board."""
    rng = random.Random(7)
    rules = [r for b in range(BOARDS) for r in make_rules(rng, b, 5)]
    best = float("inf")
    for _ in range(repeat):
        t0 = clock.perf_counter()
        for r in rules:
            validate_rule(r)
        best = min(best, clock.perf_counter() - t0)
    return best


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, nproc {os.cpu_count()}, cpu {cpu_model()}")
    print("single process, one core; best of", args.repeat)
    print()
    header = f"{'scenario':<42} {'total s':>8} {'us/board':>9} {'segs/board':>11}"
    print(header)
    print("-" * len(header))
    scenarios = [
        (5, 48, True),
        (5, 48, False),
        (5, 24 * 7, True),
        (20, 48, True),
    ]
    for rules_per_board, hours, with_hours in scenarios:
        total, segs = run(rules_per_board, hours, with_hours, args.repeat)
        label = f"{BOARDS} boards x {rules_per_board} rules x {hours} h"
        label += " + op. hours" if with_hours else ""
        print(f"{label:<42} {total:>8.3f} {total / BOARDS * 1e6:>9.0f} {segs:>11.1f}")
    total = run_validation(args.repeat)
    label = f"validate_rule x {BOARDS * 5} rules"
    print(f"{label:<42} {total:>8.3f} {total / BOARDS * 1e6:>9.0f} {'-':>11}")


if __name__ == "__main__":
    main()
