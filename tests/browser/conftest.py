"""pytest plugin of the browser harness: which cases to run, the servers and Chromium for
the session, the JSON report and the summary by topic."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, List, Optional

import pytest

# The conformance runner's modules (cors_spec, adapters) build each case's app;
# tests/ensure_debian.py installs Chromium (its tests are in test_harness.py).
TESTS_DIR = Path(__file__).resolve().parents[1]
for directory in (TESTS_DIR / "conformance", TESTS_DIR):
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))

from harness import (  # noqa: E402
    BrowserCase,
    BrowserResults,
    load_browser_cases,
    load_core_browser_cases,
    page_origins,
)

from cors_spec import CASES_DIR  # noqa: E402
from results import summary_lines  # noqa: E402

if TYPE_CHECKING:
    from chromium import ChromiumSession


RESULTS = BrowserResults()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cors-browser", "CORS verdicts in Chromium")
    group.addoption(
        "--cors-cases-dir",
        default=None,
        help=f"load the case files from this directory (default: {CASES_DIR})",
    )
    # The conformance and browser plugins share this option when run together.
    with contextlib.suppress(ValueError):  # already added by the other plugin
        group.addoption(
            "--cors-report",
            default=None,
            help="write a JSON report of every browser case to this path",
        )


def cases_dir(config: pytest.Config) -> Path:
    chosen = config.getoption("--cors-cases-dir")
    return Path(chosen) if chosen else CASES_DIR


def browser_cases(config: pytest.Config) -> List[BrowserCase]:
    """The cases with a `browser` field, loaded once per session."""
    cached: Optional[List[BrowserCase]] = getattr(config, "_cors_browser_cases", None)
    if cached is None:
        cached = load_browser_cases(cases_dir(config))
        if not config.getoption("--cors-cases-dir"):
            cached += load_core_browser_cases()
        config._cors_browser_cases = cached  # type: ignore[attr-defined]
    return cached


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test_case item per case with a `browser` field, named by the case's id."""
    if "browser_case" in metafunc.fixturenames:
        cases = browser_cases(metafunc.config)
        metafunc.parametrize("browser_case", cases, ids=[case.id for case in cases])


def pytest_report_header(config: pytest.Config) -> str:
    return f"cors browser cases: {cases_dir(config)}"


@pytest.fixture(scope="session")
def chromium_session(pytestconfig: pytest.Config) -> Iterator[ChromiumSession]:
    """The API and page servers and Chromium, for the whole session."""
    from chromium import ChromiumSession  # needs playwright: imported only when used

    from adapters.flask_api import FlaskCorsApiAdapter

    adapter = FlaskCorsApiAdapter()
    RESULTS.implementation, RESULTS.version = adapter.name, adapter.version
    session = ChromiumSession(page_origins(browser_cases(pytestconfig)))
    RESULTS.browser = f"chromium {session.version}"
    try:
        yield session
    finally:
        session.close()


@pytest.fixture(scope="session")
def browser_results() -> BrowserResults:
    return RESULTS


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not RESULTS.records:
        return
    write = terminalreporter.write_line
    terminalreporter.section(
        f"CORS in a browser: {RESULTS.implementation} {RESULTS.version}, {RESULTS.browser}"
    )
    for line in summary_lines(RESULTS.records, ("pass", "fail")):
        write(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--cors-report")
    if not path or not RESULTS.records:
        return
    report = {
        "implementation": RESULTS.implementation,
        "version": RESULTS.version,
        "browser": RESULTS.browser,
        "results": RESULTS.records,
    }
    Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
