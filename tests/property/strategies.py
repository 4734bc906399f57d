"""Hypothesis strategies for CORS configurations and requests, shared by the property tests."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import strategies as st

from flask_cors.build import build_policy
from flask_cors.layers import parse_options, resolve
from flask_cors.policy import Policy

# ---------------------------------------------------------------------------------------
# Building blocks


def invariant(*ids: str) -> Any:
    """Mark a test with the spec/invariants.yaml ids it checks."""
    return pytest.mark.invariant(*ids)


SCHEMES = ["http", "https"]
LABELS = ["a", "b", "app", "api", "example", "trusted", "evil", "x-y", "cdn1"]
TLDS = ["com", "example", "net", "test"]
TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$%&'*+.^`|~"
METHOD_NAMES = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", "PURGE", "LINK"]
HEADER_NAMES = [
    "Content-Type", "Authorization", "X-Requested-With", "X-Token", "x-custom", "Accept",
    "X-Trace-Id", "If-Match",
]  # fmt: skip

hosts = st.builds(
    lambda labels, tld: ".".join([*labels, tld]),
    st.lists(st.sampled_from(LABELS), min_size=1, max_size=3),
    st.sampled_from(TLDS),
)
ports = st.one_of(st.none(), st.sampled_from([80, 443, 3000, 8080]))

#: A scheme's default port, which a serialized origin leaves out (Fetch, Origin header).
DEFAULT_PORTS = {"http": 80, "https": 443}

#: Serialized origins a browser could send: scheme://host[:port].
origins = st.builds(
    lambda scheme, host, port: (
        f"{scheme}://{host}" + (f":{port}" if port and port != DEFAULT_PORTS.get(scheme) else "")
    ),
    st.sampled_from(SCHEMES),
    hosts,
    ports,
)

tokens = st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=12)
header_names = st.one_of(st.sampled_from(HEADER_NAMES), tokens)


def near_misses(origin: str) -> st.SearchStrategy[str]:
    """Values an attacker derives from an allowed origin: case changes, prefix and suffix
    attacks, other ports and schemes, paths, null, unicode, injected bytes."""
    scheme, _, rest = origin.partition("://")
    return st.sampled_from(
        [
            origin.upper(),
            origin.swapcase(),
            origin + ".evil.net",
            origin + "evil.com",
            f"{scheme}://evil{rest}",
            f"{scheme}://evil.{rest}",
            origin + ":1",
            origin + "/",
            origin + "/path",
            ("http" if scheme == "https" else "https") + "://" + rest,
            origin.replace(".", "X", 1),
            origin.replace("a", "\u0430", 1),  # Cyrillic a
            "null",
            origin + "\r\nX-Injected: 1",
            origin + "\x00",
            origin + ", https://evil.example",
            " " + origin,
        ]
    )


#: Origin header values: absent, browser-like, near misses, or arbitrary text.
def request_origins(allowed: List[str]) -> st.SearchStrategy[Optional[str]]:
    """Origins for requests against a policy that allows ``allowed``."""
    choices: List[st.SearchStrategy[Optional[str]]] = [
        st.none(),
        st.just(""),
        origins,
        st.just("null"),
        st.text(max_size=40),
    ]
    if allowed:
        chosen = st.sampled_from(allowed)
        choices += [chosen, chosen, chosen.flatmap(near_misses)]
    return st.one_of(choices)


# ---------------------------------------------------------------------------------------
# Configurations


@st.composite
def origin_options(draw: st.DrawFn) -> Tuple[Any, List[str]]:
    """A value for the origins option, in any of its documented forms, and origins it
    allows (to aim requests at)."""
    literals = draw(st.lists(origins, min_size=1, max_size=4, unique=True))
    kind = draw(st.sampled_from(["wildcard", "literal", "list", "regex", "compiled", "mixed"]))
    if kind == "wildcard":
        return draw(st.sampled_from(["*", ".*", ["*"]])), literals
    if kind == "literal":
        return literals[0], literals[:1]
    if kind == "list":
        return literals, literals
    scheme, _, rest = literals[0].partition("://")
    regex = re.escape(scheme) + "://(?:[a-z0-9-]+\\.)?" + re.escape(rest)
    if kind == "regex":
        return "^" + regex + "$", literals[:1]
    if kind == "compiled":
        return re.compile(regex), literals[:1]
    return [*literals[1:], "^" + regex + "$", re.compile(re.escape(literals[0]))], literals


methods_options = st.one_of(
    st.lists(st.sampled_from(METHOD_NAMES), min_size=1, max_size=4, unique=True),
    st.just("*"),
    st.just("GET, POST"),
)
allow_headers_options = st.one_of(
    st.just("*"),
    st.lists(st.sampled_from(HEADER_NAMES), min_size=1, max_size=3, unique=True),
    st.just(r"X-[A-Za-z]+"),
    st.just(re.compile(r"x-custom|content-type", re.IGNORECASE)),
)
expose_headers_options = st.one_of(
    st.none(), st.lists(st.sampled_from(HEADER_NAMES), min_size=1, max_size=3), st.just("X-Total")
)
max_age_options = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=86400),
    st.integers(min_value=0, max_value=86400).map(str),
    st.integers(min_value=0, max_value=86400).map(lambda s: timedelta(seconds=s)),
)


@st.composite
def option_sets(draw: st.DrawFn) -> Tuple[Dict[str, Any], List[str]]:
    """A valid set of options (as keywords), each option present or not, and origins the
    configuration allows."""
    options: Dict[str, Any] = {}
    examples: List[str] = []
    if draw(st.booleans()):
        options["origins"], examples = draw(origin_options())
    candidates = {
        "methods": methods_options,
        "allow_headers": allow_headers_options,
        "expose_headers": expose_headers_options,
        "max_age": max_age_options,
        "supports_credentials": st.booleans(),
        "send_wildcard": st.booleans(),
        "always_send": st.booleans(),
        "vary_header": st.booleans(),
        "allow_private_network": st.booleans(),
    }
    for name, strategy in candidates.items():
        if draw(st.booleans()):
            options[name] = draw(strategy)
    if is_rejected_combination(options):
        options["send_wildcard"] = False
    return options, examples


def policy_from(options: Dict[str, Any]) -> Policy:
    """Compile one layer of keyword options as the extension would, or raise."""
    values, sources = resolve([("keywords", parse_options(options, "test"))])
    return build_policy(values, sources, "test", warn=None)


def is_rejected_combination(options: Dict[str, Any]) -> bool:
    """Whether setup must refuse these options (send_wildcard + '*' + credentials)."""
    origins_value = options.get("origins", "*")
    values = origins_value if isinstance(origins_value, list) else [origins_value]
    wildcard = any(isinstance(v, str) and v in ("*", ".*") for v in values)
    return bool(wildcard and options.get("send_wildcard") and options.get("supports_credentials"))


# ---------------------------------------------------------------------------------------
# Requests

request_methods = st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "OPTIONS"])
request_method_headers = st.one_of(
    st.none(),
    st.sampled_from(METHOD_NAMES),
    st.sampled_from(["get", "ET", "PUT\r\n", "GET, PUT", ""]),
)
request_header_lists = st.one_of(
    st.none(),
    st.lists(header_names, max_size=5).map(",".join),
    st.lists(header_names, max_size=5).map(", ".join),
    st.sampled_from(["", ",,", "x-a,\r\nx-b", "bad name, x-ok", "x\x00y"]),
)
private_network_headers = st.one_of(st.none(), st.sampled_from(["true", "TRUE", "false", "1"]))
