"""The conformance matrix page, rendered by headless Chromium with JavaScript off: its
tables must say what the runner's JSON reports say (tox -e matrix runs this last)."""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("CORS_MATRIX_HTML", ROOT / "reports" / "conformance.html"))
REPORTS = Path(os.environ.get("CORS_MATRIX_REPORTS", ROOT / "reports" / "matrix"))
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


def load_reports() -> List[dict]:
    """The JSON reports, this project first and Flask-CORS second as the page orders them."""
    order = {"spec-reference": 0, "spec-flask-cors": 1}
    paths = sorted(REPORTS.glob("*.json"), key=lambda p: (order.get(p.stem, 2), p.stem))
    return [json.loads(path.read_text(encoding="utf-8")) for path in paths]


LEVELS = ("must", "should", "profile")


def topic_label(record: dict) -> str:
    """A record's topic as the page shows it: a core case's as core:<topic>."""
    topic = record["id"].split("/")[0]
    return f"core:{topic}" if record["tags"][:1] == ["core"] else topic


def counted(
    reports: List[dict], labels: Callable[[dict], List[str]]
) -> Dict[str, List[Tuple[int, int, int]]]:
    """Per label: (pass, fail, skip) per report."""
    rows: Dict[str, List[Counter]] = defaultdict(lambda: [Counter() for _ in reports])
    for index, report in enumerate(reports):
        for record in report["results"]:
            for label in labels(record):
                rows[label][index][record["outcome"]] += 1
    return {
        label: [(c["pass"], c["fail"], c["skip"]) for c in counters]
        for label, counters in rows.items()
    }


def expected_rows(reports: List[dict]) -> Dict[str, List[Tuple[int, int, int]]]:
    """Per topic row (core:<topic>, the profile's topics, all): (pass, fail, skip) per report."""
    return counted(reports, lambda record: [topic_label(record), "all"])


def expected_levels(reports: List[dict]) -> Dict[str, List[Tuple[int, int, int]]]:
    """Per level (must, should, profile, all): (pass, fail, skip) per report."""
    return counted(reports, lambda record: [record["level"], "all"])


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    if not HTML.is_file():
        pytest.fail(f"{HTML} does not exist: run tox -e matrix (or matrix_report.py --html)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(HTML.as_uri())
        yield page
        browser.close()


def cell_texts(page: Page, selector: str) -> List[List[str]]:
    rows = page.locator(selector)
    return [
        [text.strip() for text in rows.nth(i).locator("th, td").all_inner_texts()]
        for i in range(rows.count())
    ]


def test_page_needs_no_script_and_nothing_from_elsewhere(page: Page) -> None:
    assert page.locator("script").count() == 0
    for attribute in ("src", "href"):
        for element in page.locator(f"[{attribute}]").all():
            value = element.get_attribute(attribute) or ""
            assert value.startswith("#"), f"{attribute}={value!r} leaves the page"


def test_summary_table_lists_every_implementation(page: Page) -> None:
    reports = load_reports()
    names = page.locator("#summary thead th[data-implementation]").all_inner_texts()
    assert [name.strip() for name in names] == [report["implementation"] for report in reports]
    implementations = cell_texts(page, "#implementations-table tbody tr")
    assert [(row[0], row[1]) for row in implementations] == [
        (report["implementation"], report["version"]) for report in reports
    ]


def test_implementations_table_counts_each_level(page: Page) -> None:
    reports = load_reports()
    levels = [
        text.strip()
        for text in page.locator("#implementations-table thead th[data-level]").all_inner_texts()
    ]
    assert levels == [*LEVELS, "all"]
    expected = expected_levels(reports)
    for index, row in enumerate(cell_texts(page, "#implementations-table tbody tr")):
        report = reports[index]
        assert row[:3] == [report["implementation"], report["version"], report["adapter"]]
        numbers = [int(text) for text in row[3:]]
        shown = [tuple(numbers[i : i + 3]) for i in range(0, 3 * len(levels), 3)]
        assert shown == [expected.get(level, [(0, 0, 0)] * len(reports))[index] for level in levels]
        assert numbers[-1] == len(report["differences"])


def test_summary_table_counts_match_the_reports(page: Page) -> None:
    reports = load_reports()
    expected = expected_rows(reports)
    shown = {}
    for row in cell_texts(page, "#summary tbody tr"):
        numbers = [int(text) for text in row[1:]]
        shown[row[0]] = [tuple(numbers[i : i + 3]) for i in range(0, len(numbers), 3)]
    assert shown == expected


def test_every_failure_has_a_section_with_its_explanation(page: Page) -> None:
    assert "unexplained" not in " ".join(page.locator("#failures ~ section").all_inner_texts())
    for report in load_reports():
        for record in report["results"]:
            if record["outcome"] != "fail":
                continue
            section = page.locator(f"#case-{record['id'].replace('/', '-')}")
            assert section.count() == 1, record["id"]
            text = section.inner_text()
            assert report["implementation"] in text
            assert "unexplained" not in text, record["id"]
            for problem in record["problems"]:
                ids = problem["explained_by"]
                if ids:
                    assert all(i in text for i in ids), (record["id"], ids)
                else:
                    assert record["level"] != "must", record["id"]
                    assert "explained by the case's own rule" in text, record["id"]
