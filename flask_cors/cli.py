"""The ``flask cors`` commands: each route's CORS policy, and what a browser does with a request."""

from __future__ import annotations

import json
import re
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from .explain import Explanation, explain
from .routes import route_policies

cors_cli = AppGroup("cors", help="Inspect this app's CORS policies.")


@cors_cli.command("routes")
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one entry per route.")
def routes_command(as_json: bool) -> None:
    """Every URL rule with the CORS policy that applies to it."""
    routes = route_policies(current_app)
    if as_json:
        click.echo(json.dumps([route.as_dict() for route in routes], indent=2))
        return
    rows = [
        (
            "route", "methods", "policy", "origins", "credentials", "cors methods",
            "allow headers", "expose headers", "max age", "private network",
        )
    ]  # fmt: skip
    for route in routes:
        methods = ", ".join(m for m in route.methods if m not in ("HEAD", "OPTIONS"))
        options = route.options
        if options is None:
            rows.append((route.rule, methods, route.applies, *("-",) * 7))
            continue
        rows.append(
            (
                route.rule,
                methods,
                route.applies,
                ", ".join(options["origins"]),
                "yes" if options["supports_credentials"] else "no",
                ", ".join(options["methods"]),
                ", ".join(options["allow_headers"]),
                ", ".join(options["expose_headers"]) or "-",
                "-" if options["max_age"] is None else str(options["max_age"]),
                "yes" if options["allow_private_network"] else "no",
            )
        )
    widths = [max(map(len, column)) for column in zip(*rows)]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


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
def explain_command(**options: Any) -> None:
    """Would a browser let a page at ORIGIN make this request? Exit status 1 if not."""
    given = [("--origin", options["origin"]), ("--path", options["path"])]
    given += [("--method", options["method"])] + [("--header", h) for h in options["headers"]]
    for hint, value in given:
        if re.search(r"[\x00-\x1f\x7f]", value):  # no browser sends these
            raise click.BadParameter(f"{value!r} contains a control character", param_hint=hint)
    try:
        result = explain(current_app, **options)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--header'") from None
    click.echo(format_explanation(result))
    if not result.allowed:
        raise click.exceptions.Exit(1)


def format_explanation(result: Explanation) -> str:
    """The explanation as the CLI prints it."""
    verdict = "ALLOWED" if result.allowed else "BLOCKED"
    credentials = " with credentials" if result.credentials else ""
    lines = [
        f"{verdict}: a page at {result.origin} making {result.method} {result.path}{credentials}",
        "",
    ]
    if result.options is None:
        lines.append("Policy: none applied to this request")
    else:
        lines.append(f"Policy: {result.policy}")
        for name, layer in result.options["set_by"].items():
            lines.append(f"  {name} = {_plain(result.options[name])}  ({layer})")
    for exchange in result.exchanges:
        lines += ["", f"{exchange.kind.capitalize()}: {exchange.method} {exchange.path}"]
        lines += [f"  > {name}: {value}" for name, value in exchange.request_headers]
        lines.append(f"  < {exchange.status}")
        lines += [f"  < {name}: {value}" for name, value in exchange.cors_headers()]
    lines += ["", "Why:" if result.reasons else "Why: every CORS check passes"]
    lines += [f"  - {reason}" for reason in result.reasons]
    return "\n".join(lines)


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "(none)"
    return str(value)
