"""What a callable in origins costs per request, next to a literal origin, in one run.

Each row is measured as bench.py measures: the same request through a bare Flask app and
through one with CORS, alternated in short rounds in one process; the ratio is the
median of per-round ratios. Flask-CORS has no callable origins, so there is nothing of
its to put beside these rows; the literal-origin rows are the baseline.

    python benchmarks/dynamic_origins.py            # a Markdown table on stdout
"""

from __future__ import annotations

import argparse
import functools
from typing import Any, Dict, List, Optional, Sequence, Tuple

from bench import ORIGIN, PREFLIGHT, environ, measure

ALLOWED = {"https://app.example"}


@functools.lru_cache(maxsize=1024)
def cached_lookup(origin: str) -> bool:
    """The README's caching pattern around a set lookup."""
    return origin in ALLOWED


def rows() -> List[Tuple[str, Dict[str, Any], Dict[str, Any]]]:
    get, preflight = environ("GET", "/items", ORIGIN), environ("OPTIONS", "/items", PREFLIGHT)
    literal = {"origins": sorted(ALLOWED)}
    callable_set = {"origins": ALLOWED.__contains__}
    return [
        ("literal origin, GET", literal, get),
        ("callable (set lookup), GET", callable_set, get),
        ("lru_cached callable, GET", {"origins": cached_lookup}, get),
        ("literal origin, preflight", literal, preflight),
        ("callable (set lookup), preflight", callable_set, preflight),
    ]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=301)
    args = parser.parse_args(argv)
    print("| scenario | bare Flask (µs) | with CORS (µs) | ratio |")
    print("|---|---:|---:|---:|")
    for label, options, env in rows():
        timed = measure(options, env, args.rounds)
        print(
            f"| {label} | {timed['bare_us']:.1f} | {timed['cors_us']:.1f} | {timed['ratio']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
