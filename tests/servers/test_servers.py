"""The security reproductions on Flask's test client, waitress and gunicorn: safe answers.

One test per class of CORS failure, each run three times: on Flask's test client, and
over HTTP/1.1 against ``repro_app.py`` served by waitress and by gunicorn, each started
once per session as a subprocess on 127.0.0.1 and an ephemeral port. Real servers parse
the request line and join repeated header lines themselves, and a few of the
reproductions are about exactly what reaches the app that way.

Requests are written with http.client's low-level calls, which send header lines exactly
as given (repeated names stay separate lines), on a new connection each, with a 10 s
socket timeout that only keeps a hang from stalling the run: the assertions are about
the answers. Every CORS header asserted is checked by exact value (or, for a list, its
exact names) and must occur at most once.

    tox -e servers [-- -k waitress]
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import queue
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import pytest
from flask import Flask
from repro_app import (
    ADMIN,
    APP,
    BACKTRACKING_ORIGIN_REGEXES,
    MATCH_EVERYTHING_REGEXES,
    PARTNER,
    READY,
    make_app,
)

HERE = Path(__file__).resolve().parent
REPRO_APP = HERE / "repro_app.py"

#: Hang protection for one request, on a server or the test client.
TIMEOUT = 10.0
#: How long a server has to print its port and then answer.
START_TIMEOUT = 30.0

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAH = "Access-Control-Allow-Headers"
ACRM = "Access-Control-Request-Method"
ACRH = "Access-Control-Request-Headers"

Headers = Sequence[Tuple[str, str]]


# --------------------------------------------------------------------------------------
# Answers and what they must be


@dataclass(frozen=True)
class Answer:
    """A response as it came back: status, every header line in order, the body."""

    status: int
    headers: List[Tuple[str, str]]
    body: bytes

    def values(self, name: str) -> List[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def __str__(self) -> str:
        lines = [f"status {self.status}"]
        lines += [f"{name}: {value[:200]}" for name, value in self.headers]
        lines.append(f"body {self.body[:200]!r}")
        return "\n    ".join(lines)


def check(
    answer: Answer,
    status: int,
    headers: Dict[str, Optional[str]],
    body: Optional[bytes] = None,
    what: str = "",
) -> None:
    """``answer`` has ``status``, each of ``headers`` exactly once with exactly that value
    (None: not at all), and ``body`` if given; no Access-Control-* header twice."""
    problems: List[str] = []
    if answer.status != status:
        problems.append(f"status {answer.status}, expected {status}")
    for name, expected in headers.items():
        found = answer.values(name)
        if expected is None and found:
            problems.append(f"{name} present: {found}, expected none")
        elif expected is not None and found != [expected]:
            problems.append(f"{name} {found}, expected exactly [{expected!r}]")
    for name, _ in answer.headers:
        if name.lower().startswith("access-control-") and len(answer.values(name)) > 1:
            problems.append(f"{name} occurs {len(answer.values(name))} times")
    if body is not None and answer.body != body:
        problems.append(f"body {answer.body[:200]!r}, expected {body!r}")
    assert not problems, f"{what}: " + "; ".join(sorted(set(problems))) + f"\n    {answer}"


def list_tokens(answer: Answer, name: str) -> List[str]:
    """The names of a list-valued header (its one line), sorted: the order of the names
    is not part of the contract, their spelling is."""
    values = answer.values(name)
    assert len(values) == 1, f"{name} {values}, expected one line\n    {answer}"
    return sorted(token.strip() for token in values[0].split(","))


# --------------------------------------------------------------------------------------
# Where requests go: the test client, or a server over HTTP/1.1


class AppClient:
    """Requests to one fresh instance of one reproduction app."""

    def send(self, method: str, path: str, headers: Headers = ()) -> Answer:
        raise NotImplementedError


class Target:
    """The test client or a running server; ``app(name)`` gives a fresh app instance."""

    name = ""
    #: Whether the target accepts a header line of 64 KB (gunicorn does not by default).
    takes_64k_header_line = True

    def app(self, name: str) -> AppClient:
        raise NotImplementedError


def within_timeout(call: Callable[[], Answer], what: str) -> Answer:
    """``call()`` in a daemon thread, given up on after TIMEOUT: the test client has no
    socket whose timeout could stop a runaway regex."""
    outcome: queue.Queue[Tuple[bool, Any]] = queue.Queue()

    def run() -> None:
        try:
            outcome.put((True, call()))
        except BaseException as error:  # handed to the test's thread
            outcome.put((False, error))

    threading.Thread(target=run, name="test-client-request", daemon=True).start()
    try:
        ok, result = outcome.get(timeout=TIMEOUT)
    except queue.Empty:
        raise AssertionError(f"{what}: no answer within {TIMEOUT:g} s") from None
    if not ok:
        raise result
    answer: Answer = result
    return answer


class FlaskClientApp(AppClient):
    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()

    def send(self, method: str, path: str, headers: Headers = ()) -> Answer:
        options: Dict[str, Any] = {}
        if path.startswith("//"):
            # The test client would read "//admin/users" as a URL whose host is "admin";
            # a server puts the request target, as sent, in PATH_INFO.
            options["environ_overrides"] = {"PATH_INFO": path}

        def call() -> Answer:
            # A list of pairs keeps repeated names; Werkzeug joins them with ", " in the
            # WSGI environ, as waitress does.
            response = self.client.open(path, method=method, headers=list(headers), **options)
            return Answer(response.status_code, list(response.headers), response.get_data())

        return within_timeout(call, f"test client {method} {path}")


class FlaskClientTarget(Target):
    name = "test-client"

    def app(self, name: str) -> AppClient:
        return FlaskClientApp(make_app(name))


class ServerApp(AppClient):
    def __init__(self, server: Server, host: str) -> None:
        self.server = server
        self.host = host

    def send(self, method: str, path: str, headers: Headers = ()) -> Answer:
        try:
            return self.server.request(method, path, self.host, headers)
        except (OSError, http.client.HTTPException) as error:
            raise AssertionError(
                f"{self.server.kind} {method} {path}: {type(error).__name__}: {error}\n"
                f"server log (last lines):\n{self.server.log_tail()}"
            ) from error


class Server(Target):
    """``repro_app.py <kind>`` in a subprocess: stdin is its lifeline (it stops when
    stdin closes, so also when this process dies), stderr goes to a temporary file."""

    def __init__(self, kind: str, log_file: IO[bytes]) -> None:
        self.name = self.kind = kind
        self.log_file = log_file
        self.process = subprocess.Popen(
            [sys.executable, str(REPRO_APP), kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
            cwd=HERE,  # not the repository root: flask_cors comes from the installed wheel
        )
        self.port = 0

    def start(self) -> None:
        """Read the port, then wait until the server answers (gunicorn binds the port in
        its master, then forks the worker that answers)."""
        self.port = self._read_port()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                answer = self.request("GET", "/", READY, ())
                if answer.status == 200:
                    return
                problem = f"status {answer.status}"
            except (OSError, http.client.HTTPException) as error:
                problem = f"{type(error).__name__}: {error}"
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.kind} did not start ({problem}; exit status "
                    f"{self.process.poll()}):\n{self.log_tail()}"
                )
            time.sleep(0.1)

    def _read_port(self) -> int:
        """The first line of stdout, read in a thread so that a server that never
        prints cannot hang the session."""
        lines: queue.Queue[bytes] = queue.Queue()
        stdout = self.process.stdout
        assert stdout is not None
        threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            line = b""
        if not line.strip().isdigit():
            raise RuntimeError(
                f"{self.kind} printed no port (first line {line!r}):\n{self.log_tail()}"
            )
        return int(line)

    def request(self, method: str, path: str, host: str, headers: Headers) -> Answer:
        """One request on a new connection, header lines exactly as given."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            connection.putheader("Host", host)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            body = response.read()
            return Answer(response.status, response.getheaders(), body)
        finally:
            connection.close()

    def app(self, name: str) -> AppClient:
        # A Host of its own: the server builds a new instance of the app for it.
        return ServerApp(self, f"{name}.{uuid.uuid4().hex[:12]}.test")

    def stop(self) -> None:
        """Close stdin and wait; kill the server if it has not exited after 10 s."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):  # a broken pipe: it has exited already
                self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def log(self) -> str:
        self.log_file.flush()
        self.log_file.seek(0)
        return self.log_file.read().decode("utf-8", "replace")

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


class Gunicorn(Server):
    # limit_request_field_size defaults to 8190 bytes per header line.
    takes_64k_header_line = False


@pytest.fixture(scope="session")
def waitress_server() -> Iterator[Server]:
    yield from running(Server, "waitress")


@pytest.fixture(scope="session")
def gunicorn_server() -> Iterator[Server]:
    yield from running(Gunicorn, "gunicorn")


def running(kind: Callable[[str, IO[bytes]], Server], name: str) -> Iterator[Server]:
    """A started server for the session, stopped at its end whatever happened."""
    with tempfile.TemporaryFile() as log_file:
        server = kind(name, log_file)
        try:
            server.start()
            yield server
        finally:
            server.stop()


@pytest.fixture(params=["test-client", "waitress", "gunicorn"])
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "test-client":
        return FlaskClientTarget()
    server: Server = request.getfixturevalue(f"{request.param}_server")
    return server


# --------------------------------------------------------------------------------------
# 1. A trailing slash folded by the router, or slashes merged by a redirect, never moves
#    a request from the admin policy to the looser catch-all one.


def test_folded_and_merged_slashes_keep_the_admin_policy(target: Target) -> None:
    app = target.app("slashes")
    partner = [("Origin", PARTNER)]
    admin = [("Origin", ADMIN)]
    refused: Dict[str, Optional[str]] = {ACAO: None, ACAC: None}
    granted: Dict[str, Optional[str]] = {ACAO: ADMIN, ACAC: "true"}

    # strict_slashes=False: the router serves the admin views under the other spelling.
    for path, body in (("/admin/users/", b"admin users"), ("/admin/panel", b"admin panel")):
        check(app.send("GET", path, partner), 200, refused, body, f"GET {path} from partner")
        # The admin policy governs (not "no policy"): it grants its own origin.
        check(app.send("GET", path, admin), 200, granted, body, f"GET {path} from admin")

    # Merged slashes: Werkzeug redirects to /admin/users, whose policy answers the 308.
    # Both servers pass "//" inside the path to the app as sent, and decode %2F to "/"
    # in PATH_INFO (WSGI's PATH_INFO is decoded), so /admin/%2Fusers is the same request.
    for path in ("/admin//users", "/admin/%2Fusers"):
        answer = app.send("GET", path, partner)
        check(answer, 308, refused, what=f"GET {path} from partner")
        locations = answer.values("Location")
        assert len(locations) == 1, f"GET {path}: Location {locations}\n    {answer}"
        assert urlsplit(locations[0]).path == "/admin/users", f"GET {path}\n    {answer}"
        check(app.send("GET", path, admin), 308, granted, what=f"GET {path} from admin")

    # A redirect whose target the router folds in turn: /admin//panel redirects to
    # /admin/panel, which strict_slashes=False serves with the /admin/panel/ view.
    answer = app.send("GET", "/admin//panel", partner)
    check(answer, 308, refused, what="GET /admin//panel from partner")
    check(app.send("GET", "/admin//panel", admin), 308, granted, what="GET /admin//panel")

    if isinstance(target, Gunicorn):
        # gunicorn takes SCRIPT_NAME from a request header sent from a trusted address
        # (127.0.0.1 is one by default): the redirect's target then carries the prefix,
        # which is taken off before the target is matched.
        mounted = [("SCRIPT_NAME", "/admin")]
        answer = app.send("GET", "/admin/admin//users", partner + mounted)
        check(answer, 308, refused, what="GET /admin/admin//users under SCRIPT_NAME /admin")

    # A leading "//": Werkzeug's router strips leading slashes, so the admin view itself
    # answers (no redirect), under the admin policy.
    for origin, expected in ((partner, refused), (admin, granted)):
        answer = app.send("GET", "//admin/users", origin)
        check(answer, 200, expected, b"admin users", f"GET //admin/users from {origin[0][1]}")

    preflight = [(ACRM, "DELETE")]
    check(
        app.send("OPTIONS", "/admin/users/", partner + preflight),
        200,
        refused,
        what="preflight /admin/users/ from partner",
    )
    check(
        app.send("OPTIONS", "/admin/users/", admin + preflight),
        200,
        granted,
        what="preflight /admin/users/ from admin",
    )


# --------------------------------------------------------------------------------------
# 2. The work of matching requested header names against allow_headers regexes is
#    bounded: a long list is refused whole, before any regex runs.

#: 256 characters; does not match x-.*-.*-.*-id (no "-id" at the end).
LONG_NAME = "x-" + "-" * 253 + "z"


def names(count: int) -> str:
    return ", ".join([LONG_NAME] * count)


def test_requested_header_work_is_bounded(target: Target) -> None:
    app = target.app("header-regex")
    asking = [("Origin", APP), (ACRM, "PUT")]
    refused_headers: Dict[str, Optional[str]] = {ACAO: APP, ACAH: None}

    # a. One line of 31 names, under 8,192 characters: every name is matched and refused.
    line = names(31)
    assert len(line) < 8192
    answer = app.send("OPTIONS", "/", [*asking, (ACRH, line)])
    check(answer, 200, refused_headers, what="31 names on one line")

    # b. One line of 256 names (64 KB): over the limits (100 names, 8,192 characters).
    line = names(256)
    answer = app.send("OPTIONS", "/", [*asking, (ACRH, line)])
    if target.takes_64k_header_line:
        check(answer, 200, refused_headers, what="256 names on one line")
    else:
        # gunicorn refuses the line itself (limit_request_field_size, 8190 by default):
        # 431 Request Header Fields Too Large from gunicorn 23 on, 400 before; the app
        # never sees the request, so nothing CORS can be in the answer.
        assert answer.status in (400, 431), f"256 names on one line\n    {answer}"
        cors = [name for name, _ in answer.headers if name.lower().startswith("access-control")]
        assert not cors, f"256 names on one line\n    {answer}"

    # c. Ten lines of 30 names, each under 8 KB. The server joins them into one value of
    #    300 names (waitress and Werkzeug with ", ", gunicorn with ","); the app must see
    #    all of them, and refuse them all as over the limits.
    lines = [(ACRH, names(30))] * 10
    seen = app.send("GET", "/_test/acrh", lines)
    assert seen.status == 200, f"the ACRH echo\n    {seen}"
    assert b'"names":300' in seen.body, f"the app did not get all 300 names\n    {seen}"
    check(app.send("OPTIONS", "/", [*asking, *lines]), 200, refused_headers, what="10 lines")

    # d. Control: names the configuration allows are granted, as requested.
    answer = app.send("OPTIONS", "/", [*asking, (ACRH, "content-type, x-a-b-c-id")])
    check(answer, 200, {ACAO: APP}, what="allowed names")
    assert list_tokens(answer, ACAH) == ["content-type", "x-a-b-c-id"], str(answer)


# --------------------------------------------------------------------------------------
# 3. Origin regexes with exponential backtracking in Python's re are answered at once
#    (RE2): the hostile Origin is refused, a matching one still echoed.

#: 1,009 characters: under the 1,024-character bound on Origin values, and a serialized
#: origin in shape, so it does reach the regexes.
HOSTILE_ORIGIN = "https://" + "a" * 1000 + "!"


@pytest.mark.parametrize("name", sorted(BACKTRACKING_ORIGIN_REGEXES))
def test_backtracking_origin_regexes_answer(target: Target, name: str) -> None:
    app = target.app(name)
    hostile = app.send("GET", "/", [("Origin", HOSTILE_ORIGIN)])
    check(hostile, 200, {ACAO: None}, b"index", f"{name}: hostile Origin")
    matching = "https://api.example.com"
    check(app.send("GET", "/", [("Origin", matching)]), 200, {ACAO: matching}, b"index", name)


# --------------------------------------------------------------------------------------
# 4. app.config changed in place is seen by the next request (one worker process).


def test_config_changed_in_place_is_seen(target: Target) -> None:
    for name, path, revoke in (
        ("config-origins", "/", "/_test/revoke"),
        ("config-resources", "/api/data", "/_test/revoke-resource"),
    ):
        app = target.app(name)  # a fresh app: the revocation is one-way
        granted = app.send("GET", path, [("Origin", PARTNER)])
        check(granted, 200, {ACAO: PARTNER, ACAC: "true"}, what=f"{name}: partner before")
        check(app.send("POST", revoke), 204, {}, what=f"{name}: POST {revoke}")
        revoked = app.send("GET", path, [("Origin", PARTNER)])
        check(revoked, 200, {ACAO: None, ACAC: None}, what=f"{name}: partner after revoking")
        still = app.send("GET", path, [("Origin", APP)])
        check(still, 200, {ACAO: APP, ACAC: "true"}, what=f"{name}: app.example after")


# --------------------------------------------------------------------------------------
# 5. A regex that matches everything never grants the "null" origin.


@pytest.mark.parametrize("name", sorted(MATCH_EVERYTHING_REGEXES))
def test_match_everything_regexes_never_grant_null(
    target: Target, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="flask_cors"):
        app = target.app(name)  # the test client builds the app here; a server later
    check(app.send("GET", "/", [("Origin", "null")]), 200, {ACAO: None, ACAC: None}, b"index")
    origin = "https://x.example"
    granted = app.send("GET", "/", [("Origin", origin)])
    check(granted, 200, {ACAO: origin, ACAC: "true"}, b"index", f"{name}: a real origin")
    if isinstance(target, FlaskClientTarget):
        # Setup warns that the regex echoes every origin with credentials.
        pattern = MATCH_EVERYTHING_REGEXES[name]
        source = getattr(pattern, "pattern", pattern)
        warned = [
            record.getMessage()
            for record in caplog.records
            if record.name == "flask_cors" and record.levelno == logging.WARNING
        ]
        assert any(repr(source) in message for message in warned), warned


# --------------------------------------------------------------------------------------
# 6. "*" never goes out beside Access-Control-Allow-Credentials: true.


def test_wildcard_never_beside_credentials(target: Target) -> None:
    origin = [("Origin", "https://x.example")]
    # The app's own after_request sets ACAC: true; the extension then sends no ACAO.
    answer = target.app("wildcard-app-credentials").send("GET", "/", origin)
    check(answer, 200, {ACAC: "true", ACAO: None}, b"index", "app sets credentials")
    # Control: without it, "*".
    answer = target.app("wildcard").send("GET", "/", origin)
    check(answer, 200, {ACAO: "*", ACAC: None}, b"index", "control")
