"""The Troubleshooting page of the documentation (docs/troubleshooting.md) shows what the
commands really print for its app."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import List

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import FlaskGroup

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
    """The ```text blocks of the Troubleshooting page, each '$ command' then output."""
    text = (ROOT / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    assert text.startswith("# Troubleshooting\n")
    return re.findall(r"```text\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("transcript", readme_transcripts())
def test_readme_output_is_what_the_command_prints(transcript: str) -> None:
    command, _, shown = transcript.partition("\n")
    assert command.startswith("$ flask cors ")
    args = command[len("$ flask ") :].split()
    app = example_app()  # the group comes from the flask.commands entry point, as for `flask`
    result = CliRunner().invoke(FlaskGroup(create_app=lambda: app), args)
    assert result.output.rstrip("\n") == shown.rstrip("\n")


def test_the_section_shows_both_commands() -> None:
    commands = [transcript.split("\n", 1)[0] for transcript in readme_transcripts()]
    assert any(command.startswith("$ flask cors routes") for command in commands)
    assert any(command.startswith("$ flask cors explain") for command in commands)
