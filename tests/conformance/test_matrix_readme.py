"""The README's conformance matrix is the checked-in report's, table for table."""

from __future__ import annotations

from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[2]
SECTION = "## Conformance of other implementations"


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
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    end = readme.index("\n## ", start + len(SECTION))
    return readme[start:end]


def test_readme_shows_the_reports_implementation_and_topic_tables() -> None:
    report = tables((ROOT / "reports" / "conformance.md").read_text(encoding="utf-8"))
    shown = tables(readme_section())
    assert len(shown) == 2
    assert shown[0] == report[0], "implementations table differs from reports/conformance.md"
    assert shown[1] == report[1], "topic table differs from reports/conformance.md"


def test_the_topic_table_covers_five_implementations_and_every_topic() -> None:
    header, _, *rows = tables(readme_section())[1]
    names = [cell.strip() for cell in header.strip("|").split("|")][1:]
    assert names[:2] == ["flask-cors-reference", "flask-cors"]
    assert sorted(names[2:]) == ["django-cors-headers", "express-cors", "starlette"]
    topics = {path.stem for path in (ROOT / "spec" / "cases").glob("*.yaml")}
    labels = {row.strip("|").split("|")[0].strip() for row in rows}
    assert topics | {"**compat**", "**hardening**", "**all**"} == labels
