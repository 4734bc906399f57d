"""Publish the spec's neutral core as JSON (spec/json/<topic>.json), so that a harness in
any language needs no YAML parser; with --check, fail when the JSON is stale."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict

import jsonschema

from core_spec import CORE_DIR, CORE_SCHEMA_PATH, SPEC_DIR
from cors_spec import read_yaml

JSON_DIR = SPEC_DIR / "json"
VERSION_PATH = SPEC_DIR / "VERSION"


def rendered() -> Dict[Path, str]:
    """Every JSON file the core's YAML gives, by path, validated by the core schema."""
    schema = json.loads(CORE_SCHEMA_PATH.read_text(encoding="utf-8"))
    version = VERSION_PATH.read_text(encoding="utf-8").strip()
    files = {}
    for source in sorted(CORE_DIR.glob("*.yaml")):
        cases = read_yaml(source) or []
        jsonschema.validate(cases, schema)
        document = {
            "spec_version": version,
            "topic": source.stem,
            "source": f"spec/core/{source.name}",
            "schema": "spec/core.schema.json",
            "cases": cases,
        }
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        files[JSON_DIR / f"{source.stem}.json"] = text
    return files


def stale() -> list[str]:
    """What --check reports: JSON files missing, different, or left over."""
    wanted = rendered()
    problems = [
        f"{path.relative_to(SPEC_DIR.parent)} is stale"
        for path, text in wanted.items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    problems += [
        f"{path.relative_to(SPEC_DIR.parent)} has no YAML source"
        for path in sorted(JSON_DIR.glob("*.json"))
        if path not in wanted
    ]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only say whether the JSON is stale")
    if parser.parse_args().check:
        problems = stale()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python tests/conformance/export_json.py", file=sys.stderr)
        return 1 if problems else 0
    JSON_DIR.mkdir(exist_ok=True)
    for path in sorted(JSON_DIR.glob("*.json")):
        path.unlink()
    for path, text in rendered().items():
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(rendered())} files to {JSON_DIR.relative_to(SPEC_DIR.parent)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
