"""Per-request CORS overhead against bare Flask, for this project, a hand-written hook and
Flask-CORS 6.

Each scenario builds apps with the same routes, one bare, one with CORS and (where one
fits the configuration) one with a hand-written ``after_request`` hook that sends the
same headers as this project, the floor a general library is measured against. They are
timed in the same process, alternating short batches in every order (A B C, B C A, ...),
so that all see the same machine state; the results are the medians over rounds of the
per-round ratio to bare Flask and of the per-round overhead over it, in microseconds.
Before any timing, the hook's answers are checked against flask_cors's (status, headers
and body, for the scenario's request and a few probes): a hook that sends less would make
an unfair floor. ``run`` measures whatever package is importable as ``flask_cors``;
``compare`` runs it here (this project) and in a separate virtual environment holding
Flask-CORS 6 from PyPI, then prints the tables, the targets and writes a plot. Hostile
requests (some take Flask-CORS seconds, or forever) are timed in a child process per
scenario, stopped after ``HOSTILE_CAP_S``.

    python benchmarks/bench.py compare --out reports/bench    # what `tox -e bench` runs
    python benchmarks/bench.py run --rounds 3                 # the CI smoke run
    python benchmarks/bench.py check                          # the hook's headers only
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import os
import queue
import re
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
import venv
from pathlib import Path
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Union,
)

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


class Hook(NamedTuple):
    """What the hand-written hook needs to answer as this project does for one
    configuration: which origins it allows (None: any) and the Access-Control-Allow-Origin
    it sends to a request without Origin (None: nothing)."""

    allow: Optional[Callable[[str], Any]]
    no_origin: Optional[str]


class Scenario(NamedTuple):
    """One timed configuration and request."""

    name: str
    group: str
    size: int
    #: CORS(app, **options), or @cross_origin(**options) on the view with ``decorator``.
    options: Dict[str, Any]
    env: Environ
    decorator: bool = False
    #: The hand-written hook for this configuration, where one is meaningful.
    hook: Optional[Hook] = None


#: The default configuration (origins '*', no send_wildcard): any Origin echoed, '*' to
#: requests without one.
DEFAULT_HOOK = Hook(allow=None, no_origin="*")
APP_ORIGIN = ORIGIN["Origin"]


def allow_app_origin(origin: str) -> bool:
    """The callable of the "callable in origins" scenario."""
    return origin == APP_ORIGIN


def literal_hook(allowed: Sequence[str]) -> Hook:
    """Literal origins, compared case-insensitively; without Origin, this project sends the
    alphabetically first one."""
    lowered = frozenset(origin.lower() for origin in allowed)
    return Hook(allow=lambda origin: origin.lower() in lowered, no_origin=min(allowed))


def regex_hook(patterns: Sequence[str]) -> Hook:
    """Regex origins, each matching the whole Origin, case-insensitively, in one pass."""
    either = re.compile("|".join(f"(?:{pattern})" for pattern in patterns), re.IGNORECASE)
    return Hook(allow=either.fullmatch, no_origin=None)


def scenarios(full: bool) -> List[Scenario]:
    """The table's scenarios, and with ``full`` the extra points of the plot."""
    get, preflight = environ("GET", "/items", ORIGIN), environ("OPTIONS", "/items", PREFLIGHT)
    table = [
        Scenario("default GET with Origin", "basic", 0, {}, get, hook=DEFAULT_HOOK),
        Scenario("default preflight", "basic", 0, {}, preflight, hook=DEFAULT_HOOK),
        Scenario("GET without Origin", "basic", 0, {}, environ("GET", "/items", {}),
                 hook=DEFAULT_HOOK),
        Scenario("callable in origins", "basic", 0, {"origins": [allow_app_origin]}, get,
                 hook=Hook(allow=allow_app_origin, no_origin=None)),
        Scenario("decorator", "basic", 0, {}, get, decorator=True, hook=DEFAULT_HOOK),
    ]  # fmt: skip
    origin_counts = [1, 10, 100, 1000, 10000] if full else [1, 100, 10000]
    for count in origin_counts:
        allowed = origin_list(count - 1) + [APP_ORIGIN]  # the match comes last
        table.append(
            Scenario(f"{count} literal origins", "origins", count, {"origins": allowed}, get,
                     hook=literal_hook(allowed))
        )  # fmt: skip
    regexes = [*regex_list(99), r"https://app\.example"]
    table.append(
        Scenario("100 regex origins", "regex", 100, {"origins": regexes}, get,
                 hook=regex_hook(regexes))
    )  # fmt: skip
    # No hook: a resource table is what a hand-written hook would not have.
    for count in [1, 10, 100, 1000] if full else [1000]:
        table.append(
            Scenario(f"{count} resources", "resources", count, {"resources": resource_dict(count)},
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


def build_app(options: Optional[Dict[str, Any]], decorator: bool = False) -> Any:
    """An app with catch-all routes, with CORS(app, **options) unless options is None, or
    with ``decorator`` its view wrapped in @cross_origin(**options) and no extension."""
    from flask import Flask

    import flask_cors

    app = Flask(f"bench_{'bare' if options is None else 'cors'}")

    def view(path: str) -> str:
        return "ok"

    if options is not None and decorator:
        view = flask_cors.cross_origin(**options)(view)
    view = app.route("/<path:path>", methods=["GET", "PUT", "POST"])(view)
    app.route("/", defaults={"path": ""}, methods=["GET", "PUT", "POST"])(view)
    if options is not None and not decorator:
        flask_cors.CORS(app, **options)
    return app


# The hand-written hook: what a careful developer would write instead of an extension.
# It wraps app.process_response, as this project does, rather than being an after_request
# function: Flask's dispatch of those would add its own cost to the floor. It reads the
# WSGI environ and appends headers with Headers.add (public API throughout), and assumes
# the views set no CORS header of their own (the benchmark's do not).
# Access-Control-Allow-Methods is flask_cors's default method list, sorted, as it sends it.
HOOK_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})
HOOK_METHODS_VALUE = ", ".join(sorted(HOOK_METHODS))


def add_hand_written_cors(
    app: Any, allow: Optional[Callable[[str], Any]], no_origin: Optional[str]
) -> None:
    """Answer CORS on every response of ``app``: ``allow(origin)`` says whether an Origin
    is allowed (None: any is), ``no_origin`` is what to send a request without one."""
    from flask import request

    process_response = app.process_response

    def hand_written_cors(response: Any) -> Any:
        response, env = process_response(response), request.environ
        headers, origin = response.headers, env.get("HTTP_ORIGIN")
        if not origin:
            if no_origin is not None:
                headers.add("Access-Control-Allow-Origin", no_origin)
        elif allow is None or allow(origin):
            headers.add("Access-Control-Allow-Origin", origin)
            method = env.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "").upper()
            if env["REQUEST_METHOD"] == "OPTIONS" and method in HOOK_METHODS:
                names: Dict[str, str] = {}  # each name once, as first spelled
                for name in env.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(","):
                    if name.strip(" \t"):
                        names.setdefault(name.strip(" \t").lower(), name.strip(" \t"))
                if names:
                    headers.add("Access-Control-Allow-Headers", ", ".join(sorted(names.values())))
                headers.add("Access-Control-Allow-Methods", HOOK_METHODS_VALUE)
        if "Vary" in headers:
            response.vary.add("Origin")
        else:
            headers.add("Vary", "Origin")
        return response

    app.process_response = hand_written_cors


def build_hook_app(hook: Hook) -> Any:
    """The bare app's routes, with the hand-written hook for ``hook``'s configuration."""
    app = build_app(None)
    add_hand_written_cors(app, hook.allow, hook.no_origin)
    return app


def build_scenario_app(scenario: Scenario) -> Any:
    return build_app(scenario.options, decorator=scenario.decorator)


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


# --------------------------------------------------------------------------------------
# The hook's answers against flask_cors's, before any timing

Answer = Tuple[str, Tuple[Tuple[str, str], ...], bytes]


def answer(app: Any, env: Environ) -> Answer:
    """Status, headers (sorted by name, case-insensitively; repeated ones kept in order)
    and body of one request, through the same WSGI call as the timed ones."""
    seen: Dict[str, Any] = {}

    def start_response(status: str, headers: List[Tuple[str, str]], exc_info: Any = None) -> Any:
        seen.update(status=status, headers=headers)

    body = app.wsgi_app(dict(env), start_response)
    try:
        content = b"".join(body)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    headers = tuple(sorted(seen["headers"], key=lambda item: item[0].lower()))
    return seen["status"], headers, content


def probes() -> List[Tuple[str, Environ]]:
    """Requests every hook is checked on besides its scenario's own: allowed and refused
    origins, with and without preflight, no Origin, and requested headers to sort, fold
    and deduplicate."""
    other = {"Origin": "https://other.example"}
    messy = {**PREFLIGHT, "Access-Control-Request-Headers": "X-B, x-a,content-type, X-A,,"}
    return [
        ("GET with Origin", environ("GET", "/items", ORIGIN)),
        ("preflight", environ("OPTIONS", "/items", PREFLIGHT)),
        ("GET without Origin", environ("GET", "/items", {})),
        ("GET from another origin", environ("GET", "/items", other)),
        ("preflight from another origin", environ("OPTIONS", "/items", {**PREFLIGHT, **other})),
        ("preflight, unsorted mixed-case names", environ("OPTIONS", "/items", messy)),
        ("preflight without requested headers",
         environ("OPTIONS", "/items", {**ORIGIN, "Access-Control-Request-Method": "DELETE"})),
        ("POST with Origin", environ("POST", "/other/path", ORIGIN)),
    ]  # fmt: skip


def hook_differences(
    scenario: Scenario, cors: Any, hook_app: Any
) -> List[Tuple[str, Answer, Answer]]:
    """Where the hand-written hook's answers differ from flask_cors's, on the scenario's
    request and on ``probes()``: each request's label, flask_cors's answer and the
    hook's; none when they are all equal."""
    differences = []
    for label, env in [("the scenario's request", scenario.env), *probes()]:
        theirs, mine = answer(cors, env), answer(hook_app, env)
        if theirs != mine:
            differences.append((label, theirs, mine))
    return differences


def allows(app: Any, env: Environ) -> bool:
    """Whether ``app`` sends Access-Control-Allow-Origin to ``env``."""
    _status, headers, _body = answer(app, env)
    return any(name.lower() == "access-control-allow-origin" for name, _value in headers)


class HookMismatch(AssertionError):
    """The hand-written hook does not answer as flask_cors does: it would be an unfair
    floor (or this project changed what it sends)."""


def check_hook(scenario: Scenario, cors: Any, hook_app: Any) -> None:
    """Raise ``HookMismatch`` unless the hook answers every probe as flask_cors does."""
    differences = hook_differences(scenario, cors, hook_app)
    if differences:
        raise HookMismatch(
            f"{scenario.name}: the hand-written hook does not answer as flask_cors:\n  "
            + "\n  ".join(f"{label}: flask_cors {theirs!r}, hook {mine!r}"
                           for label, theirs, mine in differences)
        )  # fmt: skip


# --------------------------------------------------------------------------------------
# Timing


def measure(
    options: Dict[str, Any], env: Environ, rounds: int, size: int = 20, warmup: int = 200
) -> Dict[str, float]:
    """Median per-request time of both apps, the median of per-round ratios and the
    median of per-round overheads (µs).

    Rounds are short (``size`` requests per app) and alternate which app goes first, so
    both apps see the same machine state; the medians shrug off the rounds a noisy
    neighbour disturbed."""
    return measure_apps(build_app(None), build_app(options), env, rounds, size, warmup)


def time_rounds(
    apps: Sequence[Any], env: Environ, rounds: int, size: int, warmup: int
) -> List[List[float]]:
    """Seconds per request of each app in each round. Each round runs every app once,
    ``size`` requests in a row; successive rounds rotate the order and then reverse it
    (with three apps: ABC BCA CAB CBA ACB BAC), so no app always follows the same one."""
    for app in apps:  # warm up: first-request work, caches
        for _ in range(warmup):
            call(app, env)
    times: List[List[float]] = [[] for _ in apps]
    indices = list(range(len(apps)))
    gc.disable()
    try:
        for index in range(rounds):
            shift = index % len(apps)
            order = indices[shift:] + indices[:shift]
            if (index // len(apps)) % 2:
                order.reverse()
            for position in order:
                app = apps[position]
                start = time.perf_counter()
                for _ in range(size):
                    call(app, env)
                times[position].append((time.perf_counter() - start) / size)
    finally:
        gc.enable()
    return times


def against(base: List[float], other: List[float]) -> Dict[str, float]:
    """``other``'s median time (µs), and its medians of per-round overhead over ``base``
    (µs) and of per-round ratio to it."""
    return {
        "us": statistics.median(other) * 1e6,
        "overhead_us": statistics.median(o - b for b, o in zip(base, other)) * 1e6,
        "ratio": statistics.median(o / b for b, o in zip(base, other)),
    }


def measure_apps(
    bare: Any, cors: Any, env: Environ, rounds: int, size: int, warmup: int
) -> Dict[str, float]:
    """``measure`` for apps already built."""
    bare_times, cors_times = time_rounds([bare, cors], env, rounds, size, warmup)
    result = against(bare_times, cors_times)
    return {
        "bare_us": statistics.median(bare_times) * 1e6,
        "cors_us": result["us"],
        "ratio": result["ratio"],
        "overhead_us": result["overhead_us"],
        "rounds": rounds,
        "batch": size,
    }


def measure_scenario(
    scenario: Scenario, rounds: int, with_hook: bool, size: int = 20, warmup: int = 200
) -> Dict[str, Any]:
    """One scenario's row: bare Flask, flask_cors and (``with_hook`` and the scenario has
    one) the hand-written hook, timed in the same rounds.

    Before timing, the hook's answers must equal flask_cors's (``HookMismatch`` if not).
    Without ``with_hook`` (another implementation than this project, whose answers may
    differ), the hook only tells whether flask_cors allows the request at all: if it does
    not, or cannot be configured so, the row is not supported (``n/a``) and not timed."""
    row: Dict[str, Any] = {"scenario": scenario.name, "group": scenario.group,
                           "size": scenario.size, "supported": True}  # fmt: skip
    bare = build_app(None)
    hook_app = build_hook_app(scenario.hook) if scenario.hook is not None else None
    try:
        cors = build_scenario_app(scenario)
    except Exception as error:  # an option this flask_cors does not accept
        cors = None
        row["note"] = f"setup failed: {type(error).__name__}: {error}"
    if cors is not None and hook_app is not None:
        if with_hook:
            check_hook(scenario, cors, hook_app)
        elif allows(hook_app, scenario.env) and not allows(cors, scenario.env):
            row["note"] = (
                "no Access-Control-Allow-Origin for the allowed origin: the configuration "
                "is not supported"
            )
        else:
            # For the record: which requests it answers otherwise than this project.
            row["differs_on"] = [label for label, _theirs, _mine in
                                 hook_differences(scenario, cors, hook_app)]  # fmt: skip
    if "note" in row:
        row.update(supported=False, cors_us=None, ratio=None, overhead_us=None,
                   rounds=0, batch=size)  # fmt: skip
        row["bare_us"] = (
            statistics.median(time_rounds([bare], scenario.env, rounds, size, warmup)[0]) * 1e6
        )
        return row
    apps = [bare, cors] + ([hook_app] if with_hook and hook_app is not None else [])
    times = time_rounds(apps, scenario.env, rounds, size, warmup)
    result = against(times[0], times[1])
    row.update(
        bare_us=statistics.median(times[0]) * 1e6, cors_us=result["us"],
        ratio=result["ratio"], overhead_us=result["overhead_us"], rounds=rounds, batch=size,
    )  # fmt: skip
    if len(times) == 3:
        hook = against(times[0], times[2])
        # The library's cost over the hook's, paired round by round.
        hook["cors_minus_hook_us"] = statistics.median(
            c - h for c, h in zip(times[1], times[2])
        ) * 1e6  # fmt: skip
        row["hook"] = hook
    return row


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


def run(rounds: int, full: bool, with_hook: bool = True) -> Dict[str, Any]:
    """Every scenario against the importable flask_cors, and with ``with_hook`` (this
    project) the hand-written hook beside it, its answers checked first."""
    name, version = implementation()
    results = []
    for scenario in scenarios(full):
        result = measure_scenario(scenario, rounds, with_hook)
        results.append(result)
        print(f"  {name}: {scenario.name}: {progress(result)}", file=sys.stderr, flush=True)
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
    return {"implementation": name, "version": version, "hook": with_hook, "results": results,
            "memory": mem}  # fmt: skip


def progress(row: Dict[str, Any]) -> str:
    """A scenario's figures on one line, for stderr while the run goes on."""
    if not row["supported"]:
        return f"n/a ({row['note']})"
    text = f"{row['ratio']:.3f}, +{row['overhead_us']:.2f} µs"
    if "hook" in row:
        hook = row["hook"]
        text += f"; hook {hook['ratio']:.3f}, +{hook['overhead_us']:.2f} µs"
    return text


def check(full: bool) -> int:
    """Only the hook's answers against the importable flask_cors's, every scenario."""
    for scenario in scenarios(full):
        if scenario.hook is None:
            continue
        check_hook(scenario, build_scenario_app(scenario), build_hook_app(scenario.hook))
        print(f"{scenario.name}: the hook answers {len(probes()) + 1} requests as flask_cors")
    return 0


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
    # --no-hook: the hook answers as this project does, not as Flask-CORS does.
    completed = subprocess.run(
        [str(python), "-I", str(HERE / "bench.py"), "run", "--rounds", str(rounds), "--full",
         "--no-hook"],
        check=True,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    theirs = json.loads(completed.stdout)
    (out / "bench.json").write_text(json.dumps([ours, theirs], indent=2) + "\n")
    print(table(ours, theirs))
    plot(ours, theirs, out / "overhead.png")
    print(f"\nplot: {out / 'overhead.png'}; data: {out / 'bench.json'}")
    return 0


TABLE_ROWS = [
    "default GET with Origin", "default preflight", "GET without Origin",
    "callable in origins", "decorator",
    "1 literal origins", "100 literal origins", "10000 literal origins",
    "100 regex origins", "1000 resources",
]  # fmt: skip
ROW_LABELS = {"1 literal origins": "1 literal origin", "decorator": "@cross_origin() decorator"}


def overhead_cells(row: Optional[Dict[str, Any]]) -> Tuple[str, str]:
    """A contender's overhead over bare Flask (µs) and ratio to it, or n/a twice."""
    if row is None or row.get("ratio") is None:
        return "n/a", "n/a"
    overhead = row.get("overhead_us")
    return ("?" if overhead is None else f"{overhead:+.2f}"), f"{row['ratio']:.3f}"


def table(ours: Dict[str, Any], theirs: Dict[str, Any]) -> str:
    """Markdown tables: each contender's median overhead and ratio per scenario, the
    targets, memory and hostile requests."""

    def by_name(report: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
        return {row["scenario"]: row for row in report["results"]}

    a, b = by_name(ours), by_name(theirs)
    head_a = f"{ours['implementation']} {ours['version']}"
    head_b = f"{theirs['implementation']} {theirs['version']}"
    lines = [
        f"| scenario | bare Flask (µs) | hand-written hook (+µs) | ratio | {head_a} (+µs) | ratio "
        f"| {head_b} (+µs) | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in TABLE_ROWS:  # the basic, origins, regex and resources groups
        if name not in a:
            continue
        row = (
            ROW_LABELS.get(name, name),
            f"{a[name]['bare_us']:.1f}",
            *(overhead_cells(a[name]["hook"]) if "hook" in a[name] else ("—", "—")),
            *overhead_cells(a[name]),
            *overhead_cells(b.get(name)),
        )
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(
        "+µs: median over rounds of the per-request time minus bare Flask's in the same "
        "round; ratio: median of the per-round ratios to bare Flask. The hook and this project "
        f"are timed in the same rounds, {head_b} in its own process. n/a: the configuration "
        "does not allow the request there; —: no hand-written hook for it."
    )
    unsupported = [(name, row["note"]) for name, row in b.items() if row.get("note")]
    for name, note in unsupported:
        lines.append(f"{head_b}, {ROW_LABELS.get(name, name)}: n/a ({note}).")
    differing = [
        ROW_LABELS.get(name, name) for name in TABLE_ROWS if b.get(name, {}).get("differs_on")
    ]
    if differing:
        lines.append(
            f"{head_b} answers some of the checked requests otherwise than {head_a} and the "
            f"hook in: {', '.join(differing)} (bench.json: differs_on)."
        )
    lines.append("")
    lines.append(targets_table(ours))
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
    lines.append(hostile_table(ours, theirs))
    return "\n".join(lines)


#: Most this project may cost per request over the hand-written hook (µs), per scenario.
HOOK_TARGETS = {"default GET with Origin": 1.0, "default preflight": 1.0}
#: Highest ratio to bare Flask this project may have, per scenario.
RATIO_TARGETS = {"callable in origins": 1.10, "decorator": 1.10}


def targets(ours: Dict[str, Any]) -> List[Tuple[str, Optional[bool], str]]:
    """Each target: what it asks, whether it holds (None: no figures) and the figures."""
    rows = {row["scenario"]: row for row in ours["results"]}
    verdicts: List[Tuple[str, Optional[bool], str]] = []
    for name, limit in HOOK_TARGETS.items():
        what = f"{ROW_LABELS.get(name, name)}: within {limit:.1f} µs of the hand-written hook"
        row = rows.get(name)
        if row is None or row.get("overhead_us") is None or "hook" not in row:
            verdicts.append((what, None, "not measured"))
            continue
        hook = row["hook"]
        difference = hook.get("cors_minus_hook_us", row["overhead_us"] - hook["overhead_us"])
        figures = (
            f"+{row['overhead_us']:.2f} µs against the hook's +{hook['overhead_us']:.2f} µs: "
            f"{difference:+.2f} µs over it (median of per-round differences)"
        )
        verdicts.append((what, difference <= limit, figures))
    for name, limit in RATIO_TARGETS.items():
        what = f"{ROW_LABELS.get(name, name)}: ratio to bare Flask at most {limit:.2f}"
        row = rows.get(name)
        if row is None or row.get("ratio") is None:
            verdicts.append((what, None, "not measured"))
            continue
        figures = f"ratio {row['ratio']:.3f} (+{row['overhead_us']:.2f} µs)"
        verdicts.append((what, row["ratio"] <= limit, figures))
    return verdicts


def targets_table(ours: Dict[str, Any]) -> str:
    """The targets as a Markdown table, each line saying holds or misses."""
    head = f"{ours['implementation']} {ours['version']}"
    lines = [f"| target ({head}) | figures | verdict |", "|---|---|---|"]
    for what, holds, figures in targets(ours):
        verdict = "n/a" if holds is None else "holds" if holds else "**misses**"
        lines.append(f"| {what} | {figures} | {verdict} |")
    lines.append("")
    lines.append("Timings depend on the machine and its load: a miss is reported, never an error.")
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
        lines = [
            (f"{report['implementation']} {report['version']}", style,
             sorted((row["size"], row["ratio"]) for row in report["results"]
                    if row["group"] == group and row.get("ratio") is not None))
            for report, style in ((ours, "o-"), (theirs, "s--"))
        ]  # fmt: skip
        hook = sorted((row["size"], row["hook"]["ratio"]) for row in ours["results"]
                      if row["group"] == group and "hook" in row)  # fmt: skip
        if hook:
            lines.append(("hand-written hook", "^:", hook))
        for label, style, points in lines:
            if points:
                axis.plot([x for x, _ in points], [y for _, y in points], style, label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        highest = max((y for _label, _style, points in lines for _x, y in points), default=1.0)
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
    run_parser.add_argument(
        "--no-hook", dest="hook", action="store_false",
        help="neither check nor time the hand-written hook (for another implementation)",
    )  # fmt: skip
    check_parser = commands.add_parser(
        "check", help="only check the hand-written hook's answers against flask_cors's"
    )
    check_parser.add_argument("--full", action="store_true", help="also the plot's extra points")
    compare_parser = commands.add_parser("compare", help="this project and Flask-CORS 6, one table")
    compare_parser.add_argument(
        "--rounds", type=int, default=301, help="rounds per scenario (fewer: faster, noisier)"
    )
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
        print(json.dumps(run(args.rounds, args.full, args.hook)))
        return 0
    if args.command == "check":
        return check(args.full)
    return compare(args.rounds, args.out, args.upstream_env)


if __name__ == "__main__":
    sys.exit(main())
