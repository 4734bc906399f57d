"""The process adapter protocol, driven against a tiny protocol-following Python program."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from adapters import Difference, SkipCase, explain, process
from adapters.neutral import neutral_case
from adapters.process import ProcessAdapter, ProtocolError, send
from cors_spec import Case, judge, load_cases

REAL = {case.id: case for case in load_cases()}

#: The program under the protocol: argv is MODE STATE_DIR [--describe]. It records the
#: JSON line it reads (case.json), every raw request head (raw.bin) and a clean stop
#: (stopped); it answers with ACAO when the Origin is in cors.origins' exact entries.
TOY = r"""
import json
import os
import socket
import sys
import threading

args = [arg for arg in sys.argv[1:] if arg != "--describe"]
mode, state = args[0], args[1]

if "--describe" in sys.argv:
    if mode == "describe-fails":
        sys.stderr.write("toy: cannot describe myself\n")
        sys.exit(3)
    if mode == "describe-garbage":
        print("toy starting up...")
        sys.exit(0)
    print(json.dumps({
        "name": "toy",
        "version": "1.2.3",
        "differences": [
            {"id": "no-vary", "kind": "documented", "summary": "never sends Vary",
             "source": "toy.py", "problem": "^Vary: expected", "cases": ["vary/*"]},
            {"id": "max-age-600", "kind": "protocol", "summary": "always caches",
             "source": "toy.py", "problem": "Max-Age"},
        ],
    }))
    sys.exit(0)


def record(name, data, how="w"):
    with open(os.path.join(state, name), how) as stream:
        stream.write(data)


line = sys.stdin.readline()
record("case.json", line)
if mode == "exit":
    sys.exit(0)
case = json.loads(line)
if mode == "skip":
    print("skip: the toy has no such feature", flush=True)
    sys.exit(0)
if mode == "error":
    print("error: origins must be a list", flush=True)
    sys.exit(0)
if mode == "garbage":
    print("listening on port 1234", flush=True)
    sys.stdin.read()
    sys.exit(0)
if mode == "silent":
    sys.stdin.read()
    sys.exit(0)


def answer(head):
    headers = {}
    for raw in head.split(b"\r\n")[1:]:
        name, _, value = raw.partition(b":")
        headers.setdefault(name.strip().lower(), value[1:] if value[:1] == b" " else value)
    lines = [b"HTTP/1.1 200 OK", b"Content-Type: text/plain", b"Content-Length: 2"]
    cors = case["cors"]
    origin = headers.get(b"origin")
    if cors is not None and origin is not None:
        origins = cors.get("origins", "*")
        if origins == "*":
            lines.append(b"Access-Control-Allow-Origin: *")
        else:
            exact = [entry["exact"] for entry in origins if "exact" in entry]
            if origin.decode("latin-1") in exact:
                lines.append(b"Access-Control-Allow-Origin: " + origin)
                if cors.get("supports_credentials"):
                    lines.append(b"Access-Control-Allow-Credentials: true")
            lines.append(b"Vary: Origin")
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\nok"


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(5)


def serve():
    while True:
        connection, _ = server.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0]
            record("raw.bin", head, "ab")
            connection.sendall(answer(head))


threading.Thread(target=serve, daemon=True).start()
print("http://127.0.0.1:%d" % server.getsockname()[1], flush=True)
sys.stdin.read()
record("stopped", "stdin closed")
sys.exit(0)
"""


class Toy:
    """The toy program in one mode, with the files it records."""

    def __init__(self, directory: Path, mode: str) -> None:
        self.script = directory / "toy.py"
        self.script.write_text(TOY, encoding="utf-8")
        self.state = directory / "state"
        self.state.mkdir(exist_ok=True)
        self.command = [sys.executable, str(self.script), mode, str(self.state)]

    def adapter(self) -> ProcessAdapter:
        return ProcessAdapter(self.command)

    def received(self) -> Optional[Dict[str, Any]]:
        path = self.state / "case.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    def raw(self) -> bytes:
        return (self.state / "raw.bin").read_bytes()

    @property
    def stopped(self) -> bool:
        return (self.state / "stopped").exists()


def make_case(
    extension: Optional[Dict[str, Any]] = None,
    headers: Optional[Dict[str, str]] = None,
    path: str = "/items",
) -> Case:
    return Case(
        id="origins/toy-case",
        description="A case built by the test.",
        tags=("compat", "origins"),
        config={} if extension is None else {"extension": extension},
        request={"method": "GET", "path": path, "headers": headers or {}},
        expect={"status": 200},
    )


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> List[subprocess.Popen[Any]]:
    """Every program started with subprocess.Popen during the test."""
    found: List[subprocess.Popen[Any]] = []

    class Recording(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            found.append(self)

    monkeypatch.setattr(process.subprocess, "Popen", Recording)
    return found


# --- --describe --------------------------------------------------------------------------


def test_describe_gives_name_version_and_differences(tmp_path: Path) -> None:
    adapter = Toy(tmp_path, "serve").adapter()
    assert (adapter.name, adapter.version) == ("toy", "1.2.3")
    assert adapter.differences == [
        Difference(
            id="no-vary",
            kind="documented",
            summary="never sends Vary",
            source="toy.py",
            problem="^Vary: expected",
            cases=("vary/*",),
        ),
        Difference(
            id="max-age-600",
            kind="protocol",
            summary="always caches",
            source="toy.py",
            problem="Max-Age",
            cases=("*",),
        ),
    ]
    assert adapter.differences[0].explains("vary/x", "Vary: expected 'Origin' exactly once")
    assert not adapter.differences[0].explains("origins/x", "Vary: expected 'Origin'")


def test_describe_failing_is_a_protocol_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="cannot describe myself"):
        Toy(tmp_path, "describe-fails").adapter()


def test_describe_printing_no_json_is_a_protocol_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError):
        Toy(tmp_path, "describe-garbage").adapter()


# --- run ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case_id", ["origins/literal-list-allows-listed", "origins/literal-rejects-other"]
)
def test_real_case_passes_through_run(tmp_path: Path, case_id: str) -> None:
    toy = Toy(tmp_path, "serve")
    case = REAL[case_id]
    observed = toy.adapter().run(case)
    assert judge(case, observed) == []
    assert toy.received() == {**neutral_case(case), "core": False}


def test_run_sends_the_request_and_returns_the_response(tmp_path: Path) -> None:
    toy = Toy(tmp_path, "serve")
    case = make_case(
        {"origins": ["https://a.example"], "supports_credentials": True},
        {"Origin": "https://a.example"},
        path="/api/%2541?x=1",
    )
    observed = toy.adapter().run(case)
    assert observed.status == 200
    assert observed.body == b"ok"
    assert observed.setup_error is None
    names = {name.lower(): value for name, value in observed.headers}
    assert names["access-control-allow-origin"] == "https://a.example"
    assert names["access-control-allow-credentials"] == "true"
    assert names["vary"] == "Origin"
    head = toy.raw()
    assert head.startswith(b"GET /api/%2541?x=1 HTTP/1.1\r\n")
    lines = head.split(b"\r\n")
    assert any(re.fullmatch(rb"Host: 127\.0\.0\.1:\d+", line) for line in lines)
    assert b"Connection: close" in lines
    assert b"Origin: https://a.example" in lines


def test_program_is_stopped_after_run(tmp_path: Path, started: List[subprocess.Popen[Any]]) -> None:
    toy = Toy(tmp_path, "serve")
    adapter = toy.adapter()
    started.clear()
    adapter.run(make_case({}, {"Origin": "https://a.example"}))
    assert len(started) == 1
    assert started[0].returncode == 0  # exited by itself once stdin closed, not killed
    assert toy.stopped


def test_skip_line_raises_skip_case(tmp_path: Path, started: List[subprocess.Popen[Any]]) -> None:
    toy = Toy(tmp_path, "skip")
    adapter = toy.adapter()
    started.clear()
    with pytest.raises(SkipCase) as raised:
        adapter.run(make_case({}))
    assert str(raised.value) == "the toy has no such feature"
    assert [program.returncode for program in started] == [0]


def test_error_line_is_a_setup_error(tmp_path: Path) -> None:
    observed = Toy(tmp_path, "error").adapter().run(make_case({"origins": ["https://a.ex"]}))
    assert isinstance(observed.setup_error, Exception)
    assert str(observed.setup_error) == "origins must be a list"
    wanted = {"setup_error": {"type": "any", "mentions": ["origins"]}}
    case = Case("config-errors/toy", "d", ("compat",), {}, {"method": "GET", "path": "/"}, wanted)
    assert judge(case, observed) == []


def test_garbage_first_line_is_a_protocol_error(
    tmp_path: Path, started: List[subprocess.Popen[Any]]
) -> None:
    adapter = Toy(tmp_path, "garbage").adapter()
    started.clear()
    with pytest.raises(ProtocolError):
        adapter.run(make_case({}))
    assert [program.returncode for program in started] == [0]


def test_exit_without_first_line_is_a_protocol_error(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError):
        Toy(tmp_path, "exit").adapter().run(make_case({}))


def test_no_first_line_is_a_protocol_error_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, started: List[subprocess.Popen[Any]]
) -> None:
    adapter = Toy(tmp_path, "silent").adapter()
    started.clear()
    monkeypatch.setattr(process, "START_TIMEOUT", 0.3)
    begin = time.monotonic()
    with pytest.raises(ProtocolError):
        adapter.run(make_case({}))
    elapsed = time.monotonic() - begin
    assert 0.3 <= elapsed < 2
    assert len(started) == 1
    assert started[0].returncode is not None


def test_case_the_neutral_form_skips_never_starts_the_program(
    tmp_path: Path, started: List[subprocess.Popen[Any]]
) -> None:
    toy = Toy(tmp_path, "serve")
    adapter = toy.adapter()
    started.clear()
    with pytest.raises(SkipCase):
        adapter.run(REAL["blueprints/blueprint-route-gets-headers"])
    assert started == []
    assert toy.received() is None


def test_control_characters_in_header_values_are_delivered_byte_for_byte(
    tmp_path: Path,
) -> None:
    toy = Toy(tmp_path, "serve")
    value = "a\rb\nc\x00d\x01e\x7f\xe9\tf"
    long_value = "x" * 20000
    case = make_case(
        {"origins": ["https://a.example"]},
        {"Origin": "https://a.example", "X-Raw": value, "X-Long": long_value},
    )
    observed = toy.adapter().run(case)
    assert observed.status == 200
    lines = toy.raw() + b"\r\n"
    assert b"\r\nX-Raw: a\rb\nc\x00d\x01e\x7f\xe9\tf\r\n" in lines
    assert b"\r\nX-Long: " + b"x" * 20000 + b"\r\n" in lines


def test_a_case_with_crlf_in_a_header_is_skipped_before_the_program_starts(
    tmp_path: Path,
) -> None:
    """CR LF ends a header line in HTTP/1.1: sent raw, the server would see another
    request, so the case cannot be played over a real connection."""
    toy = Toy(tmp_path, "serve")
    case = REAL["attacks/crlf-in-origin-rejected-by-literal-list"]
    assert "\r\n" in case.request["headers"]["Origin"]
    with pytest.raises(SkipCase, match="Origin holds CR LF"):
        toy.adapter().run(case)
    assert not (toy.state / "raw.bin").exists()


# --- send --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, written",
    [
        ({"Origin": "https://a.ex"}, b"\r\nOrigin: https://a.ex\r\n\r\n"),
        (
            [["Origin", "https://a.ex"], ["origin", "https://b.ex"]],
            b"\r\nOrigin: https://a.ex\r\norigin: https://b.ex\r\n\r\n",
        ),
    ],
    ids=["mapping", "repeated-lines"],
)
def test_send_keeps_repeated_headers_status_and_body(headers: Any, written: bytes) -> None:
    received: List[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve_once() -> None:
        connection, _ = server.accept()
        with connection:
            data = b""
            while b"\r\n\r\n" not in data:
                data += connection.recv(65536)
            received.append(data)
            connection.sendall(
                b"HTTP/1.1 403 FORBIDDEN\r\nVary: Origin\r\nvary: Accept\r\n"
                b"Access-Control-Allow-Origin: https://a.ex\r\nContent-Length: 2\r\n"
                b"Connection: close\r\n\r\nno"
            )

    thread = threading.Thread(target=serve_once)
    thread.start()
    try:
        port = server.getsockname()[1]
        observed = send(
            f"http://127.0.0.1:{port}",
            {"method": "POST", "path": "/a%20b", "headers": headers},
        )
    finally:
        thread.join(5)
        server.close()
    assert observed.status == 403
    assert observed.body == b"no"
    assert [pair for pair in observed.headers if pair[0].lower() == "vary"] == [
        ("Vary", "Origin"),
        ("vary", "Accept"),
    ]
    assert ("Access-Control-Allow-Origin", "https://a.ex") in observed.headers
    assert received[0].startswith(b"POST /a%20b HTTP/1.1\r\n")
    assert received[0].endswith(written)


# --- Difference and explain ---------------------------------------------------------------


def test_difference_kind_must_be_protocol_or_documented() -> None:
    with pytest.raises(ValueError, match="kind"):
        Difference("d", "quirk", "s", "src", "x")
    for kind in ("protocol", "documented"):
        assert Difference("d", kind, "s", "src", "x").kind == kind


def test_difference_problem_must_be_a_regex() -> None:
    with pytest.raises(re.error):
        Difference("d", "protocol", "s", "src", "^Vary: (unclosed")


def test_difference_explains_by_glob_and_search() -> None:
    difference = Difference(
        "d", "documented", "s", "src", r"Max-Age: expected absent", ("max-age/*", "preflight/x")
    )
    assert difference.explains("max-age/int", "Access-Control-Max-Age: expected absent, got ['5']")
    assert difference.explains("preflight/x", "Access-Control-Max-Age: expected absent")
    assert not difference.explains("preflight/y", "Access-Control-Max-Age: expected absent")
    assert not difference.explains("Max-Age/int", "Access-Control-Max-Age: expected absent")
    assert not difference.explains("max-age/int", "Access-Control-Max-Age: '5', expected '6'")
    anchored = Difference("a", "protocol", "s", "src", "^Vary")
    assert anchored.explains("any/case", "Vary: expected no 'Origin'")
    assert not anchored.explains("any/case", "status 200; Vary: expected")


def test_difference_from_json() -> None:
    raw = {"id": "d", "kind": "protocol", "summary": "s", "source": "src", "problem": "p"}
    assert Difference.from_json(raw).cases == ("*",)
    assert Difference.from_json({**raw, "cases": ["a/*", "b/c"]}) == Difference(
        "d", "protocol", "s", "src", "p", ("a/*", "b/c")
    )
    with pytest.raises(ValueError):
        Difference.from_json({**raw, "kind": "bug"})
    with pytest.raises(KeyError):
        Difference.from_json({key: raw[key] for key in raw if key != "problem"})


def test_explain_pairs_each_problem_with_its_differences() -> None:
    differences = [
        Difference("vary", "documented", "s", "src", "^Vary:"),
        Difference("acma", "protocol", "s", "src", "Max-Age", ("max-age/*",)),
        Difference("any-header", "protocol", "s", "src", ": expected"),
    ]
    problems = [
        "Vary: expected 'Origin' exactly once, got tokens []",
        "Access-Control-Max-Age: expected absent, got ['600']",
        "status 500, expected 200",
    ]
    assert explain(differences, "max-age/int", problems) == [
        ["vary", "any-header"],
        ["acma", "any-header"],
        [],
    ]
    assert explain(differences, "origins/x", problems[1:2]) == [["any-header"]]
    assert explain([], "origins/x", problems) == [[], [], []]
    assert explain(differences, "origins/x", []) == []
