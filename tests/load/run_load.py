"""Load test: concurrent keep-alive clients against the app served by waitress.

Starts ``server.py`` (same interpreter) on 127.0.0.1, sends ``--requests`` requests
(default 24,000) from ``--clients`` threads (default 16), each on its own persistent
HTTP/1.1 connection, and checks every response against what its own request should get:
status, every ``Access-Control-*`` header (names and values, list-valued ones as token
lists), the tokens of ``Vary``, and the body and ``X-Request-Id`` the view echoes. Every
request carries a unique id n, and its CORS-relevant values are unique too (Origin
``https://tenant-<n>.example.com``, requested header ``X-Req-<n>``), so an answer
computed for another thread's request shows up as a mismatch.

The expectations are an independent model of the README's contract for the server's
configuration, restated here: flask_cors is never imported by this file.

Bounded: it stops after ``--deadline`` seconds (default 240) and fails if it had to; the
server is stopped by closing its stdin (killed if it lingers) whatever happens, and it
stops by itself if this process dies. Exit status 0 only with every request sent, zero
errors and zero mismatches.

    python tests/load/run_load.py [--requests 24000] [--clients 16] [--report PATH]
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Dict, FrozenSet, List, Optional, Tuple, Union

HERE = Path(__file__).resolve().parent
SERVER = HERE / "server.py"
MINIMUM_REQUESTS = 20_000  # what the issue asks a load run to send
DETAILS_KEPT = 10  # mismatches and errors recorded in full

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACEH = "Access-Control-Expose-Headers"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACMA = "Access-Control-Max-Age"
#: Headers whose value is a comma-separated list, compared as tokens in any order.
LIST_HEADERS = frozenset(name.lower() for name in (ACAM, ACAH, ACEH))

# The server's configuration (server.py), restated from the README's option table:
#   /api/*     origins r"https://tenant-[0-9]+\.example\.com", allow_headers r"X-Req-[0-9]+",
#              supports_credentials, expose_headers ["X-Request-Id"], max_age 600,
#              methods GET, POST, PUT
#   /public/*  origins "*", send_wildcard
#   /decorated @cross_origin(origins=DECORATOR_ORIGINS), every other option the default
#   /plain     no CORS at all
API_METHODS = frozenset({"GET", "POST", "PUT"})
DEFAULT_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})
DECORATOR_ORIGINS = ("https://a.example", "https://b.example", "https://c.example")

Expected = Union[str, FrozenSet[str]]


# --------------------------------------------------------------------------------------
# Requests and what each must get


@dataclass(frozen=True)
class Case:
    """One request and its expected answer."""

    n: int
    kind: str
    method: str
    path: str  # without the query string; "?id=<n>" is added when sending
    headers: Tuple[Tuple[str, str], ...]
    body: bytes
    #: Expected Access-Control-* headers, by lower-cased name: an exact value, or the
    #: tokens of a list-valued header.
    cors: Dict[str, Expected]
    #: Expected Vary tokens, lower-cased (empty: no Vary header at all).
    vary: FrozenSet[str]
    #: The view that answers ("api", "public", ...), or None for an OPTIONS request that
    #: Flask or the decorator answers itself, with an empty body.
    view: Optional[str]
    status: int = 200


def tenant(n: int) -> str:
    """An origin the /api regex allows, unique to request n."""
    return f"https://tenant-{n}.example.com"


def evil(n: int) -> str:
    """An origin /api must reject, unique to request n; every other one starts with an
    allowed origin, which only a whole-value match refuses (README difference 1)."""
    return f"https://tenant-{n}.evil.test" if n % 2 else f"{tenant(n)}.evil.test"


def tokens(*values: str) -> FrozenSet[str]:
    return frozenset(values)


VARY_ORIGIN = tokens("origin")
NO_VARY: FrozenSet[str] = frozenset()


def api_granted(origin: str) -> Dict[str, Expected]:
    """/api's answer to an allowed Origin: the Origin echoed (never '*' with credentials),
    and credentials and expose_headers on every response that gets ACAO."""
    return {ACAO: origin, ACAC: "true", ACEH: tokens("X-Request-Id")}


def api_preflight_granted(origin: str, allowed_headers: Tuple[str, ...]) -> Dict[str, Expected]:
    """Plus, on a preflight asking for an allowed method: the configured methods, max_age,
    and the allowed requested header names as the client spelled them (if any)."""
    expected = api_granted(origin)
    expected.update({ACAM: API_METHODS, ACMA: "600"})
    if allowed_headers:
        expected[ACAH] = tokens(*allowed_headers)
    return expected


def case(
    n: int,
    kind: str,
    method: str,
    path: str,
    *,
    origin: Optional[str],
    cors: Dict[str, Expected],
    vary: FrozenSet[str],
    view: Optional[str],
    extra: Tuple[Tuple[str, str], ...] = (),
) -> Case:
    """A Case whose request carries X-Request-Id: n, the Origin if any, ``extra``
    headers, and for POST/PUT a small text body naming n."""
    headers: List[Tuple[str, str]] = [("X-Request-Id", str(n))]
    if origin is not None:
        headers.append(("Origin", origin))
    headers.extend(extra)
    body = f"payload-{n}".encode() if method in ("POST", "PUT") else b""
    if body:
        headers.append(("Content-Type", "text/plain"))
    return Case(
        n=n,
        kind=kind,
        method=method,
        path=path,
        headers=tuple(headers),
        body=body,
        cors={name.lower(): value for name, value in cors.items()},
        vary=vary,
        view=view,
    )


def preflight_headers(method: str, request_headers: Optional[str]) -> Tuple[Tuple[str, str], ...]:
    asked = [("Access-Control-Request-Method", method)]
    if request_headers is not None:
        asked.append(("Access-Control-Request-Headers", request_headers))
    return tuple(asked)


# One builder per kind of request; each states the request and its expected answer.
# Vary: README difference 2, "Vary: Origin whenever the answer depends on the Origin, on
# allowed, rejected and Origin-less requests alike ... left out only when every request
# gets the same * (origins="*", send_wildcard, always_send)".


def api_actual_allowed(n: int) -> Case:
    origin = tenant(n)
    return case(
        n, "api-actual-allowed", ("GET", "POST", "PUT")[n % 3], "/api/items",
        origin=origin, cors=api_granted(origin), vary=VARY_ORIGIN, view="api",
    )  # fmt: skip


def api_actual_rejected(n: int) -> Case:
    """A rejected Origin gets no Access-Control-* header at all."""
    return case(
        n, "api-actual-rejected", ("GET", "POST")[n % 2], "/api/items",
        origin=evil(n), cors={}, vary=VARY_ORIGIN, view="api",
    )  # fmt: skip


def api_actual_no_origin(n: int) -> Case:
    """always_send without an Origin: '*' only for origins '*' without credentials, else
    the first literal origin; /api has credentials and only a regex, so nothing."""
    return case(
        n, "api-actual-no-origin", ("GET", "POST")[n % 2], "/api/items",
        origin=None, cors={}, vary=VARY_ORIGIN, view="api",
    )  # fmt: skip


def api_preflight_allowed(n: int) -> Case:
    """Allowed method; requested headers in several spellings, echoed as sent."""
    requested: Optional[str]
    allowed: Tuple[str, ...]
    variant = n % 4
    if variant == 0:
        requested, allowed = f"X-Req-{n}", (f"X-Req-{n}",)
    elif variant == 1:
        requested, allowed = f"x-req-{n}", (f"x-req-{n}",)
    elif variant == 2:
        requested, allowed = f"x-req-{n},x-req-{n}9", (f"x-req-{n}", f"x-req-{n}9")
    else:
        requested, allowed = None, ()
    origin = tenant(n)
    return case(
        n, "api-preflight-allowed", "OPTIONS", "/api/items",
        origin=origin, cors=api_preflight_granted(origin, allowed), vary=VARY_ORIGIN,
        view=None, extra=preflight_headers(("PUT", "POST", "GET")[n % 3], requested),
    )  # fmt: skip


def api_preflight_method_refused(n: int) -> Case:
    """A method outside ``methods``: the origin is still granted, but no ACAM, ACAH or
    ACMA (they appear only on preflights asking for an allowed method)."""
    origin = tenant(n)
    return case(
        n, "api-preflight-method-refused", "OPTIONS", "/api/items",
        origin=origin, cors=api_granted(origin), vary=VARY_ORIGIN,
        view=None, extra=preflight_headers(("DELETE", "PATCH")[n % 2], f"X-Req-{n}"),
    )  # fmt: skip


def api_preflight_header_refused(n: int) -> Case:
    """A header outside allow_headers is not echoed; the allowed method still gets ACAM
    and ACMA. ``X-Req-<n>-x`` starts with an allowed name: only a whole-value match
    (README difference 1) refuses it."""
    if n % 2:
        requested, allowed = f"X-Other-{n}, X-Req-{n}", (f"X-Req-{n}",)
    else:
        requested, allowed = f"X-Req-{n}-x", ()
    origin = tenant(n)
    return case(
        n, "api-preflight-header-refused", "OPTIONS", "/api/items",
        origin=origin, cors=api_preflight_granted(origin, allowed), vary=VARY_ORIGIN,
        view=None, extra=preflight_headers("GET", requested),
    )  # fmt: skip


def api_preflight_rejected(n: int) -> Case:
    return case(
        n, "api-preflight-rejected-origin", "OPTIONS", "/api/items",
        origin=evil(n), cors={}, vary=VARY_ORIGIN,
        view=None, extra=preflight_headers("PUT", f"X-Req-{n}"),
    )  # fmt: skip


def api_options_not_preflight(n: int) -> Case:
    """OPTIONS without Access-Control-Request-Method is an ordinary request: the origin
    is granted, without the preflight-only headers."""
    origin = tenant(n)
    return case(
        n, "api-options-not-preflight", "OPTIONS", "/api/items",
        origin=origin, cors=api_granted(origin), vary=VARY_ORIGIN, view=None,
    )  # fmt: skip


def public_actual(n: int) -> Case:
    """origins '*' with send_wildcard: '*' for any Origin and for none (always_send),
    and no Vary since every request gets the same answer."""
    return case(
        n, "public-actual", ("GET", "POST")[n % 2], "/public/items",
        origin=(tenant(n), evil(n), None)[n % 3], cors={ACAO: "*"}, vary=NO_VARY,
        view="public",
    )  # fmt: skip


def public_preflight(n: int) -> Case:
    """The default methods and allow_headers '*' (requested names echoed), no max_age,
    no credentials, no expose_headers."""
    expected: Dict[str, Expected] = {
        ACAO: "*",
        ACAM: DEFAULT_METHODS,
        ACAH: tokens(f"X-Any-{n}"),
    }
    return case(
        n, "public-preflight", "OPTIONS", "/public/items",
        origin=(tenant(n), evil(n))[n % 2], cors=expected, vary=NO_VARY,
        view=None, extra=preflight_headers(("PATCH", "DELETE", "GET")[n % 3], f"X-Any-{n}"),
    )  # fmt: skip


def decorator_origin(n: int) -> str:
    """One of the decorator's literal origins; every other time with its host upper-cased:
    literals compare case-insensitively, and the Origin is echoed as sent."""
    origin = DECORATOR_ORIGINS[n % 3]
    if (n // 3) % 2:
        scheme, host = origin.split("://")
        origin = f"{scheme}://{host.upper()}"
    return origin


def decorated_actual(n: int) -> Case:
    """Allowed literal (echoed), rejected (nothing), or no Origin: always_send gives the
    alphabetically first literal origin. Vary: Origin in all three."""
    variant = n % 3
    origin: Optional[str]
    expected: Dict[str, Expected]
    if variant == 0:
        origin = decorator_origin(n // 3)
        expected = {ACAO: origin}
    elif variant == 1:
        origin = (f"https://tenant-{n}.evil.test", f"{DECORATOR_ORIGINS[0]}.evil.test")[n % 2]
        expected = {}
    else:
        origin = None
        expected = {ACAO: min(DECORATOR_ORIGINS)}
    return case(
        n, "decorated-actual", ("GET", "POST")[n % 2], "/decorated",
        origin=origin, cors=expected, vary=VARY_ORIGIN, view="decorated",
    )  # fmt: skip


def decorated_preflight(n: int) -> Case:
    """automatic_options: the decorator answers OPTIONS itself with the default methods
    and the requested header echoed; a rejected origin gets nothing."""
    expected: Dict[str, Expected]
    if n % 3 == 2:
        origin = f"https://tenant-{n}.evil.test"
        expected = {}
    else:
        origin = decorator_origin(n // 3)
        expected = {ACAO: origin, ACAM: DEFAULT_METHODS, ACAH: tokens(f"X-Req-{n}")}
    return case(
        n, "decorated-preflight", "OPTIONS", "/decorated",
        origin=origin, cors=expected, vary=VARY_ORIGIN,
        view=None, extra=preflight_headers(("PUT", "DELETE", "PATCH")[n % 3], f"X-Req-{n}"),
    )  # fmt: skip


def plain(n: int) -> Case:
    """No CORS on this route: nothing added, whatever the request looks like."""
    variant = n % 3
    if variant == 2:
        return case(
            n, "plain", "OPTIONS", "/plain",
            origin=tenant(n), cors={}, vary=NO_VARY,
            view=None, extra=preflight_headers("PUT", f"X-Req-{n}"),
        )  # fmt: skip
    return case(
        n, "plain", ("GET", "POST")[variant], "/plain",
        origin=(tenant(n), evil(n))[variant], cors={}, vary=NO_VARY, view="plain",
    )  # fmt: skip


KINDS: Tuple[Callable[[int], Case], ...] = (
    api_actual_allowed,
    api_actual_rejected,
    api_actual_no_origin,
    api_preflight_allowed,
    api_preflight_method_refused,
    api_preflight_header_refused,
    api_preflight_rejected,
    api_options_not_preflight,
    public_actual,
    public_preflight,
    decorated_actual,
    decorated_preflight,
    plain,
)


def plan(count: int, seed: int) -> List[Case]:
    """``count`` cases, the kinds in equal shares (to within one), in a seeded shuffle."""
    kinds = [KINDS[n % len(KINDS)] for n in range(count)]
    random.Random(seed).shuffle(kinds)
    return [build(n) for n, build in enumerate(kinds)]


# --------------------------------------------------------------------------------------
# Checking one response


def split_tokens(values: List[str]) -> List[str]:
    return [token.strip() for value in values for token in value.split(",")]


def check(case_: Case, status: int, headers: List[Tuple[str, str]], body: bytes) -> List[str]:
    """Everything wrong with one response, as readable lines (empty: it is right)."""
    problems: List[str] = []
    if status != case_.status:
        problems.append(f"status {status}, expected {case_.status}")
    actual: Dict[str, List[str]] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered.startswith("access-control-"):
            actual.setdefault(lowered, []).append(value)
    for name in sorted(set(actual) | set(case_.cors)):
        got = actual.get(name)
        want = case_.cors.get(name)
        if got is None:
            problems.append(f"missing {name}: expected {show(want)}")
        elif want is None:
            problems.append(f"unexpected {name}: {got}")
        elif name in LIST_HEADERS:
            got_tokens = sorted(split_tokens(got))
            if got_tokens != sorted(want):
                problems.append(f"{name}: got {got}, expected the tokens {show(want)}")
        elif got != [want]:
            problems.append(f"{name}: got {got}, expected {want!r}")
    vary = sorted(
        token.lower() for token in split_tokens(response_values(headers, "vary")) if token
    )
    if vary != sorted(case_.vary):
        problems.append(f"Vary tokens {vary}, expected {sorted(case_.vary)}")
    problems.extend(check_body(case_, headers, body))
    return problems


def check_body(case_: Case, headers: List[Tuple[str, str]], body: bytes) -> List[str]:
    """A view's body must name this request (ids from query and header, method, the
    request body) and its X-Request-Id header n; an automatic OPTIONS answer is empty."""
    ids = response_values(headers, "x-request-id")
    if case_.view is None:
        problems = [] if body == b"" else [f"body {body[:80]!r}, expected none"]
        return problems + ([f"unexpected X-Request-Id {ids}"] if ids else [])
    want_id = str(case_.n)
    expected = {
        "id": want_id,
        "header_id": want_id,
        "method": case_.method,
        "view": case_.view,
        "data": case_.body.decode(),
    }
    try:
        got = json.loads(body)
    except ValueError:
        return [f"body is not JSON: {body[:80]!r}"]
    problems = [] if got == expected else [f"body {got}, expected {expected}"]
    if ids != [want_id]:
        problems.append(f"X-Request-Id {ids}, expected [{want_id!r}]")
    return problems


def response_values(headers: List[Tuple[str, str]], lowered_name: str) -> List[str]:
    return [value for name, value in headers if name.lower() == lowered_name]


def show(value: Optional[Expected]) -> Any:
    return sorted(value) if isinstance(value, frozenset) else value


# --------------------------------------------------------------------------------------
# Clients


#: Failures of a reused keep-alive connection that the server may have closed: the
#: request is sent again once on a new connection (and counted as a reconnect).
STALE_CONNECTION = (
    http.client.RemoteDisconnected,
    http.client.CannotSendRequest,
    ConnectionResetError,
    BrokenPipeError,
)


@dataclass
class KindStats:
    sent: int = 0
    errors: int = 0
    mismatches: int = 0


@dataclass
class Results:
    """What one client thread saw; merged at the end."""

    sent: int = 0
    errors: int = 0
    mismatches: int = 0
    reconnects: int = 0
    latencies: List[float] = field(default_factory=list)
    kinds: Dict[str, KindStats] = field(default_factory=dict)
    error_details: List[Dict[str, Any]] = field(default_factory=list)
    mismatch_details: List[Dict[str, Any]] = field(default_factory=list)


class Work:
    """The shared plan, handed out one case at a time, until done or stopped."""

    def __init__(self, cases: List[Case], deadline_at: float):
        self.cases = cases
        self.deadline_at = deadline_at
        self.next_index = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.deadline_hit = False

    def take(self) -> Optional[Case]:
        if self.stop.is_set():
            return None
        if time.monotonic() > self.deadline_at:
            self.deadline_hit = True
            self.stop.set()
            return None
        with self.lock:
            if self.next_index >= len(self.cases):
                return None
            case_ = self.cases[self.next_index]
            self.next_index += 1
            return case_


def describe(case_: Case) -> Dict[str, Any]:
    return {
        "n": case_.n,
        "kind": case_.kind,
        "method": case_.method,
        "path": f"{case_.path}?id={case_.n}",
        "headers": dict(case_.headers),
        "expected_cors": {name: show(value) for name, value in sorted(case_.cors.items())},
        "expected_vary": sorted(case_.vary),
    }


def client(port: int, work: Work, results: Results, timeout: float) -> None:
    """One client thread: its own persistent connection, cases until the work runs out."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    used = False  # whether the current connection has carried a request yet
    try:
        while True:
            case_ = work.take()
            if case_ is None:
                return
            stats = results.kinds.setdefault(case_.kind, KindStats())
            results.sent += 1
            stats.sent += 1
            started = time.perf_counter()
            try:
                if connection.sock is None and used:
                    results.reconnects += 1  # the server closed it after the last answer
                    used = False
                try:
                    status, headers, body = exchange(connection, case_)
                except STALE_CONNECTION:
                    if not used:
                        raise
                    connection.close()
                    results.reconnects += 1
                    status, headers, body = exchange(connection, case_)
                used = True
            except Exception as error:  # connection errors, timeouts, protocol errors
                connection.close()
                used = False
                results.errors += 1
                stats.errors += 1
                if len(results.error_details) < DETAILS_KEPT:
                    detail = describe(case_)
                    detail["error"] = f"{type(error).__name__}: {error}"
                    results.error_details.append(detail)
                continue
            results.latencies.append(time.perf_counter() - started)
            if status >= 500:
                results.errors += 1
                stats.errors += 1
                if len(results.error_details) < DETAILS_KEPT:
                    detail = describe(case_)
                    detail["error"] = f"status {status}: {body[:200]!r}"
                    results.error_details.append(detail)
                continue
            problems = check(case_, status, headers, body)
            if problems:
                results.mismatches += 1
                stats.mismatches += 1
                if len(results.mismatch_details) < DETAILS_KEPT:
                    detail = describe(case_)
                    detail.update(
                        status=status,
                        response_headers=headers,
                        body=body[:300].decode("utf-8", "replace"),
                        problems=problems,
                    )
                    results.mismatch_details.append(detail)
    finally:
        connection.close()


def exchange(
    connection: http.client.HTTPConnection, case_: Case
) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """Send one request and read its whole response."""
    connection.request(
        case_.method,
        f"{case_.path}?id={case_.n}",
        body=case_.body or None,
        headers=dict(case_.headers),
    )
    response = connection.getresponse()
    body = response.read()
    return response.status, response.getheaders(), body


# --------------------------------------------------------------------------------------
# The server process


class Server:
    """server.py in a subprocess: stdin is its lifeline, stderr goes to ``log_file``."""

    def __init__(self, threads: int, deadline: float, log_file: IO[bytes]):
        self.log_file = log_file
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER), "--threads", str(threads), "--deadline", str(deadline)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
        )
        self.stopped_by = "running"

    def port(self, timeout: float) -> int:
        """The first line of the server's stdout, read in a thread so that a server that
        never prints cannot hang the run."""
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"the server printed no port within {timeout:g} s") from None
        if not line.strip().isdigit():
            raise RuntimeError(f"the server did not start (first line {line!r}):\n{self.log()}")
        return int(line)

    def stop(self, grace: float) -> None:
        """Close its stdin and wait; kill it if it has not exited after ``grace`` s."""
        if self.process.poll() is not None:
            self.stopped_by = f"had exited already (status {self.process.returncode})"
            return
        try:
            assert self.process.stdin is not None
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=grace)
            self.stopped_by = "stdin closed"
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.stopped_by = f"killed after {grace:g} s"
        if self.process.stdout is not None:
            self.process.stdout.close()

    def log(self) -> str:
        self.log_file.seek(0)
        return self.log_file.read().decode("utf-8", "replace")


# --------------------------------------------------------------------------------------
# The run


def percentile(values: List[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def run(args: argparse.Namespace) -> Dict[str, Any]:
    """Start the server, run the plan, stop the server; the summary as a dict."""
    run_started = time.monotonic()
    deadline_at = run_started + args.deadline
    cases = plan(args.requests, args.seed)
    per_client = [Results() for _ in range(args.clients)]
    work = Work(cases, deadline_at)
    notes: List[str] = []
    with tempfile.TemporaryFile() as log_file:
        server = Server(args.server_threads, args.deadline + 30, log_file)
        try:
            wall = drive(server.port(timeout=30), work, per_client, args, notes)
        finally:
            server.stop(grace=args.stop_grace)
        log = server.log()
    return summarize(args, cases, per_client, work, wall, server, log, notes, run_started)


def drive(
    port: int, work: Work, per_client: List[Results], args: argparse.Namespace, notes: List[str]
) -> float:
    """Run the client threads until the work is done or the deadline passes; the wall
    time from the first request to the last answer."""
    deadline_at = work.deadline_at
    threads = [
        threading.Thread(
            target=client,
            args=(port, work, results, args.timeout),
            name=f"client-{index}",
            daemon=True,
        )
        for index, results in enumerate(per_client)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    grace_end: Optional[float] = None  # once past the deadline: in-flight requests end
    for thread in threads:
        while thread.is_alive():
            if grace_end is not None:
                thread.join(max(0.0, grace_end - time.monotonic()))
                break
            thread.join(0.2)
            if time.monotonic() > deadline_at:
                work.deadline_hit = True
                work.stop.set()
                grace_end = time.monotonic() + args.timeout + 1
    wall = time.perf_counter() - started
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        notes.append(f"client threads still running at the deadline: {stuck}")
    return wall


def summarize(
    args: argparse.Namespace,
    cases: List[Case],
    per_client: List[Results],
    work: Work,
    wall: float,
    server: Server,
    log: str,
    notes: List[str],
    run_started: float,
) -> Dict[str, Any]:
    kinds: Dict[str, KindStats] = {build(0).kind: KindStats() for build in KINDS}
    latencies: List[float] = []
    error_details: List[Dict[str, Any]] = []
    mismatch_details: List[Dict[str, Any]] = []
    for results in per_client:
        for kind, stats in results.kinds.items():
            kinds[kind].sent += stats.sent
            kinds[kind].errors += stats.errors
            kinds[kind].mismatches += stats.mismatches
        latencies.extend(results.latencies)
        error_details.extend(results.error_details)
        mismatch_details.extend(results.mismatch_details)
    sent = sum(results.sent for results in per_client)
    errors = sum(results.errors for results in per_client)
    tracebacks = log.count("Traceback (most recent call last)")
    server_errors: List[str] = []
    if tracebacks:
        server_errors.append(f"{tracebacks} traceback(s) in the server's log")
    if not server.stopped_by.startswith("stdin closed"):
        server_errors.append(f"the server did not stop when its stdin closed: {server.stopped_by}")
    elif server.process.returncode != 0:
        server_errors.append(f"the server exited with status {server.process.returncode}")
    errors += len(server_errors)
    mismatches = sum(results.mismatches for results in per_client)
    if work.deadline_hit:
        notes.append(f"stopped at the {args.deadline:g} s deadline")
    if args.requests < MINIMUM_REQUESTS:
        notes.append(
            f"a smoke run: {args.requests} requests, below the {MINIMUM_REQUESTS} a load run sends"
        )
    failures = [
        *([f"{errors} error(s)"] if errors else []),
        *([f"{mismatches} mismatch(es)"] if mismatches else []),
        *([f"{sent} of {len(cases)} requests sent"] if sent != len(cases) else []),
        *(["the deadline passed"] if work.deadline_hit else []),
    ]
    return {
        "passed": not failures,
        "failures": failures,
        "requests_planned": len(cases),
        "requests_sent": sent,
        "errors": errors,
        "mismatches": mismatches,
        "reconnects": sum(results.reconnects for results in per_client),
        "clients": args.clients,
        "server_threads": args.server_threads,
        "seed": args.seed,
        "wall_time_s": round(wall, 3),
        "requests_per_second": round(sent / wall, 1) if wall else 0.0,
        "latency_ms": {
            "p50": round(percentile(latencies, 0.50) * 1000, 2),
            "p99": round(percentile(latencies, 0.99) * 1000, 2),
            "max": round(max(latencies, default=0.0) * 1000, 2),
        },
        "total_time_s": round(time.monotonic() - run_started, 3),
        "deadline_s": args.deadline,
        "deadline_hit": work.deadline_hit,
        "kinds": {kind: vars(stats) for kind, stats in kinds.items()},
        "server": {
            "stopped": server.stopped_by,
            "exit_status": server.process.returncode,
            "errors": server_errors,
            "log_tail": log.splitlines()[-20:],
        },
        "first_errors": error_details[:DETAILS_KEPT],
        "first_mismatches": mismatch_details[:DETAILS_KEPT],
        "notes": notes,
    }


def print_summary(summary: Dict[str, Any], out: IO[str]) -> None:
    write = out.write
    write(
        f"load: {summary['requests_sent']}/{summary['requests_planned']} requests from "
        f"{summary['clients']} clients to waitress ({summary['server_threads']} threads) in "
        f"{summary['wall_time_s']:.2f} s = {summary['requests_per_second']:.0f} requests/s "
        f"(latency p50 {summary['latency_ms']['p50']} ms, p99 {summary['latency_ms']['p99']} ms)"
        "\n"
    )
    write(
        f"errors {summary['errors']}, mismatches {summary['mismatches']}, "
        f"reconnects {summary['reconnects']}; server {summary['server']['stopped']}\n"
    )
    write(f"{'kind':<32}{'sent':>8}{'errors':>8}{'mismatches':>12}\n")
    for kind, stats in summary["kinds"].items():
        write(f"{kind:<32}{stats['sent']:>8}{stats['errors']:>8}{stats['mismatches']:>12}\n")
    for message in summary["server"]["errors"]:
        write(f"server error: {message}\n")
    if summary["server"]["errors"]:
        write("server log (last lines):\n")
        for line in summary["server"]["log_tail"]:
            write(f"  {line}\n")
    for detail in summary["first_errors"]:
        write(
            f"error #{detail['n']} ({detail['kind']}) {detail['method']} {detail['path']}: "
            f"{detail['error']}\n"
        )
    for detail in summary["first_mismatches"]:
        write(
            f"mismatch #{detail['n']} ({detail['kind']}) {detail['method']} {detail['path']} "
            f"request headers {detail['headers']}:\n"
        )
        for problem in detail["problems"]:
            write(f"    {problem}\n")
    for note in summary["notes"]:
        write(f"note: {note}\n")
    if summary["passed"]:
        write("PASSED\n")
    else:
        write(f"FAILED: {', '.join(summary['failures'])}\n")


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=24_000, help="requests to send (24000)")
    parser.add_argument("--clients", type=int, default=16, help="client threads (16)")
    parser.add_argument("--server-threads", type=int, default=8, help="waitress threads (8)")
    parser.add_argument(
        "--deadline", type=float, default=240.0, help="give up after this many seconds (240)"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="per-request timeout (10 s)")
    parser.add_argument(
        "--stop-grace", type=float, default=5.0, help="seconds the server has to exit (5)"
    )
    parser.add_argument("--seed", type=int, default=20240601, help="shuffle seed of the mix")
    parser.add_argument("--report", type=Path, help="also write the summary as JSON here")
    args = parser.parse_args(argv)
    for name in ("requests", "clients", "server_threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    for name in ("deadline", "timeout", "stop_grace"):
        if getattr(args, name) <= 0:
            parser.error(f"--{name.replace('_', '-')} must be positive")
    return args


def on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM unwinds like Ctrl-C, so that the server is stopped on the way out."""
    raise KeyboardInterrupt


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, on_sigterm)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    try:
        summary = run(args)
    except KeyboardInterrupt:
        print("load: interrupted; the server was stopped", file=sys.stderr)
        return 130
    except RuntimeError as error:  # the server did not start
        print(f"load: {error}", file=sys.stderr)
        return 1
    print_summary(summary, sys.stdout)
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"report: {args.report}")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
