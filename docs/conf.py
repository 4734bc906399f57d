"""Sphinx configuration of the flask-cors-reference documentation (tox -e docs)."""

from __future__ import annotations

import sys
from pathlib import Path

# The package documented is the one in this repository, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask_cors import __version__  # noqa: E402

project = "flask-cors-reference"
author = "the flask-cors-reference authors"
copyright = "the flask-cors-reference authors"  # noqa: A001
release = __version__
version = ".".join(release.split(".")[:2])

extensions = ["myst_parser", "sphinx.ext.autodoc"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# GitHub-style anchors on headings down to ###, so that links such as
# usage.md#dynamic-origins resolve (and are checked) in the build as on GitHub.
myst_heading_anchors = 3

# Only the public names are documented (docs/api.md); signatures keep their annotations.
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
# Without intersphinx (the build needs no network), Flask's classes and the standard
# library's abstract types have no target here.
nitpick_ignore_regex = [("py:class", r"(flask|werkzeug|collections\.abc)\..*")]

html_theme = "furo"
html_title = f"flask-cors-reference {release}"
