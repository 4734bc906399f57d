"""Python's re beside RE2 (as flask_cors.regex runs it), per match, in one process.

The decision behind SECURITY.md T17: what a linear-time engine costs on the values
browsers send, and what a backtracking one costs on values an attacker chooses.

    python benchmarks/regex_engines.py [--rounds N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from typing import Callable, List, Tuple

from flask_cors.regex import RegexSet

#: (label, configured patterns, value): ordinary matches first, then hostile values small
#: enough that Python's re still finishes within a second or so.
CASES: List[Tuple[str, List[str], str]] = [
    ("1 origin regex, matching", [r"https://[a-z0-9-]+\.example\.com"], "https://app.example.com"),
    ("1 origin regex, not matching", [r"https://[a-z0-9-]+\.example\.com"], "https://evil.test"),
    (
        "100 origin regexes, last matching",
        [rf"https://[a-z]+\.tenant{i}\.example" for i in range(100)],
        "https://eu.tenant99.example",
    ),
    (
        "nested quantifiers, 29-character hostile Origin",
        [r"https://([a-z0-9]+[-.]?)*\.example\.com"],
        "https://" + "a" * 20 + "!",
    ),
    ("x-.*-.*-.*-id, 256-character name", [r"x-.*-.*-.*-id"], "x-" + "-" * 253 + "z"),
]


def per_call_us(call: Callable[[], object], rounds: int) -> float:
    """Median microseconds per call over ``rounds`` timed batches."""
    batch = 1
    while True:  # a batch long enough to time (at least 2 ms)
        started = time.perf_counter()
        for _ in range(batch):
            call()
        if time.perf_counter() - started > 0.002 or batch >= 1 << 16:
            break
        batch *= 2
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(batch):
            call()
        samples.append((time.perf_counter() - started) / batch * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    rounds = parser.parse_args().rounds
    print("| match | Python re (µs) | RE2 (µs) | RE2 / re |")
    print("|---|---:|---:|---:|")
    for label, patterns, value in CASES:
        compiled = [re.compile(pattern, re.IGNORECASE) for pattern in patterns]
        engine = RegexSet(compiled, whole=True, ascii_input=True, where=label)
        assert not engine.notes, engine.notes  # every pattern runs on RE2

        def backtracking(compiled: List[re.Pattern[str]] = compiled, value: str = value) -> bool:
            return any(pattern.fullmatch(value) for pattern in compiled)

        def linear(engine: RegexSet = engine, value: str = value) -> bool:
            return bool(engine.matching(value))

        assert backtracking() == linear(), label
        # Alternated, so that both engines see the same machine state.
        python_us, re2_us = [], []
        for _ in range(3):
            python_us.append(per_call_us(backtracking, rounds))
            re2_us.append(per_call_us(linear, rounds))
        py, r2 = statistics.median(python_us), statistics.median(re2_us)
        print(f"| {label} | {py:,.2f} | {r2:,.2f} | {r2 / py:.3f} |")


if __name__ == "__main__":
    main()
