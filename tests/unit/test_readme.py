"""README.md is the front door: at most 10 KB, with the two commands where .ci/run reads
them, the option table, and one line per difference linking to its full text in docs/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Optional

from flask_cors.core import OPTION_NAMES

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DIFFERENCES = ROOT / "docs" / "differences.md"
MAX_BYTES = 10_240
VENV = "python3 -m venv .venv && . .venv/bin/activate"


def text() -> str:
    return README.read_text(encoding="utf-8")


def lines() -> List[str]:
    return text().splitlines()


def block_after(label: str) -> Optional[str]:
    """The first fenced block after a line starting with ``label``, as .ci/run's
    readme_command reads it (None when there is no such line or block)."""
    found = inside = False
    body: List[str] = []
    for line in lines():
        if not found:
            found = line.startswith(label)
            continue
        if line.startswith("```"):
            if inside:
                return "\n".join(body)
            inside = True
            continue
        if inside:
            body.append(line)
    return None


def section(title: str) -> str:
    return text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_readme_is_at_most_10_kb() -> None:
    size = len(README.read_bytes())
    assert size <= MAX_BYTES, f"README.md is {size} bytes; move detail to docs/"


def test_readme_gives_the_two_commands_where_ci_reads_them() -> None:
    assert block_after("Main job:") == "python -m pip install tox && tox -e conformance"
    assert block_after("Test suite:") == 'python -m pip install ".[test]" && python -m pytest'


def test_the_virtual_environment_comes_before_the_two_commands() -> None:
    readme = text()
    venv = readme.index(f"```sh\n{VENV}\n```")
    assert venv < readme.index("\nMain job:") and venv < readme.index("\nTest suite:")


def test_the_option_table_lists_every_option_once_in_order() -> None:
    rows = [line for line in section("Options").splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(OPTION_NAMES)


def test_each_difference_links_to_its_full_text() -> None:
    listed = re.findall(
        r"^(\d+)\. \[.+\]\(docs/differences\.md#difference-(\d+)\)$",
        section("Differences from Flask-CORS 6"),
        flags=re.M,
    )
    assert [int(n) for n, _ in listed] == list(range(1, len(listed) + 1))
    assert all(n == target for n, target in listed)
    page = DIFFERENCES.read_text(encoding="utf-8")
    anchored = re.findall(r'^<a id="difference-(\d+)"></a>\n\n## (\d+)\. ', page, flags=re.M)
    assert all(anchor == n for anchor, n in anchored)
    assert [n for n, _ in anchored] == [n for n, _ in listed]
    assert len(re.findall(r"^## \d+\. ", page, flags=re.M)) == len(listed)


def test_relative_links_name_files_of_the_repository() -> None:
    targets = re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text())
    assert targets
    missing = sorted({target for target in targets if not (ROOT / target).is_file()})
    assert not missing, missing
