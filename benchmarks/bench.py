"""Per-request CORS overhead against bare Flask, for this project and for Flask-CORS 6.

Each scenario builds two apps with the same routes, one bare and one with CORS, and
times them in the same process, alternating batches (A B A B ...), so that both see the
same machine state; the result is the median over rounds of the per-round ratio
cors/bare. ``run`` measures whatever package is importable as ``flask_cors``;
``compare`` runs it here (this project) and in a separate virtual environment holding
Flask-CORS 6 from PyPI, then prints one table and writes a plot. Hostile requests (some
take Flask-CORS seconds, or forever) are timed in a child process per scenario, stopped
after ``HOSTILE_CAP_S``.

    python benchmarks/bench.py compare --out reports/bench    # what `tox -e bench` runs
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
import venv
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterable, List, Optional, Tuple, Union

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
#: A 256-character header name on which the regex x-.*-.*-.*-id backtracks in Python's re
#: (cubic in the name's length) before failing: it does not end in "-id".
LONG_NAME = "x-" + "-" * 253 + "z"
LONG_NAME_REGEX = {"allow_headers": [r"x-.*-.*-.*-id", "content-type"]}
#: Nested quantifiers: Python's re takes time exponential in the length of a run of
#: letters not followed by ".example.com" (twice as long per extra letter here).
EXPONENTIAL_ORIGIN_REGEX = {"origins": [r"https://([a-z0-9]+[-.]?)*\.example\.com"]}
#: Letters in the short exponential row's Origin: few enough that Flask-CORS finishes, in
#: seconds (about 3 s with CPython 3.11 where this was written; each letter more doubles it).
EXPONENTIAL_SHORT_LETTERS = 24


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
        # 66,046 characters: over the 8,192 this project matches names in at all.
        ("64 KB requested headers, regex x-.*-.*-.*-id", "hostile", 0, LONG_NAME_REGEX,
         environ("OPTIONS", "/items",
                 {**PREFLIGHT, "Access-Control-Request-Headers": ", ".join([LONG_NAME] * 256)})),
        # 7,996 characters, 31 names: within the limits, so every name is matched.
        ("8 KB requested headers, regex x-.*-.*-.*-id", "hostile", 0, LONG_NAME_REGEX,
         environ("OPTIONS", "/items",
                 {**PREFLIGHT, "Access-Control-Request-Headers": ", ".join([LONG_NAME] * 31)})),
        ("exponential origin regex, 1 KB Origin", "hostile", 0, EXPONENTIAL_ORIGIN_REGEX,
         environ("GET", "/items", {"Origin": "https://" + "a" * 1000 + "!"})),
        (f"exponential origin regex, {EXPONENTIAL_SHORT_LETTERS + 9}-character Origin",
         "hostile", 0, EXPONENTIAL_ORIGIN_REGEX,
         environ("GET", "/items",
                 {"Origin": "https://" + "a" * EXPONENTIAL_SHORT_LETTERS + "!"})),
        # Four '.*': a backtracking engine's time grows with the fourth power of the length.
        ("polynomial origin regex (four .*), 409-character Origin", "hostile", 0,
         {"origins": [r"https://.*-.*-.*-.*\.example\.com"]},
         environ("GET", "/items", {"Origin": "https://" + "-" * 400 + "!"})),
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
    return measure_apps(build_app(None), build_app(options), env, rounds, size, warmup)


def measure_apps(
    bare: Any, cors: Any, env: Environ, rounds: int, size: int, warmup: int
) -> Dict[str, float]:
    """``measure`` for apps already built."""
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


def memory(
    options: Dict[str, Any],
    env: Union[Environ, Callable[[int], Environ]],
    requests: int = 10000,
) -> Dict[str, float]:
    """Memory a CORS app holds beyond a bare one after setup and a first request, how
    much the traced total grows over ``requests`` more requests (after a warm-up), and
    the most it grew by at any point during them.

    ``env`` is every request's environ, or a function giving request number ``i``'s
    (0 to ``requests`` - 1); setup and warm-up then repeat request number ``requests``."""
    make = env if callable(env) else (lambda _index: env)
    first = make(requests)
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    bare = build_app(None)
    call(bare, first)
    with_bare = tracemalloc.get_traced_memory()[0]
    cors = build_app(options)
    call(cors, first)
    with_cors = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        call(cors, first)
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    for index in range(requests):
        call(cors, make(index))
    peak = tracemalloc.get_traced_memory()[1]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    setup = (with_cors - with_bare) - (with_bare - start)
    return {
        "setup_kib": setup / 1024,
        "growth_kib": (after - before) / 1024,
        "peak_kib": (peak - before) / 1024,
    }


def hostile_origin(index: int) -> str:
    """A different 2,000-character Origin for each ``index``: over the 1,024 characters
    this project refuses before consulting any origin, under the 2,048 its memo keeps."""
    return "https://" + f"{index:06d}" + "a" * 1986


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
    for index, (label, group, size, _options, _env) in enumerate(hostile_scenarios()):
        result = hostile_measure(index, rounds)
        result.update(scenario=label, group=group, size=size)
        results.append(result)
        print(f"  {name}: {label}: {cors_ms(result)}", file=sys.stderr, flush=True)
    mem = {
        "10000 literal origins": memory(
            {"origins": origin_list(10000)}, environ("GET", "/items", ORIGIN)
        ),
        "1000 resources": memory(
            {"resources": resource_dict(1000)}, environ("GET", "/r999/items/1", ORIGIN)
        ),
        "1000 resources, hostile Origins": memory(
            {"resources": resource_dict(1000)},
            lambda index: environ("GET", "/r999/items/1", {"Origin": hostile_origin(index)}),
        ),
    }
    return {"implementation": name, "version": version, "results": results, "memory": mem}


# --------------------------------------------------------------------------------------
# Hostile requests: each scenario in a child process, stopped when one request is too slow

#: Longest one hostile request may take; past it the child process is killed and the
#: request reported as stopped (a match in Python's re cannot be interrupted in-process).
HOSTILE_CAP_S = 30.0
#: Time the repeated rounds of one hostile scenario may take, given its first request's:
#: slower requests get fewer rounds of one request each, or only that first request.
HOSTILE_ROUNDS_S = 10.0
#: Longest a child may take to build both apps (before any request is timed).
HOSTILE_SETUP_S = 300.0


def hostile_child(index: int, rounds: int, out: IO[str]) -> None:
    """Time hostile scenario ``index`` against the importable flask_cors, writing one JSON
    line per stage to ``out``: "ready" (apps built, bare Flask timed), "first" (one request
    with CORS, timed), then "result" (rounds, unless the first request was too slow)."""
    _label, _group, _size, options, env = hostile_scenarios()[index]

    def emit(**fields: Any) -> None:
        out.write(json.dumps(fields) + "\n")
        out.flush()

    bare, cors = build_app(None), build_app(options)
    call(bare, env)  # first-request work
    bare_times = []
    for _ in range(5):
        start = time.perf_counter()
        call(bare, env)
        bare_times.append(time.perf_counter() - start)
    bare_s = statistics.median(bare_times)
    emit(stage="ready", bare_us=bare_s * 1e6)
    start = time.perf_counter()
    call(cors, env)
    first_s = time.perf_counter() - start
    emit(stage="first", cors_us=first_s * 1e6)
    wanted = max(3, rounds // 30)
    if first_s * (wanted * 5 + 5) <= HOSTILE_ROUNDS_S:
        # Milliseconds at most: rounds of 5, after a warm-up (first-request work, caches).
        result = measure_apps(bare, cors, env, wanted, size=5, warmup=5)
    elif first_s <= HOSTILE_ROUNDS_S / 2:
        result = measure_apps(bare, cors, env, min(wanted, int(HOSTILE_ROUNDS_S / first_s)), 1, 0)
    else:  # the first request is all there is time for
        result = {"bare_us": bare_s * 1e6, "cors_us": first_s * 1e6, "ratio": first_s / bare_s,
                  "rounds": 1, "batch": 1}  # fmt: skip
    emit(stage="result", **result)


def hostile_measure(index: int, rounds: int) -> Dict[str, Any]:
    """``hostile_child`` in a child process of this interpreter; the result has
    ``stopped`` true (and no time with CORS) if one request took over ``HOSTILE_CAP_S``."""
    # -I again if given: there, flask_cors must stay what it is in this process.
    flags = ["-I"] if sys.flags.isolated else []
    script = str(Path(__file__).resolve())
    command = [sys.executable, *flags, script, "hostile", "--index", str(index)]
    command += ["--rounds", str(rounds)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    lines: queue.Queue[Optional[str]] = queue.Queue()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, args=(child.stdout,), daemon=True)
    reader.start()

    def stage(name: str, timeout: float) -> Optional[Dict[str, Any]]:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            child.wait()
            raise RuntimeError(f"{' '.join(command)} exited with {child.returncode}")
        fields: Dict[str, Any] = json.loads(line)
        if fields.pop("stage") != name:
            raise RuntimeError(f"{' '.join(command)}: expected {name!r}, got {line!r}")
        return fields

    try:
        ready = stage("ready", HOSTILE_SETUP_S)
        if ready is None:
            raise RuntimeError(f"{' '.join(command)}: no app after {HOSTILE_SETUP_S:.0f} s")
        first = stage("first", HOSTILE_CAP_S)
        bare_us = ready["bare_us"]
        if first is None:
            return {"bare_us": bare_us, "cors_us": None, "ratio": None, "rounds": 0, "batch": 0,
                    "stopped": True, "cap_s": HOSTILE_CAP_S}  # fmt: skip
        # The rounds take at most HOSTILE_ROUNDS_S plus the bare requests between them.
        result = stage("result", HOSTILE_ROUNDS_S * 3 + HOSTILE_CAP_S)
        if result is None:  # not expected: report the first request alone
            cors_us = first["cors_us"]
            result = {"bare_us": bare_us, "cors_us": cors_us, "ratio": cors_us / bare_us,
                      "rounds": 1, "batch": 1}  # fmt: skip
        result.update(stopped=False, cap_s=HOSTILE_CAP_S)
        return result
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        reader.join(timeout=10)  # the pipe ends with the child
        if child.stdout is not None and not reader.is_alive():
            child.stdout.close()


def cors_ms(row: Dict[str, Any]) -> str:
    """A hostile row's time with CORS, in milliseconds, or how long it ran before it was
    stopped."""
    if row.get("stopped"):
        return f"> {row['cap_s']:.0f} s (stopped)"
    return f"{row['cors_us'] / 1000:.2f}"


def cors_ratio(row: Dict[str, Any]) -> str:
    """A hostile row's ratio to bare Flask, a lower bound when it was stopped."""
    if row.get("stopped"):
        return f"> {row['cap_s'] * 1e6 / row['bare_us']:.0f}"
    return f"{row['ratio']:.3f}"


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
        if "peak_kib" in mine and "peak_kib" in other:
            lines.append(
                f"| most growth during them, {key} (KiB) | {mine['peak_kib']:.1f} | "
                f"{other['peak_kib']:.1f} |"
            )
    lines.append("")
    lines.append(
        "Ratios are median per-request time with CORS / without, same process, alternated."
    )
    lines.append("")
    lines.append(hostile_table(ours, theirs))
    return "\n".join(lines)


#: The most one hostile request (preflight or not) may take with this project's CORS.
PREFLIGHT_BUDGET_MS = 50.0


def within_budget(row: Dict[str, Any]) -> bool:
    """Whether a hostile row of this project took under ``PREFLIGHT_BUDGET_MS``."""
    return not row.get("stopped") and row["cors_us"] / 1000 < PREFLIGHT_BUDGET_MS


def hostile_table(ours: Dict[str, Any], theirs: Dict[str, Any]) -> str:
    """Milliseconds per hostile request, bare and with each implementation, and whether
    this project stays within ``PREFLIGHT_BUDGET_MS``."""
    rows = [row for row in ours["results"] if row["group"] == "hostile"]
    other = {row["scenario"]: row for row in theirs["results"] if row["group"] == "hostile"}
    head_a = f"{ours['implementation']} {ours['version']}"
    head_b = f"{theirs['implementation']} {theirs['version']}"
    lines = [
        f"| hostile request | bare Flask (ms) | {head_a} (ms) | ratio | {head_b} (ms) | ratio "
        f"| within {PREFLIGHT_BUDGET_MS:.0f} ms |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        theirs_row = other.get(row["scenario"])
        their_cells = (cors_ms(theirs_row), cors_ratio(theirs_row)) if theirs_row else ("n/a",) * 2
        cells = (
            row["scenario"],
            f"{row['bare_us'] / 1000:.2f}",
            cors_ms(row),
            cors_ratio(row),
            *their_cells,
            "yes" if within_budget(row) else "**NO**",
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    over = [row["scenario"] for row in rows if not within_budget(row)]
    if over:
        lines.append(
            f"**Not within {PREFLIGHT_BUDGET_MS:.0f} ms** with {head_a}: " + "; ".join(over) + "."
        )
    elif rows:
        slowest = max(rows, key=lambda row: row["cors_us"])
        lines.append(
            f"Each hostile request is answered within {PREFLIGHT_BUDGET_MS:.0f} ms with "
            f"{head_a} (slowest: {slowest['cors_us'] / 1000:.2f} ms, {slowest['scenario']})."
        )
    caps = {row["cap_s"] for report in (ours, theirs) for row in report["results"]
            if row["group"] == "hostile" and "cap_s" in row}  # fmt: skip
    if caps:
        lines.append(
            "Each scenario runs in a child process per implementation, stopped when one "
            f"request takes over {max(caps):.0f} s; slow requests are timed in fewer rounds "
            f"of one request (about {HOSTILE_ROUNDS_S:.0f} s of them), or once."
        )
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
    hostile_parser = commands.add_parser("hostile", help="(internal) time one hostile scenario")
    hostile_parser.add_argument("--index", type=int, required=True)
    hostile_parser.add_argument("--rounds", type=int, default=301)
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command == "plot":
        ours, theirs = json.loads((args.out / "bench.json").read_text())
        print(table(ours, theirs))
        plot(ours, theirs, args.out / "overhead.png")
        return 0
    if args.command == "hostile":
        hostile_child(args.index, args.rounds, sys.stdout)
        return 0
    if args.command == "run":
        print(json.dumps(run(args.rounds, args.full)))
        return 0
    return compare(args.rounds, args.out, args.upstream_env)


if __name__ == "__main__":
    sys.exit(main())
