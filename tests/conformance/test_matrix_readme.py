"""The conformance matrix shown in the documentation (docs/conformance-matrix.md, the page
"Conformance of other implementations") is the checked-in report's, table for table."""

from __future__ import annotations

from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
#: The page that shows the matrix; after `tox -e matrix`, copy the tables of
#: reports/conformance.md into it.
PAGE = ROOT / "docs" / "conformance-matrix.md"
TITLE = "# Conformance of other implementations"


def tables(text: str) -> List[List[str]]:
    """Every Markdown table in ``text``: its lines, in order."""
    found: List[List[str]] = []
    current: List[str] = []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line.rstrip())
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def readme_section() -> str:
    """The page that shows the matrix (the README's section moved there whole): its
    text from the title on."""
    page = PAGE.read_text(encoding="utf-8")
    return page[page.index(TITLE) :]


def cells(line: str) -> List[str]:
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_the_docs_page_shows_the_reports_implementation_and_topic_tables() -> None:
    report = tables((ROOT / "reports" / "conformance.md").read_text(encoding="utf-8"))
    shown = tables(readme_section())
    assert len(shown) == 2
    assert shown[0] == report[0], "implementations table differs from reports/conformance.md"
    assert shown[1] == report[1], "topic table differs from reports/conformance.md"


def test_the_implementations_table_counts_each_level() -> None:
    header, _, *rows = tables(readme_section())[0]
    assert cells(header) == [
        "implementation",
        "version",
        "adapter",
        "must",
        "should",
        "profile",
        "all",
        "differences",
    ]
    assert [cells(row)[0] for row in rows][:2] == ["flask-cors-reference", "flask-cors"]
    for row in rows:
        levels = [[int(n) for n in cell.split(" / ")] for cell in cells(row)[3:7]]
        assert [sum(column) for column in zip(*levels[:3])] == levels[3], row


def test_the_topic_table_covers_five_implementations_and_every_topic() -> None:
    header, _, *rows = tables(readme_section())[1]
    names = cells(header)[1:]
    assert names[:2] == ["flask-cors-reference", "flask-cors"]
    assert sorted(names[2:]) == ["django-cors-headers", "express-cors", "starlette"]
    core = {f"core:{path.stem}" for path in (ROOT / "spec" / "core").glob("*.yaml")}
    topics = {path.stem for path in (ROOT / "spec" / "cases").glob("*.yaml")}
    labels = {cells(row)[0] for row in rows}
    assert core | topics | {"**all**"} == labels
