"""pytest plugin of the conformance runner: adapter choice, JSON report, topic summary."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path
from typing import Any, Optional

import pytest

from adapters import Adapter, load_adapter
from results import PROFILES, Results, summary_lines

RESULTS = Results()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cors", "CORS conformance spec")
    group.addoption(
        "--cors-adapter",
        default="flask_cors",
        help="implementation to test: a registered name (default: flask_cors, whatever package "
        "is importable under that name) or module:attribute",
    )
    # The conformance and browser plugins share this option when run together.
    with contextlib.suppress(ValueError):  # already added by the other plugin
        group.addoption(
            "--cors-report", default=None, help="write a JSON report of every case to this path"
        )
    group.addoption(
        "--cors-require",
        default=None,
        help="fail unless the adapter's implementation has this name (guards against testing "
        "the wrong package)",
    )
    group.addoption(
        "--cors-profile",
        choices=(*PROFILES, "none"),
        default=None,
        help="the profile whose exact answers the implementation gives (default: reference, "
        "this project's); a failing case its own rule explains (a 'profile' case leaving this "
        "profile out, a 'should' case only the reference profile states) is reported as an "
        "expected failure. 'none' for an implementation of neither profile. 'must' cases, "
        "the core's cases and the rest still fail unless a difference explains them",
    )
    group.addoption(
        "--cors-hardening-may-fail",
        action="store_true",
        help="the same as --cors-profile flask-cors (Flask-CORS 6 from PyPI)",
    )


@pytest.fixture(scope="session")
def cors_adapter(request: pytest.FixtureRequest) -> Adapter:
    """The implementation under test."""
    if RESULTS.adapter is None:
        adapter = load_adapter(request.config.getoption("--cors-adapter"))
        required = request.config.getoption("--cors-require")
        if required and adapter.name != required:
            pytest.exit(f"--cors-require {required}: the adapter tests {adapter.name!r} instead", 2)
        RESULTS.adapter = adapter
    return RESULTS.adapter


@pytest.fixture(scope="session")
def cors_own_profile(request: pytest.FixtureRequest) -> Optional[str]:
    """The profile whose answers the implementation under test gives, or None."""
    chosen = request.config.getoption("--cors-profile")
    if chosen is None:
        chosen = (
            "flask-cors" if request.config.getoption("--cors-hardening-may-fail") else "reference"
        )
    return None if chosen == "none" else str(chosen)


@pytest.fixture(scope="session")
def cors_results() -> Results:
    """Where each case's outcome is recorded."""
    return RESULTS


def pytest_report_header(config: pytest.Config) -> str:
    return f"cors adapter: {config.getoption('--cors-adapter')}"


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not RESULTS.records:
        return
    write = terminalreporter.write_line
    adapter = RESULTS.adapter
    name = f"{adapter.name} {adapter.version}" if adapter else "?"
    terminalreporter.section(f"CORS conformance: {name}")
    for line in summary_lines(RESULTS.records, ("pass", "fail", "skip")):
        write(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--cors-report")
    if not path or not RESULTS.records:
        return
    adapter = RESULTS.adapter
    report = {
        "implementation": adapter.name if adapter else None,
        "version": adapter.version if adapter else None,
        "adapter": session.config.getoption("--cors-adapter"),
        "differences": [
            dataclasses.asdict(difference) for difference in getattr(adapter, "differences", ())
        ],
        "results": RESULTS.records,
    }
    Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
