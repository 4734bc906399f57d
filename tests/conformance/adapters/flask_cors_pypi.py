"""Flask-CORS 6 from PyPI, played through the Flask-CORS API adapter (adapters/flask_api.py)
with what was found about it by hand: the core cases it cannot express, and the
differences that explain its failures of the core's `should` cases.

The profile's cases (spec/cases) need neither: Flask-CORS 6 gives the exact answers of
every case listing the `flask-cors` profile, and the cases listing only `reference` are
this project's deliberate differences, each explained by its own rule (README,
"Differences from Flask-CORS 6"). The neutral core (spec/core) states its policies in the
protocol's terms, so some of them are beyond Flask-CORS 6's options, and some of its
`should` cases rule out what Flask-CORS 6 does.

Skipped (core cases only, besides what adapters/flask_api.py cannot express):

- ``methods: "*"`` (any method): Flask-CORS 6 has no value for it. Its ``methods="*"`` is
  a method named ``*``: ``get_cors_headers`` tests the requested method as a substring of
  the joined list ``"*"``, so every preflight gets no ``Access-Control-Allow-Methods``
  (README difference 18).
- ``max_age: 0`` (browsers must not cache the preflight): ``get_cors_headers`` leaves out
  every header whose value is falsy, so ``max_age=0`` sends no
  ``Access-Control-Max-Age`` and browsers cache the answer for 5 seconds (README
  difference 13). Only other spellings of the same number (``timedelta(0)``, ``"0"``)
  reach the header, and an adapter never picks a spelling to make a case pass.
"""

from __future__ import annotations

import importlib.metadata
from typing import List

from adapters import NULL_GRANTED, SLOW_ANSWER, Difference, SkipCase
from adapters.flask_api import FlaskCorsApiAdapter
from cors_spec import Case, Observed


class FlaskCors6Adapter(FlaskCorsApiAdapter):
    """The Flask-CORS API adapter with Flask-CORS 6's skips and differences."""

    def __init__(self) -> None:
        super().__init__()
        werkzeug = importlib.metadata.version("werkzeug")
        self.differences: List[Difference] = differences(self.version, werkzeug)

    def run(self, case: Case) -> Observed:
        """Skip what Flask-CORS 6 cannot express, then play the case as for any package
        with Flask-CORS's API."""
        if case.tags[:1] == ("core",):
            options = case.config.get("extension") or {}
            if options.get("methods") == "*":
                raise SkipCase(
                    "methods '*' (any method): Flask-CORS 6 has no value for it; its "
                    "methods='*' is one method named '*', so every preflight is refused "
                    "(flask_cors/core.py, get_cors_headers; README difference 18)"
                )
            if options.get("max_age") == 0:
                raise SkipCase(
                    "max_age 0: Flask-CORS 6 leaves out every falsy header value, so "
                    "max_age=0 sends no Access-Control-Max-Age and browsers cache the "
                    "preflight for 5 seconds (flask_cors/core.py, get_cors_headers; README "
                    "difference 13)"
                )
        return super().run(case)


def differences(version: str, werkzeug_version: str) -> List[Difference]:
    """The behaviours of Flask-CORS 6 that make cases of the core fail, each checked by
    hand against the installed source (and this repository's README, "Differences from
    Flask-CORS 6", which lists them from the other side)."""
    core = f"flask-cors {version}: flask_cors/core.py"
    return [
        Difference(
            id="origin-regex-backtracks",
            kind="documented",
            summary=(
                "Origin regexes are compiled with Python's re and tried with pattern.match, "
                "a backtracking engine, on an Origin of any length: an 8 KiB Origin facing "
                "a pattern with nested repetition, or one shaped for a pattern with three "
                "repeated classes, takes well over the 250 ms the cases allow (README "
                "difference 28)."
            ),
            source=f"{core}, try_match_pattern (pattern.match) and get_cors_origins",
            problem=SLOW_ANSWER,
            cases=(
                "bounded-work/origin-of-8-kib-facing-a-pattern",
                "bounded-work/polynomial-pattern-answered",
            ),
        ),
        Difference(
            id="origin-regex-allows-null",
            kind="documented",
            summary=(
                "An origin regex is tried on any Origin value, 'null' included, so a pattern "
                "whose letters can spell 'null' (or '.*') allows Origin: null, which any page "
                "can send from a sandboxed document; this project lets only a listed "
                "'null' or '*' allow it (README difference 31)."
            ),
            source=f"{core}, get_cors_origins and try_match_pattern",
            problem=NULL_GRANTED,
            cases=(
                "origins/pattern-never-allows-null",
                "origins/match-all-pattern-never-grants-null",
            ),
        ),
        Difference(
            id="any-origin-echoes-any-value",
            kind="protocol",
            summary=(
                "Fetch, HTTP new-header syntax: Access-Control-Allow-Origin is one origin, "
                "'null' or '*'; RFC 9110, 5.5: a field value holds no NUL. With origins='*' "
                "(send_wildcard off, the default) the Origin header is echoed whatever it "
                "holds: two origins joined by a comma or a space, a NUL byte (README "
                "differences 3 and 4)."
            ),
            source=f"{core}, get_cors_origins ('return [request_origin]')",
            problem=r"^Access-Control-Allow-Origin: (expected absent, got \[|\[)"
            r"'https://app\.example(, | |\\x00)",
            cases=(
                "origins/origin-list-never-echoed",
                "reflection/comma-list-not-echoed-by-any-origin",
                "reflection/space-separated-origins-not-reflected",
                "reflection/nul-origin-not-reflected",
            ),
        ),
        Difference(
            id="newline-origin-raises",
            kind="protocol",
            summary=(
                "RFC 9110, 5.5: a field value holds no CR or LF. With origins='*' an Origin "
                "holding CR LF or LF is copied into Access-Control-Allow-Origin unchecked; "
                "Werkzeug refuses to store such a header value, so the request ends with "
                "a ValueError (a 500 under a server) instead of an answer without the "
                "header (README difference 4)."
            ),
            source=f"{core}, get_cors_origins and set_cors_headers (resp.headers.add); "
            f"werkzeug {werkzeug_version}: werkzeug/datastructures/headers.py, _str_header_value",
            problem=r"^the request raised ValueError: Header values must not contain "
            r"newline characters\.$",
            cases=(
                "reflection/crlf-origin-not-reflected",
                "reflection/lf-origin-with-credentials-not-reflected",
            ),
        ),
        Difference(
            id="overlong-origin-echoed",
            kind="documented",
            summary=(
                "With origins='*' an Origin of any length is echoed: 2,016 characters, a "
                "host no DNS name can have, come back in Access-Control-Allow-Origin. This "
                "project echoes at most 1,024 characters (README difference 4)."
            ),
            source=f"{core}, get_cors_origins",
            problem=r"^Access-Control-Allow-Origin: \['https://a{100}",
            cases=("reflection/overlong-origin-not-echoed",),
        ),
        Difference(
            id="no-vary-without-a-grant",
            kind="documented",
            summary=(
                "Vary: Origin is added only beside an Access-Control-Allow-Origin naming "
                "the request's origin: a refused origin, a refused preflight and a request "
                "without Origin get none, though the answer still depends on the Origin, "
                "so a shared cache may hand one origin's answer to another (README "
                "difference 2)."
            ),
            source=f"{core}, get_cors_headers (returns before Vary when no origin is set)",
            problem=r"^Vary: expected 'Origin' exactly once, got tokens "
            r"\[('accept-encoding')?\]$",
            cases=(
                "vary/listed-origin-refused",
                "vary/pattern-origin-refused",
                "vary/pattern-request-without-origin",
                "vary/any-origin-with-credentials-request-without-origin",
                "vary/preflight-origin-refused",
                "vary/route-vary-kept-on-refusal",
            ),
        ),
        Difference(
            id="vary-origin-added-twice",
            kind="documented",
            summary=(
                "'Vary: Origin' is added as one more header field without reading the "
                "view's own Vary, so a view answering 'Vary: Accept-Encoding, Origin' "
                "names Origin twice. Legal (a cache reads the same field name twice), but "
                "not the merge README difference 2 asks for."
            ),
            source=f"{core}, get_cors_headers (headers.add('Vary', 'Origin')) and set_cors_headers",
            problem=r"^Vary: expected 'Origin' exactly once, got tokens "
            r"\['accept-encoding', 'origin', 'origin'\]$",
            cases=("vary/route-vary-origin-not-doubled",),
        ),
    ]
