"""The ``flask cors`` command group: ``routes`` lists each route's CORS policy,
``explain`` says whether a browser would allow one request, and why."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .explain import Explanation, explain
from .routes import OPTION_ORDER, describe_policy, route_policies, source_label

cors_cli = AppGroup("cors", help="Inspect this app's CORS policies.")


@cors_cli.command("routes")
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one entry per route.")
def routes_command(as_json: bool) -> None:
    """Every URL rule with the CORS policy that applies to it."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    routes = route_policies(app)
    if as_json:
        click.echo(json.dumps([route.as_dict() for route in routes], indent=2))
        return
    header = (
        "route", "methods", "policy", "origins", "credentials", "cors methods",
        "allow headers", "expose headers", "max age", "private network",
    )  # fmt: skip
    rows: list[tuple[str, ...]] = [header]
    for route in routes:
        methods = ", ".join(m for m in route.methods if m not in ("HEAD", "OPTIONS"))
        if route.policy is None:
            rows.append((route.rule, methods, route.applies, *("-",) * 7))
            continue
        options = describe_policy(route.policy, route.set_by)
        rows.append(
            (
                route.rule,
                methods,
                route.applies,
                _join(options["origins"]),
                "yes" if options["supports_credentials"] else "no",
                _join(options["methods"]),
                _join(options["allow_headers"]),
                _join(options["expose_headers"]) or "-",
                "-" if options["max_age"] is None else str(options["max_age"]),
                "yes" if options["allow_private_network"] else "no",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _join(values: Sequence[Any]) -> str:
    return ", ".join(map(str, values))


@cors_cli.command("explain")
@click.option("--origin", required=True, help="The page's origin, e.g. https://app.example.")
@click.option("--path", required=True, help="The request path, e.g. /api/items.")
@click.option("--method", default="GET", show_default=True, help="The request's method.")
@click.option(
    "--header",
    "headers",
    multiple=True,
    help="A request header the page sets: NAME or 'NAME: value' (repeatable).",
)
@click.option(
    "--preflight/--no-preflight",
    default=None,
    help="Force a preflight, or none (default: as a browser decides).",
)
@click.option("--credentials", is_flag=True, help="fetch(..., {credentials: 'include'}).")
def explain_command(
    origin: str,
    path: str,
    method: str,
    headers: tuple[str, ...],
    preflight: bool | None,
    credentials: bool,
) -> None:
    """Would a browser let a page at ORIGIN make this request? Exit status 1 if not."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    for hint, values in (("--origin", [origin]), ("--path", [path]), ("--method", [method])):
        _refuse_controls(hint, values)
    _refuse_controls("--header", headers)
    try:
        result = explain(app, origin, path, method, headers, preflight, credentials)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--header'") from None
    click.echo(format_explanation(result))
    if not result.allowed:
        raise click.exceptions.Exit(1)


def _refuse_controls(hint: str, values: Sequence[str]) -> None:
    """No browser sends control characters in these; say which option has one."""
    for value in values:
        if any(ord(character) < 0x20 or ord(character) == 0x7F for character in value):
            raise click.BadParameter(f"{value!r} contains a control character", param_hint=hint)


def format_explanation(result: Explanation) -> str:
    """The explanation as the CLI prints it."""
    verdict = "ALLOWED" if result.allowed else "BLOCKED"
    with_credentials = " with credentials" if result.credentials else ""
    lines = [
        f"{verdict}: a page at {result.origin} making {result.method} {result.path}"
        f"{with_credentials}",
        "",
    ]
    first = result.first_applied()
    if first is not None and first.policy is not None:
        lines.append(f"Policy: {source_label(first.source, first.pattern)}")
        described = describe_policy(first.policy, result.set_by)
        for name in OPTION_ORDER:
            lines.append(f"  {name} = {_plain(described[name])}  ({result.set_by[name]})")
    else:
        lines.append("Policy: none applied to this request")
    for exchange in result.exchanges:
        lines.append("")
        lines.append(f"{exchange.kind.capitalize()}: {exchange.method} {exchange.path}")
        for name, value in exchange.request_headers:
            lines.append(f"  > {name}: {value}")
        lines.append(f"  < {exchange.status}")
        for name, value in exchange.cors_headers():
            lines.append(f"  < {name}: {value}")
    lines.append("")
    lines.append("Why:" if result.reasons else "Why: every CORS check passes")
    lines.extend(f"  - {reason}" for reason in result.reasons)
    return "\n".join(lines)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) if value else "(none)"
    return str(value)
