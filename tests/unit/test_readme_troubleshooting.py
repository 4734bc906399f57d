"""README's Troubleshooting section shows what the commands really print for its app."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import List

import pytest
from flask import Flask

ROOT = Path(__file__).resolve().parents[2]


def example_app() -> Flask:
    spec = importlib.util.spec_from_file_location(
        "troubleshooting_app", ROOT / "examples" / "troubleshooting_app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: Flask = module.app
    return app


def readme_transcripts() -> List[str]:
    """The ```text blocks of the Troubleshooting section, each '$ command' then output."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Troubleshooting", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```text\n(.*?)```", section, flags=re.S)


@pytest.mark.parametrize("transcript", readme_transcripts())
def test_readme_output_is_what_the_command_prints(transcript: str) -> None:
    command, _, shown = transcript.partition("\n")
    assert command.startswith("$ flask cors ")
    args = command[len("$ flask ") :].split()
    result = example_app().test_cli_runner().invoke(args=args)
    assert result.output.rstrip("\n") == shown.rstrip("\n")


def test_the_section_shows_both_commands() -> None:
    commands = [transcript.split("\n", 1)[0] for transcript in readme_transcripts()]
    assert any(command.startswith("$ flask cors routes") for command in commands)
    assert any(command.startswith("$ flask cors explain") for command in commands)
