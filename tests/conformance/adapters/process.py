"""The process adapter: the spec against a CORS implementation in any language, through a
program that serves one case over real HTTP (the protocol is in spec/README.md,
"The process adapter protocol")."""

from __future__ import annotations

import http.client
import json
import os
import selectors
import shlex
import socket
import subprocess
import time
from pathlib import Path
from typing import Any, List, Mapping, Optional, Sequence

from adapters import Difference, SkipCase, is_core
from adapters.neutral import neutral_case
from cors_spec import Case, Observed, sent_request

#: Seconds a program may take to start serving, and to answer one request.
START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0

ADAPTERS_DIR = Path(__file__).resolve().parent


class ProtocolError(RuntimeError):
    """The program did not follow the process adapter protocol."""


class ProcessAdapter:
    """Runs ``command`` once per case: the neutral case as one JSON line on its stdin,
    the base URL (or ``skip: reason``, or ``error: message``) as the first line of its
    stdout; the request goes over a real socket; closing stdin stops the program."""

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        described = subprocess.run(
            [*self.command, "--describe"],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )
        if described.returncode != 0:
            raise ProtocolError(
                f"{shlex.join(self.command)} --describe exited {described.returncode}: "
                f"{described.stderr.strip()}"
            )
        try:
            about = json.loads(described.stdout)
        except json.JSONDecodeError as error:
            raise ProtocolError(
                f"{shlex.join(self.command)} --describe must print one JSON object: {error}"
            ) from None
        self.name: str = about["name"]
        self.version: str = about["version"]
        self.differences = [Difference.from_json(raw) for raw in about.get("differences", [])]

    def run(self, case: Case) -> Observed:
        """Start the program with the case, send the request, stop the program."""
        # The neutral case, and whether it comes from the spec's neutral core (whose
        # policies a program may express differently, e.g. a route answering OPTIONS).
        config = {**neutral_case(case), "core": is_core(case)}
        for name, value in sent_request(case.request)["header_lines"]:
            if "\r\n" in value:
                raise SkipCase(
                    f"{name} holds CR LF, which ends a header line in HTTP/1.1: over a real "
                    "connection the server would receive a different request"
                )
        program = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert program.stdin is not None and program.stdout is not None
            program.stdin.write(json.dumps(config) + "\n")
            program.stdin.flush()
            first = _first_line(program, START_TIMEOUT)
            if first.startswith("skip:"):
                raise SkipCase(first[len("skip:") :].strip())
            if first.startswith("error:"):
                return Observed(setup_error=ValueError(first[len("error:") :].strip()))
            if not first.startswith("http://"):
                raise ProtocolError(f"expected a base URL, skip: or error:, got {first!r}")
            return send(first, case.request)
        finally:
            _stop(program)


def send(base_url: str, request: Mapping[str, Any]) -> Observed:
    """The case's request written byte for byte on a socket (header values as latin-1, so
    control characters reach the server as a lenient client would send them), and the
    response as http.client parses it."""
    host, _, port = base_url[len("http://") :].rstrip("/").partition(":")
    method = request["method"]
    lines = [f"{method} {request['path']} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in sent_request(request)["header_lines"]]
    payload = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    with socket.create_connection((host, int(port)), timeout=REQUEST_TIMEOUT) as sock:
        started = time.perf_counter()
        sock.sendall(payload)
        response = http.client.HTTPResponse(sock, method=method)
        try:
            response.begin()
            body = response.read()
        except socket.timeout:  # a program that never answers has failed the case
            return Observed(request_error=TimeoutError(f"no answer within {REQUEST_TIMEOUT:.0f} s"))
        return Observed(
            status=response.status,
            headers=[(name, value) for name, value in response.getheaders()],
            body=body,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )


def _first_line(program: subprocess.Popen[str], timeout: float) -> str:
    """The program's first stdout line, or a ProtocolError with its stderr."""
    assert program.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(program.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise ProtocolError(f"no first line within {timeout:.0f} s")
    line = program.stdout.readline().strip()
    if not line:
        error = program.stderr.read() if program.stderr and program.poll() is not None else ""
        raise ProtocolError(f"the program exited without a first line: {error.strip()}")
    return line


def _stop(program: subprocess.Popen[str]) -> None:
    try:
        if program.stdin:
            program.stdin.close()
        program.wait(timeout=5)
    except (subprocess.TimeoutExpired, BrokenPipeError):
        program.kill()
        program.wait()
    for stream in (program.stdout, program.stderr):
        if stream:
            stream.close()


def express_adapter() -> ProcessAdapter:
    """Node.js's Express with the `cors` package, installed by `npm ci` beside adapter.js."""
    script = ADAPTERS_DIR / "express" / "adapter.js"
    return ProcessAdapter([os.environ.get("CORS_NODE", "node"), str(script)])


def command_adapter(command: Optional[str] = None) -> ProcessAdapter:
    """Any program following the protocol, named by the CORS_PROCESS_COMMAND variable."""
    command = command or os.environ.get("CORS_PROCESS_COMMAND", "")
    if not command:
        raise ValueError("--cors-adapter process: set CORS_PROCESS_COMMAND to the program to run")
    parts: List[str] = shlex.split(command)
    return ProcessAdapter(parts)
