"""Reading a test response's CORS headers, shared by the unit tests."""

from __future__ import annotations

from typing import Any, List


def vary_tokens(response: Any) -> List[str]:
    """Lower-cased Vary tokens over every Vary header line, duplicates kept."""
    return [
        token.strip().lower()
        for line in response.headers.getlist("Vary")
        for token in line.split(",")
        if token.strip()
    ]


def cors_header_names(response: Any) -> List[str]:
    """The names of the response's Access-Control-* headers, as sent, sorted."""
    return sorted(
        name for name, _ in response.headers if name.lower().startswith("access-control-")
    )
