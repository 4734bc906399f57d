"""pytest plugin of the conformance runner: adapter choice, JSON report, topic summary."""

from __future__ import annotations

import contextlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict

import pytest

from adapters import Adapter, load_adapter
from results import Results

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
        "--cors-hardening-may-fail",
        action="store_true",
        help="report failing 'hardening' cases as expected failures (for implementations "
        "other than this project); 'compat' failures still fail the run",
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
    by_topic: Dict[str, Counter[str]] = defaultdict(Counter)
    by_kind: Dict[str, Counter[str]] = defaultdict(Counter)
    for record in RESULTS.records:
        by_topic[record["id"].split("/", 1)[0]][record["outcome"]] += 1
        kind = "compat" if "compat" in record["tags"] else "hardening"
        by_kind[kind][record["outcome"]] += 1
    write(f"{'topic':<18}{'cases':>7}{'pass':>7}{'fail':>7}{'skip':>7}")
    for topic in sorted(by_topic):
        counts = by_topic[topic]
        write(
            f"{topic:<18}{sum(counts.values()):>7}{counts['pass']:>7}{counts['fail']:>7}{counts['skip']:>7}"
        )
    write("-" * 46)
    for kind in ("compat", "hardening"):
        counts = by_kind[kind]
        write(
            f"{kind:<18}{sum(counts.values()):>7}{counts['pass']:>7}{counts['fail']:>7}{counts['skip']:>7}"
        )
    total = Counter(record["outcome"] for record in RESULTS.records)
    write(
        f"{'all':<18}{len(RESULTS.records):>7}{total['pass']:>7}{total['fail']:>7}{total['skip']:>7}"
    )
    failing = [record for record in RESULTS.records if record["outcome"] == "fail"]
    if failing:
        write("")
        write("failing cases:")
        for record in failing:
            kind = "compat" if "compat" in record["tags"] else "hardening"
            first = record["message"].splitlines()[-1].strip() if record["message"] else ""
            write(f"  [{kind}] {record['id']}: {first}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--cors-report")
    if not path or not RESULTS.records:
        return
    adapter = RESULTS.adapter
    report = {
        "implementation": adapter.name if adapter else None,
        "version": adapter.version if adapter else None,
        "results": RESULTS.records,
    }
    Path(path).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
