"""Per-request CORS overhead against bare Flask, for this project and for Flask-CORS 6.

Each scenario builds two apps with the same routes, one bare and one with CORS, and
times them in the same process, alternating batches (A B A B ...), so that both see the
same machine state; the result is the median over rounds of the per-round ratio
cors/bare. ``run`` measures whatever package is importable as ``flask_cors``;
``compare`` runs it here (this project) and in a separate virtual environment holding
Flask-CORS 6 from PyPI, then prints one table and writes a plot.

    python benchmarks/bench.py compare --out reports/bench    # what `tox -e bench` runs
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import venv
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
UPSTREAM_REQUIREMENT = "flask-cors>=6,<7"

Environ = Dict[str, Any]


# --------------------------------------------------------------------------------------
# Scenarios: (name, group, size, cors options, request environ)


def origin_list(count: int) -> List[str]:
    return [f"https://site{i}.example" for i in range(count)]


def regex_list(count: int) -> List[str]:
    return [rf"https://[a-z]+\.tenant{i}\.example" for i in range(count)]


def resource_dict(count: int) -> Dict[str, Dict[str, Any]]:
    return {rf"/r{i}/items/.*": {"origins": "*"} for i in range(count)}


def environ(method: str, path: str, headers: Dict[str, str]) -> Environ:
    """A WSGI environ as a server would build it."""
    env: Environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": None,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "HTTP_HOST": "localhost",
    }
    for name, value in headers.items():
        env["HTTP_" + name.upper().replace("-", "_")] = value
    return env


ORIGIN = {"Origin": "https://app.example"}
PREFLIGHT = {
    "Origin": "https://app.example",
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "content-type,x-request-id",
}


def scenarios(full: bool) -> List[Tuple[str, str, int, Dict[str, Any], Environ]]:
    """The table's scenarios, and with ``full`` the extra points of the plot."""
    table = [
        ("default GET with Origin", "basic", 0, {}, environ("GET", "/items", ORIGIN)),
        ("default preflight", "basic", 0, {}, environ("OPTIONS", "/items", PREFLIGHT)),
        ("GET without Origin", "basic", 0, {}, environ("GET", "/items", {})),
    ]
    origin_counts = [1, 10, 100, 1000, 10000] if full else [1, 100, 10000]
    for count in origin_counts:
        allowed = origin_list(count - 1) + ["https://app.example"]  # the match comes last
        table.append(
            (f"{count} literal origins", "origins", count, {"origins": allowed},
             environ("GET", "/items", ORIGIN))
        )  # fmt: skip
    table.append(
        ("100 regex origins", "regex", 100,
         {"origins": [*regex_list(99), r"https://app\.example"]},
         environ("GET", "/items", ORIGIN))
    )  # fmt: skip
    for count in [1, 10, 100, 1000] if full else [1000]:
        table.append(
            (f"{count} resources", "resources", count, {"resources": resource_dict(count)},
             environ("GET", f"/r{count - 1}/items/1", ORIGIN))
        )  # fmt: skip
    return table


HUGE_ORIGIN = "https://app.example" + "a" * 200_000  # 200 KB, visible ASCII throughout
MANY_NAMES = ",".join(f"x-name-{i}" for i in range(20_000))  # 20,000 header names


def hostile_scenarios() -> List[Tuple[str, str, int, Dict[str, Any], Environ]]:
    """Requests an attacker controls the size of, against configurations where they cost
    most: every regex and literal consulted, every requested name looked at. None of them
    can be cached (the keys are too long), so each request pays the full price."""
    regexes = {"origins": [*regex_list(99), r"https://app\.example[a-z]*"]}
    many = {"origins": origin_list(10000)}
    preflight = {"Access-Control-Request-Method": "PUT"}
    return [
        ("200 KB Origin, 100 regex origins", "hostile", 0, regexes,
         environ("GET", "/items", {"Origin": HUGE_ORIGIN})),
        ("200 KB Origin, 10000 literal origins", "hostile", 0, many,
         environ("GET", "/items", {"Origin": HUGE_ORIGIN})),
        ("200 KB Origin, preflight", "hostile", 0, regexes,
         environ("OPTIONS", "/items", {"Origin": HUGE_ORIGIN, **preflight})),
        ("20,000 requested headers, allow_headers '*'", "hostile", 0, {},
         environ("OPTIONS", "/items", {**PREFLIGHT, "Access-Control-Request-Headers": MANY_NAMES})),
        ("20,000 requested headers, 3 allow_headers regexes", "hostile", 0,
         {"allow_headers": [r"x-name-[0-9]*5", r"content-.*", r"x-trace-[a-z]+"]},
         environ("OPTIONS", "/items", {**PREFLIGHT, "Access-Control-Request-Headers": MANY_NAMES})),
        ("200 KB path, 1000 resources", "hostile", 0, {"resources": resource_dict(1000)},
         environ("GET", "/r1/items/" + "p" * 200_000, ORIGIN)),
    ]  # fmt: skip


def build_app(options: Optional[Dict[str, Any]]) -> Any:
    """An app with catch-all routes, with CORS(app, **options) unless options is None."""
    from flask import Flask

    import flask_cors

    app = Flask(f"bench_{'bare' if options is None else 'cors'}")

    @app.route("/", defaults={"path": ""}, methods=["GET", "PUT", "POST"])
    @app.route("/<path:path>", methods=["GET", "PUT", "POST"])
    def view(path: str) -> str:
        return "ok"

    if options is not None:
        flask_cors.CORS(app, **options)
    return app


def _start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
    return None


def call(app: Any, env: Environ) -> None:
    """One request through the whole WSGI app, body consumed."""
    body = app.wsgi_app(dict(env), _start_response)
    for _ in body:
        pass
    close: Optional[Callable[[], None]] = getattr(body, "close", None)
    if close is not None:
        close()


def measure(
    options: Dict[str, Any], env: Environ, rounds: int, size: int = 20, warmup: int = 200
) -> Dict[str, float]:
    """Median per-request time of both apps and the median of per-round ratios.

    Rounds are short (``size`` requests per app) and alternate which app goes first, so
    both apps see the same machine state; the median ratio shrugs off the rounds a
    noisy neighbour disturbed."""
    bare, cors = build_app(None), build_app(options)
    for app in (bare, cors):  # warm up: first-request work, caches
        for _ in range(warmup):
            call(app, env)
    bare_times: List[float] = []
    cors_times: List[float] = []
    gc.disable()
    try:
        for index in range(rounds):
            order = [(bare, bare_times), (cors, cors_times)]
            if index % 2:
                order.reverse()
            for app, times in order:
                start = time.perf_counter()
                for _ in range(size):
                    call(app, env)
                times.append((time.perf_counter() - start) / size)
    finally:
        gc.enable()
    ratios = [c / b for b, c in zip(bare_times, cors_times)]
    return {
        "bare_us": statistics.median(bare_times) * 1e6,
        "cors_us": statistics.median(cors_times) * 1e6,
        "ratio": statistics.median(ratios),
        "rounds": rounds,
        "batch": size,
    }


def memory(options: Dict[str, Any], env: Environ, requests: int = 10000) -> Dict[str, float]:
    """Memory a CORS app holds beyond a bare one after setup and a first request, and how
    much the traced total grows over ``requests`` more requests (after a warm-up)."""
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    bare = build_app(None)
    call(bare, env)
    with_bare = tracemalloc.get_traced_memory()[0]
    cors = build_app(options)
    call(cors, env)
    with_cors = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        call(cors, env)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(requests):
        call(cors, env)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    setup = (with_cors - with_bare) - (with_bare - start)
    return {"setup_kib": setup / 1024, "growth_kib": (after - before) / 1024}


def implementation() -> Tuple[str, str]:
    import flask_cors

    version = getattr(flask_cors, "__version__", "?")
    for name in ("flask-cors-reference", "flask-cors"):
        try:
            if importlib.metadata.version(name) == version:
                return name, version
        except importlib.metadata.PackageNotFoundError:
            continue
    return "flask_cors", version


def run(rounds: int, full: bool) -> Dict[str, Any]:
    """Every scenario against the importable flask_cors."""
    name, version = implementation()
    results = []
    for label, group, size, options, env in scenarios(full):
        result = measure(options, env, rounds)
        result.update(scenario=label, group=group, size=size)
        results.append(result)
        print(f"  {name}: {label}: {result['ratio']:.3f}", file=sys.stderr, flush=True)
    for label, group, size, options, env in hostile_scenarios():
        # Each request costs milliseconds here (up to a second for Flask-CORS): fewer,
        # smaller rounds, and nothing to warm up since nothing is cached.
        result = measure(options, env, max(3, rounds // 30), size=5, warmup=5)
        result.update(scenario=label, group=group, size=size)
        results.append(result)
        print(f"  {name}: {label}: {result['cors_us'] / 1000:.2f} ms", file=sys.stderr, flush=True)
    mem = {
        "10000 literal origins": memory(
            {"origins": origin_list(10000)}, environ("GET", "/items", ORIGIN)
        ),
        "1000 resources": memory(
            {"resources": resource_dict(1000)}, environ("GET", "/r999/items/1", ORIGIN)
        ),
    }
    return {"implementation": name, "version": version, "results": results, "memory": mem}


# --------------------------------------------------------------------------------------
# Comparison: this project here, Flask-CORS in its own virtual environment


def upstream_python(directory: Path) -> Path:
    """A virtual environment with Flask-CORS 6 from PyPI (and not this project)."""
    python = directory / ("Scripts" if os.name == "nt" else "bin") / "python"
    if not python.exists():
        venv.create(directory, with_pip=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", UPSTREAM_REQUIREMENT],
            check=True,
        )
    return python


def compare(rounds: int, out: Path, upstream_env: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ours = run(rounds, full=True)
    python = upstream_python(upstream_env)
    # -I: the repository root is not on sys.path there, so flask_cors is Flask-CORS.
    completed = subprocess.run(
        [str(python), "-I", str(HERE / "bench.py"), "run", "--rounds", str(rounds), "--full"],
        check=True,
        stdout=subprocess.PIPE,
    )
    theirs = json.loads(completed.stdout)
    (out / "bench.json").write_text(json.dumps([ours, theirs], indent=2) + "\n")
    print(table(ours, theirs))
    plot(ours, theirs, out / "overhead.png")
    print(f"\nplot: {out / 'overhead.png'}; data: {out / 'bench.json'}")
    return 0


TABLE_ROWS = [
    "default GET with Origin", "default preflight", "GET without Origin",
    "1 literal origins", "100 literal origins", "10000 literal origins",
    "100 regex origins", "1000 resources",
]  # fmt: skip


def table(ours: Dict[str, Any], theirs: Dict[str, Any]) -> str:
    """A Markdown table of both implementations' median ratios and memory."""

    def by_name(report: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
        return {row["scenario"]: row for row in report["results"]}

    a, b = by_name(ours), by_name(theirs)
    head_a = f"{ours['implementation']} {ours['version']}"
    head_b = f"{theirs['implementation']} {theirs['version']}"
    lines = [
        f"| scenario | bare Flask (µs) | {head_a} | {head_b} |",
        "|---|---:|---:|---:|",
    ]
    for name in TABLE_ROWS:  # the basic, origins, regex and resources groups
        label = name.replace("1 literal origins", "1 literal origin")
        row = (
            label,
            f"{a[name]['bare_us']:.1f}",
            f"{a[name]['ratio']:.3f}",
            f"{b[name]['ratio']:.3f}",
        )
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append("| memory | " + head_a + " | " + head_b + " |")
    lines.append("|---|---:|---:|")
    for key in ours["memory"]:
        mine, other = ours["memory"][key], theirs["memory"][key]
        lines.append(f"| setup, {key} (KiB) | {mine['setup_kib']:.0f} | {other['setup_kib']:.0f} |")
        lines.append(
            f"| growth over 10,000 requests, {key} (KiB) | {mine['growth_kib']:.1f} | "
            f"{other['growth_kib']:.1f} |"
        )
    lines.append("")
    lines.append(
        "Ratios are median per-request time with CORS / without, same process, alternated."
    )
    lines.append("")
    lines.append(hostile_table(ours, theirs))
    return "\n".join(lines)


#: What "answered in well under 100 ms" means for one hostile request, with CORS.
HOSTILE_BUDGET_MS = 100.0


def hostile_table(ours: Dict[str, Any], theirs: Dict[str, Any]) -> str:
    """Milliseconds per hostile request, bare and with each implementation, and whether
    this project stays within ``HOSTILE_BUDGET_MS``."""
    rows = [row for row in ours["results"] if row["group"] == "hostile"]
    other = {row["scenario"]: row for row in theirs["results"] if row["group"] == "hostile"}
    head_a = f"{ours['implementation']} {ours['version']}"
    head_b = f"{theirs['implementation']} {theirs['version']}"
    lines = [
        f"| hostile request | bare Flask (ms) | {head_a} (ms) | ratio | {head_b} (ms) | ratio "
        f"| within {HOSTILE_BUDGET_MS:.0f} ms |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        theirs_row = other.get(row["scenario"])
        their_cells = (
            (f"{theirs_row['cors_us'] / 1000:.2f}", f"{theirs_row['ratio']:.3f}")
            if theirs_row
            else ("n/a", "n/a")
        )
        within = "yes" if row["cors_us"] / 1000 < HOSTILE_BUDGET_MS else "**NO**"
        cells = (
            row["scenario"],
            f"{row['bare_us'] / 1000:.2f}",
            f"{row['cors_us'] / 1000:.2f}",
            f"{row['ratio']:.3f}",
            *their_cells,
            within,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(ours: Dict[str, Any], theirs: Dict[str, Any], path: Path) -> None:
    """Overhead against the number of origins and of resources, both implementations."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for axis, group, xlabel in (
        (axes[0], "origins", "literal origins allowed (match last)"),
        (axes[1], "resources", "resource patterns (match last)"),
    ):
        for report, style in ((ours, "o-"), (theirs, "s--")):
            points = sorted(
                (row["size"], row["ratio"]) for row in report["results"] if row["group"] == group
            )
            axis.plot(
                [x for x, _ in points], [y for _, y in points], style,
                label=f"{report['implementation']} {report['version']}",
            )  # fmt: skip
        axis.set_xscale("log")
        axis.set_yscale("log")
        highest = max(row["ratio"] for report in (ours, theirs) for row in report["results"]
                      if row["group"] == group)  # fmt: skip
        axis.set_yticks([t for t in (1, 1.25, 1.5, 2, 3, 5, 10, 20, 50) if t <= highest * 1.2])
        axis.yaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
        axis.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        axis.axhline(1.0, color="grey", linewidth=0.8)
        axis.set_xlabel(xlabel)
        axis.set_ylabel("time per request, CORS / bare Flask")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle("CORS per-request overhead (median ratio, lower is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: Optional[Iterable[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="measure the importable flask_cors, print JSON")
    run_parser.add_argument("--rounds", type=int, default=301)
    run_parser.add_argument("--full", action="store_true", help="also the plot's extra points")
    compare_parser = commands.add_parser("compare", help="this project and Flask-CORS 6, one table")
    compare_parser.add_argument("--rounds", type=int, default=301)
    compare_parser.add_argument("--out", type=Path, default=Path("reports/bench"))
    compare_parser.add_argument("--upstream-env", type=Path, default=Path(".tox/bench-flask-cors"))
    plot_parser = commands.add_parser("plot", help="table and plot again from a compare's data")
    plot_parser.add_argument("--out", type=Path, default=Path("reports/bench"))
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "plot":
        ours, theirs = json.loads((args.out / "bench.json").read_text())
        print(table(ours, theirs))
        plot(ours, theirs, args.out / "overhead.png")
        return 0
    if args.command == "run":
        print(json.dumps(run(args.rounds, args.full)))
        return 0
    return compare(args.rounds, args.out, args.upstream_env)


if __name__ == "__main__":
    sys.exit(main())
