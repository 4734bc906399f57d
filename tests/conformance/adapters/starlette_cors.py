"""Adapter for Starlette's ``CORSMiddleware`` (what FastAPI uses): the spec against it.

How a case becomes a Starlette app
----------------------------------
Each case gets ``Starlette(routes=[...], middleware=[Middleware(CORSMiddleware, ...)])``,
the way Starlette's and FastAPI's docs add the middleware, so the stack is the real one:
``ServerErrorMiddleware`` outermost, then ``CORSMiddleware``, then ``ExceptionMiddleware``
and the router. The request goes through ``starlette.testclient.TestClient`` with
``raise_server_exceptions=False`` (an unhandled exception becomes the 500 that
``ServerErrorMiddleware`` sends). httpx2 and the test client pass header values with
CR, LF or NUL through unchanged, so those cases are played (a real server such as uvicorn
would refuse the request before the app sees it). The ``starlette`` logger tree is
captured at DEBUG (the middleware writes no log records).

Flask-CORS options (neutral form) and the middleware's keywords:

- ``origins``: ``"*"`` (also the default) -> ``allow_origins=["*"]``; exact origins ->
  ``allow_origins``; regexes, as written -> ``allow_origin_regex`` (one pattern, matched
  with ``fullmatch``; several are joined as ``(?:a)|(?:b)``).
- ``methods`` -> ``allow_methods`` (default: Flask-CORS's list, HEAD and OPTIONS
  included); ``"*"`` -> ``allow_methods=["*"]``.
- ``allow_headers``: ``"*"`` (also the default) -> ``allow_headers=["*"]``; exact names ->
  ``allow_headers``.
- ``expose_headers`` -> ``expose_headers``; ``supports_credentials`` ->
  ``allow_credentials``; ``allow_private_network`` -> ``allow_private_network``.
- ``max_age`` -> ``max_age``. Flask-CORS's default (no header) has no equivalent: the
  middleware always sends ``Access-Control-Max-Age`` on preflights (default 600), which
  stays.
- ``send_wildcard=True`` with ``origins="*"`` and no credentials is what
  ``allow_origins=["*"]`` does; with a list of origins it changes nothing in Flask-CORS
  either. ``always_send=False`` is what the middleware does (nothing is sent without an
  Origin). ``automatic_options`` concerns only Flask-CORS's decorator: ignored.
- No CORS at all (``cors: None``): the app without the middleware.

Routes are ``Route`` objects: a literal path, ``{name}`` segments (Starlette's default
``str`` convertor, one path segment, like Flask's) or ``"*"`` -> ``/{path:path}``, which
also matches ``/`` (but not a path with a decoded newline: the convertor's ``.*`` stops
there, so the router answers 404; no case has one on a ``"*"`` route).
``Route`` answers HEAD for GET; OPTIONS, unless the route lists it, is
answered by the endpoint with 200, an empty body and ``Allow``, as Flask does. ``abort: N``
raises ``HTTPException(status_code=N)`` (Starlette's idiomatic HTTP error, turned into a
response by ``ExceptionMiddleware``); ``raise: true`` raises ``RuntimeError``.

Skipped (besides what ``neutral_case`` skips: Flask-only features and setup errors):

- ``resources`` (``paths`` in the neutral form): the middleware wraps the whole app and
  applies to every path; it has no path patterns.
- ``allow_headers`` with a regex: ``allow_headers`` is a list of literal names (or ``*``),
  compared lower-cased; there is no pattern matching of requested headers.
- ``send_wildcard=False`` set with ``origins="*"`` and no credentials: with
  ``allow_origins=["*"]`` the middleware always answers ``*`` then; no keyword echoes
  the Origin of every origin.
- ``send_wildcard=True`` with ``origins="*"`` and credentials: with ``allow_credentials``
  the middleware always echoes the Origin; no keyword makes it answer ``*``.
- ``always_send=True`` set explicitly: the middleware never sends
  ``Access-Control-Allow-Origin`` to a request without an Origin.
- ``vary_header=False``: the middleware always adds ``Vary: Origin``; no keyword turns it off.
- ``intercept_exceptions=False``: the middleware adds its headers to every response that
  passes through it, the ``HTTPException`` responses (404, 405, ``abort``) included; nothing
  tells it a response came from an exception.
- ``max_age=None`` set explicitly: the middleware always sends ``Access-Control-Max-Age``.
- In the neutral core (spec/core), cases whose policy the middleware cannot express in a
  way the case's requests show: a route answering OPTIONS itself (the middleware answers
  every preflight before the app runs; spec/core/README.md, ``routes``); ``methods: "*"``
  for a preflight asking for a method outside ``ALL_METHODS`` (``allow_methods=["*"]``
  is that fixed list); a preflight asking for Accept, Accept-Language, Content-Language or
  Content-Type when the policy's ``allow_headers`` does not list it (the middleware always
  allows those four names, whatever their values).
  In the neutral core (spec/core), every policy states ``max_age``, mostly ``null``; the
  middleware's 600 then changes only how long a browser caches a granted preflight, which
  the core observes only in its ``preflight-cache`` cases (the fetch repeated): those are
  skipped, and the others keep the default.
"""

from __future__ import annotations

import importlib.metadata
import re
import time
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import ALL_METHODS, SAFELISTED_HEADERS, CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient  # with httpx2, which Starlette 1.x prefers

from adapters import (
    BACKTRACKING_CASES,
    NULL_BY_PATTERN_CASES,
    NULL_GRANTED,
    SLOW_ANSWER,
    Difference,
    LogCapture,
    SkipCase,
    core_route_answering_options,
    is_core,
)
from adapters.neutral import neutral_case
from cors_spec import Case, Observed, sent_request

#: Flask-CORS's default ``methods``, which the case means when it sets none.
FLASK_CORS_METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]

Endpoint = Callable[[Request], Awaitable[Response]]


class StarletteAdapter:
    """Plays each case against Starlette's ``CORSMiddleware``: a fresh ``Starlette`` app
    per case, the request sent with Starlette's ``TestClient``."""

    name = "starlette"

    def __init__(self) -> None:
        self.version = importlib.metadata.version("starlette")
        self.differences: List[Difference] = differences(self.version)

    def run(self, case: Case) -> Observed:
        """Build the case's app, send its request, capture the response and the logs."""
        neutral = neutral_case(case)
        cors = neutral["cors"]
        if is_core(case):
            core_skips(case, cors)
        middleware: List[Middleware] = []
        if cors is not None:
            if neutral["paths"] is not None:
                raise SkipCase(
                    "resources (path patterns): CORSMiddleware wraps the whole app and "
                    "applies to every path; it has no per-path configuration"
                )
            options = middleware_options(cors, core_topic(case))
            middleware.append(Middleware(CORSMiddleware, **options))
        routes = [_route(route) for route in neutral["routes"]]
        try:
            app = Starlette(routes=routes, middleware=middleware)
            # Build the stack now, as a server does at startup: CORSMiddleware checks
            # (compiles) its options when it is built, not in Starlette().
            app.middleware_stack = app.build_middleware_stack()
        except (TypeError, ValueError, re.error) as error:
            return Observed(setup_error=error)
        return _send(app, neutral["request"])


def core_skips(case: Case, cors: Optional[Mapping[str, Any]]) -> None:
    """SkipCase for a core case whose policy the middleware cannot express in a way this
    case's request would show."""
    path = core_route_answering_options(case)
    if path is not None:
        raise SkipCase(
            f"a route answering OPTIONS itself ({path}): CORSMiddleware answers every "
            "preflight (OPTIONS with Origin and Access-Control-Request-Method) before the "
            "app runs, so the route never sees one"
        )
    if cors is None:
        return
    sent = case.request.get("headers") or {}
    headers = {name.lower(): value for name, value in sent.items()}
    if case.request["method"] != "OPTIONS" or "access-control-request-method" not in headers:
        return
    requested = headers["access-control-request-method"]
    if cors.get("methods") == "*" and requested not in ALL_METHODS:
        raise SkipCase(
            f"methods '*' (any method) for {requested}: allow_methods=['*'] stands for "
            f"Starlette's fixed list ({', '.join(ALL_METHODS)}), and no keyword allows "
            "any other method"
        )
    allowed = cors.get("allow_headers")
    if allowed == "*" or allowed is None:
        return
    listed = {entry.get("exact", "").lower() for entry in allowed}
    names = {
        n.strip().lower() for n in headers.get("access-control-request-headers", "").split(",")
    }
    always = sorted(n for n in SAFELISTED_HEADERS if n.lower() in names - listed)
    if always:
        raise SkipCase(
            f"allow_headers without {', '.join(always)}: CORSMiddleware always allows "
            f"{', '.join(sorted(SAFELISTED_HEADERS))} whatever their values (even values "
            "Fetch does not safelist, so the browser preflights them), and no keyword "
            "leaves them out"
        )


def core_topic(case: Case) -> Optional[str]:
    """The topic of a case of the neutral core (core_spec.as_case tags it ``("core",
    topic)``), or None for a case of the Flask-CORS API profile."""
    return case.tags[1] if case.tags[:1] == ("core",) and len(case.tags) > 1 else None


def middleware_options(cors: Mapping[str, Any], core: Optional[str] = None) -> Dict[str, Any]:
    """The ``CORSMiddleware`` keywords a Starlette user writes for these options; ``core``
    is the topic of a case of the neutral core (None for the profile's cases)."""
    credentials = bool(cors.get("supports_credentials", False))
    found: Dict[str, Any] = {"allow_credentials": credentials}

    origins = cors.get("origins", "*")
    if origins == "*":
        if cors.get("send_wildcard") is False and not credentials:
            raise SkipCase(
                "send_wildcard=False with origins='*': with allow_origins=['*'] and no "
                "credentials CORSMiddleware always answers '*'; no keyword echoes the Origin "
                "of every origin"
            )
        if cors.get("send_wildcard") is True and credentials:
            raise SkipCase(
                "send_wildcard=True with origins='*' and credentials: with allow_credentials "
                "CORSMiddleware always echoes the Origin; no keyword makes it answer '*'"
            )
        found["allow_origins"] = ["*"]
    else:
        exact = [entry["exact"] for entry in origins if "exact" in entry]
        regexes = [entry["regex"] for entry in origins if "regex" in entry]
        found["allow_origins"] = exact
        if len(regexes) == 1:
            found["allow_origin_regex"] = regexes[0]
        elif regexes:
            found["allow_origin_regex"] = "|".join(f"(?:{regex})" for regex in regexes)

    if cors.get("always_send") is True:
        raise SkipCase(
            "always_send=True: CORSMiddleware never sends Access-Control-Allow-Origin to a "
            "request without an Origin; no keyword asks for it"
        )
    if cors.get("vary_header") is False:
        raise SkipCase(
            "vary_header=False: CORSMiddleware always adds 'Vary: Origin' (to simple "
            "responses and, with the Access-Control-Request-* names, to preflights); no "
            "keyword turns it off"
        )
    if cors.get("intercept_exceptions") is False:
        raise SkipCase(
            "intercept_exceptions=False: CORSMiddleware adds its headers to every response "
            "passing through it, HTTPException responses (404, 405, abort) included; nothing "
            "tells it a response came from an exception"
        )

    methods = cors.get("methods", FLASK_CORS_METHODS)
    found["allow_methods"] = ["*"] if methods == "*" else list(methods)

    allow_headers = cors.get("allow_headers", "*")
    if allow_headers == "*":
        found["allow_headers"] = ["*"]
    elif any("regex" in entry for entry in allow_headers):
        raise SkipCase(
            "allow_headers with a regex: CORSMiddleware's allow_headers is a list of literal "
            "header names (or '*'); requested headers are not matched against patterns"
        )
    else:
        found["allow_headers"] = [entry["exact"] for entry in allow_headers]

    if "expose_headers" in cors:
        found["expose_headers"] = list(cors["expose_headers"])
    if "max_age" in cors:
        if cors["max_age"] is not None:
            found["max_age"] = cors["max_age"]
        elif core is None or core == "preflight-cache":
            raise SkipCase(
                "max_age=None: CORSMiddleware always sends Access-Control-Max-Age on "
                "preflights (an int, default 600); no keyword leaves it out"
            )
        # Else a core case whose policy says nothing of max-age: it keeps the default
        # (600), which only a repeated fetch (the preflight-cache topic) could observe.
    found["allow_private_network"] = bool(cors.get("allow_private_network", False))
    return found


def _route(route: Mapping[str, Any]) -> Route:
    """A ``Route`` answering the route's methods, HEAD for GET and OPTIONS as Flask does."""
    methods = [method.upper() for method in route["methods"]]
    path = "/{path:path}" if route["path"] == "*" else route["path"]
    allowed = set(methods) | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
    automatic_options = "OPTIONS" not in methods
    return Route(
        path,
        _endpoint(route["view"], automatic_options, ", ".join(sorted(allowed))),
        methods=sorted(allowed),
    )


def _endpoint(behaviour: Mapping[str, Any], automatic_options: bool, allow: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if automatic_options and request.method == "OPTIONS":
            return Response(b"", status_code=200, headers={"Allow": allow})
        if "abort" in behaviour:
            raise HTTPException(status_code=behaviour["abort"])
        if behaviour.get("raise"):
            raise RuntimeError("spec case view failure")
        return PlainTextResponse(
            behaviour.get("body", "ok"),
            status_code=behaviour.get("status", 200),
            headers=behaviour.get("headers", {}),
        )

    return endpoint


def _send(app: Starlette, request: Mapping[str, Any]) -> Observed:
    records = LogCapture("starlette")
    try:
        with records, TestClient(app, raise_server_exceptions=False) as client:
            started = time.perf_counter()
            response = client.request(
                request["method"],
                request["path"],
                headers=sent_request(request)["header_lines"],
                # The test client follows redirects by default; the answer to this one
                # request is what the case judges (a browser follows a redirect itself).
                follow_redirects=False,
            )
            elapsed_ms = (time.perf_counter() - started) * 1000
    except Exception as error:  # a crash is an outcome to report, not a runner error
        return Observed(request_error=error, logs=records.messages)
    return Observed(
        status=response.status_code,
        headers=list(response.headers.multi_items()),
        body=response.content,
        logs=records.messages,
        elapsed_ms=elapsed_ms,
    )


def differences(version: str) -> List[Difference]:
    """The behaviours of CORSMiddleware that make spec cases fail, each checked by hand
    against the installed source and Starlette's documentation."""
    cors = f"starlette {version}: starlette/middleware/cors.py"
    docs = "https://www.starlette.io/middleware/#corsmiddleware"
    refused_preflights = (
        "allow-headers/list-filters",
        "attacks/allow-list-credentials-preflight-rejects-attacker",
        "attacks/regex-prefix-attack-preflight",
        "attacks/vary-on-preflight-rejection",
        "attacks/crlf-in-request-method-not-granted",
        "attacks/method-substring-not-granted",
        "max-age/not-for-refused-method",
        "methods/not-in-list-refused",
        "methods/substring-*-refused",
        "methods/list-fragment-refused",
        "methods/star-*",
        "preflight/method-not-allowed",
        "preflight/rejected-origin",
        "private-network/off-by-default-answers-false",
        "private-network/rejected-origin",
        "vary/rejected-preflight",
    )
    core_refused_preflights = (
        "credentials/allow-list-preflight-grants-nothing-to-others",
        "preflight/refused-origin-gets-no-grant",
        "preflight/prefixed-origin-gets-no-grant",
        "reflection/refused-preflight-gets-nothing",
    )
    return [
        Difference(
            id="allow-all-answers-star",
            kind="documented",
            summary=(
                "With allow_origins=['*'] and without credentials the middleware answers every "
                "Origin with 'Access-Control-Allow-Origin: *' (simple responses and preflights); "
                "no keyword echoes the Origin, which Flask-CORS does by default "
                "(send_wildcard=False). Fetch accepts '*' for requests without credentials."
            ),
            source=f"{cors}, CORSMiddleware.__init__ (simple_headers, preflight_headers); {docs}",
            problem=r"^Access-Control-Allow-Origin: '\*', expected '[^*'][^']*'$",
            cases=(
                "allow-headers/*",
                "always-send/*",
                "config-errors/*",
                "exceptions/*",
                "expose-headers/*",
                "max-age/*",
                "methods/*",
                "origins/*",
                "precedence/*",
                "preflight/*",
                "private-network/*",
                "resources/*",
                "vary/*",
                "wildcard/*",
                "attacks/crlf-in-request-headers-dropped",
                "attacks/crlf-in-path-not-logged-raw",
            ),
        ),
        Difference(
            id="allow-all-star-for-any-origin-value",
            kind="documented",
            summary=(
                "With allow_origins=['*'] and without credentials the answer is the constant "
                "'*' whatever the Origin holds, also values no browser sends (a comma list, "
                "CR LF, NUL, 1,000+ characters). Nothing is reflected, but the spec wants no "
                "Access-Control-Allow-Origin at all for an Origin that is not one origin."
            ),
            source=f"{cors}, CORSMiddleware.send (headers.update(self.simple_headers))",
            problem=r"^Access-Control-Allow-Origin: expected absent, got \['\*'\]$",
            cases=(
                "attacks/origin-list-not-echoed",
                "attacks/crlf-in-origin-not-reflected",
                "attacks/nul-in-origin-not-reflected",
                "wildcard/folded-origin-not-reflected",
                "wildcard/overlong-origin-not-reflected",
            ),
        ),
        Difference(
            id="view-acao-overwritten",
            kind="documented",
            summary=(
                "On a response to a request with an Origin the middleware assigns its own "
                "headers over the view's (headers.update(simple_headers)), so a view's own "
                "Access-Control-Allow-Origin becomes '*' under allow_origins=['*']; Flask-CORS "
                "leaves a response that already carries one alone. Still a single header."
            ),
            source=f"{cors}, CORSMiddleware.send",
            problem=r"^Access-Control-Allow-Origin: '\*', expected 'https://(a|own)\.example'$",
            cases=(
                "attacks/view-acao-not-doubled",
                "decorator/view-own-acao-left-alone-by-extension",
            ),
        ),
        Difference(
            id="nothing-without-origin",
            kind="documented",
            summary=(
                "A request without an Origin header gets no Access-Control-* header (only "
                "'Vary: Origin'); Flask-CORS's always_send default answers it with '*' or a "
                "configured literal origin. Browsers send Origin on every CORS request, so "
                "this is legal."
            ),
            source=f"{cors}, CORSMiddleware.send ('if origin is not None')",
            problem=r"^Access-Control-Allow-(Origin|Credentials): expected exactly one header "
            r"'[^']*', got \[\]$",
            cases=(
                "always-send/no-origin-*",
                "always-send/two-literals-one-value",
                "always-send/vary-on-*-without-origin",
                "exceptions/404-no-origin-always-send",
                "send-wildcard/no-origin-*",
                "vary/no-origin-request",
            ),
        ),
        Difference(
            id="simple-headers-for-rejected-origin",
            kind="documented",
            summary=(
                "On a non-preflight request with any Origin the middleware adds its constant "
                "headers, Access-Control-Allow-Credentials: true and "
                "Access-Control-Expose-Headers, before checking the Origin: a rejected Origin "
                "gets them without Access-Control-Allow-Origin. Flask-CORS sends nothing. "
                "Legal: without ACAO the browser's CORS check fails and they grant nothing."
            ),
            source=f"{cors}, CORSMiddleware.send (headers.update(self.simple_headers))",
            problem=r"^Access-Control-(Allow-Credentials: expected absent, got \['true'\]"
            r"|Expose-Headers: expected absent, got \['[^']*'\])$",
            cases=(
                "attacks/allow-list-credentials-rejects-attacker",
                "attacks/null-rejected-by-literal-list",
                "attacks/regex-prefix-attack",
                "attacks/literal-prefix-attack",
                "attacks/literal-suffix-attack",
                "attacks/trailing-lf-after-listed-origin-not-echoed",
                "attacks/origin-with-path-not-echoed",
                "credentials/rejected-origin-gets-nothing",
                "exceptions/abort-rejected-origin-gets-nothing",
                "expose-headers/rejected-origin",
                "cors-check/near-miss-origin-gets-no-acao",
                "credentials/allow-list-grants-nothing-to-others",
                "reflection/nul-origin-refused-by-list",
                "reflection/null-refused-by-pattern",
                "reflection/null-refused-by-list",
                "reflection/pattern-prefix-refused",
                "reflection/pattern-suffix-refused",
                "reflection/listed-origin-prefix-refused",
                "reflection/listed-origin-dot-is-literal",
                "reflection/refused-origin-gets-nothing",
            ),
        ),
        Difference(
            id="refused-preflight-400",
            kind="documented",
            summary=(
                "A preflight refused for its Origin, method, headers or private network access "
                "is answered 400 'Disallowed CORS <what>' ('either a 200 or 400 response for "
                "informational purposes', say the docs); Flask-CORS answers 200 and leaves the "
                "grant out. The browser fails the preflight either way."
            ),
            source=f"{cors}, CORSMiddleware.preflight_response; {docs}",
            problem=r"^status 400, expected 200$",
            cases=refused_preflights,
        ),
        Difference(
            id="refused-preflight-keeps-grants",
            kind="documented",
            summary=(
                "A refused preflight still carries the constant preflight headers: "
                "Access-Control-Allow-Methods (the whole list), -Max-Age, -Allow-Credentials, "
                "-Allow-Headers (the list, or the requested names under '*') and "
                "-Allow-Private-Network when allowed; only the Origin check decides ACAO. "
                "Flask-CORS sends none of them. Legal: the 400 status (and a missing ACAO or "
                "method) fails the preflight; nothing the request sent is granted."
            ),
            source=f"{cors}, CORSMiddleware.preflight_response (headers = "
            "dict(self.preflight_headers))",
            problem=r"^Access-Control-(Allow-Methods|Allow-Headers|Max-Age|Allow-Credentials"
            r"|Allow-Private-Network): expected absent, got \['[^']*'\]$",
            cases=refused_preflights + core_refused_preflights,
        ),
        Difference(
            id="preflight-answered-by-middleware",
            kind="documented",
            summary=(
                "The middleware answers every preflight itself (PlainTextResponse 'OK', 200) "
                "before the app runs: the body is 'OK', not empty, and a view that handles "
                "OPTIONS never sees a preflight, so its status (204) and Allow header are not "
                "in the answer. Flask-CORS adds its headers to the app's own OPTIONS response."
            ),
            source=f"{cors}, CORSMiddleware.__call__ and preflight_response; {docs} "
            "('the middleware will intercept the incoming request')",
            problem=r"^(status 200, expected 204|Allow: expected exactly one header "
            r"'GET, OPTIONS', got \[\]|body 'OK', expected '')$",
            cases=("preflight/view-options-kept", "preflight/empty-body"),
        ),
        Difference(
            id="max-age-always-sent",
            kind="documented",
            summary=(
                "Access-Control-Max-Age is on every preflight answer; max_age defaults to 600 "
                "and cannot be switched off. Flask-CORS's default max_age=None sends none."
            ),
            source=f"{cors}, CORSMiddleware.__init__ (max_age: int = 600); {docs}",
            problem=r"^Access-Control-Max-Age: expected absent, got \['600'\]$",
            cases=("max-age/absent-by-default", "preflight/default-answered"),
        ),
        Difference(
            id="allow-headers-whole-list",
            kind="documented",
            summary=(
                "With a list of allow_headers the preflight answer's Access-Control-Allow-Headers "
                "is always the whole list plus the four safelisted names (Accept, "
                "Accept-Language, Content-Language, Content-Type), sorted; a preflight asking "
                "for any other name is refused (400). Flask-CORS echoes only the requested "
                "names it allows. Legal: the browser checks each name it asked for."
            ),
            source=f"{cors}, CORSMiddleware.__init__ (SAFELISTED_HEADERS | set(allow_headers)) "
            f"and preflight_response; {docs}",
            problem=r"^Access-Control-Allow-Headers: 'Accept, Accept-Language, Content-Language, "
            r"Content-Type(, [^']+)?', expected the tokens of '[^']*'$",
            cases=("allow-headers/*",),
        ),
        Difference(
            id="allow-headers-star-echoes-raw-value",
            kind="protocol",
            summary=(
                "RFC 9110 5.6.1 and 5.5: Access-Control-Allow-Headers is a list of field names "
                "(tokens), without empty elements, and a field value holds no CR or LF. With "
                "allow_headers=['*'] the middleware copies the Access-Control-Request-Headers "
                "value verbatim: ', ,', 'x bad,x(bad)' and CR LF sequences are echoed (the test "
                "client delivers them; uvicorn's HTTP parser would refuse a request with CR LF)."
            ),
            source=f"{cors}, CORSMiddleware.preflight_response "
            "(headers['Access-Control-Allow-Headers'] = requested_headers)",
            problem=r"^Access-Control-Allow-Headers: ('[^']*', expected the tokens of '[^']*'"
            r"|expected absent, got \['[, ]*'\]"
            r"|\['[^']*\\r\\n[^']*'\], expected absent or one of \['\*'\])$",
            cases=(
                "allow-headers/only-empty-names",
                "allow-headers/non-token-name-dropped",
                "allow-headers/crlf-not-reflected",
                "attacks/crlf-in-request-headers-dropped",
                "reflection/crlf-in-requested-headers-not-reflected",
            ),
        ),
        Difference(
            id="allow-methods-star-fixed-list",
            kind="documented",
            summary=(
                "allow_methods=['*'] ('all standard methods', say the docs) becomes the fixed "
                "list DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT, QUERY, sent whole; any other "
                "requested method (PURGE) is refused. Flask-CORS's methods='*' echoes the "
                "requested method."
            ),
            source=f"{cors}, ALL_METHODS and CORSMiddleware.__init__; {docs}",
            problem=r"^Access-Control-Allow-Methods: 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, "
            r"PUT, QUERY', expected the tokens of '[^']*'$",
            cases=("methods/star-*",),
        ),
        Difference(
            id="vary-origin-with-star",
            kind="documented",
            summary=(
                "Responses answered '*' also get 'Vary: Origin', and every preflight answer "
                "gets the constant 'Vary: Origin, Access-Control-Request-Method, "
                "Access-Control-Request-Headers, Access-Control-Request-Private-Network'; "
                "Flask-CORS leaves Vary alone when every request gets the same '*'. Legal: the "
                "extra Vary only makes shared caches keep one copy per Origin."
            ),
            source=f"{cors}, CORSMiddleware.__init__ (preflight_headers) and send",
            problem=r"^Vary: expected no 'Origin', got tokens \['origin'",
            cases=("send-wildcard/*", "vary/send-wildcard-no-vary"),
        ),
        Difference(
            id="vary-appended-not-merged",
            kind="documented",
            summary=(
                "The middleware appends ', Origin' to the view's Vary without reading it: "
                "'Accept-Encoding, origin' becomes 'Accept-Encoding, origin, Origin' (the token "
                "twice) and 'Vary: *' becomes '*, Origin'. Legal (a Vary list may repeat a "
                "name, '*' still means everything), but not the merge README difference 2 asks for."
            ),
            source=f"{cors}, CORSMiddleware.send and allow_explicit_origin "
            "(', '.join([*headers.getlist('Vary'), 'Origin']))",
            problem=r"^Vary: ('\*, Origin', expected the tokens of '\*'"
            r"|expected no 'Origin', got tokens \['\*', 'origin'\]"
            r"|expected 'Origin' exactly once, got tokens \['accept-encoding', 'origin', "
            r"'origin'\])$",
            cases=(
                "vary/star-left-alone",
                "vary/not-duplicated",
                "vary/route-vary-origin-not-doubled",
            ),
        ),
        Difference(
            id="literal-origin-case-sensitive",
            kind="documented",
            summary=(
                "allow_origins entries are compared with the Origin byte for byte "
                "('origin in self.allow_origins'); Flask-CORS compares literal origins "
                "case-insensitively. Browsers send lower-case schemes and hosts, so a "
                "mixed-case entry (https://App.Example.com) never matches."
            ),
            source=f"{cors}, CORSMiddleware.is_allowed_origin",
            problem=r"^Access-Control-Allow-Origin: expected exactly one header '[^']*', got \[\]$",
            cases=(
                "origins/literal-case-insensitive-echoes-request",
                "origins/literal-upper-case-origin-echoed-verbatim",
            ),
        ),
        Difference(
            id="origin-list-echoed-by-regex",
            kind="protocol",
            summary=(
                "Fetch: Access-Control-Allow-Origin is '*' or one serialized origin. The "
                "middleware echoes the Origin verbatim once allow_origin_regex fullmatches it, "
                "and 'https://.*\\.example' (the docs' pattern style) matches the folded value "
                "'https://a.example, https://b.example', which is echoed as a list, with "
                "Allow-Credentials: true."
            ),
            source=f"{cors}, CORSMiddleware.is_allowed_origin and allow_explicit_origin",
            problem=r"^Access-Control-Allow-(Origin: expected absent, got \['https://a\.example, "
            r"https://b\.example'\]|Credentials: expected absent, got \['true'\])$",
            cases=("attacks/origin-list-not-echoed-by-regex",),
        ),
        Difference(
            id="newline-origin-echoed",
            kind="protocol",
            summary=(
                "RFC 9110 5.5: a field value holds no CR or LF. With allow_origins=['*'] and "
                "credentials the middleware echoes any Origin unchecked, so an Origin "
                "containing LF is copied into Access-Control-Allow-Origin (header injection "
                "if the server wrote it out; the test client delivers it, uvicorn's parser "
                "would refuse such a request)."
            ),
            source=f"{cors}, CORSMiddleware.send and allow_explicit_origin",
            problem=r"^Access-Control-Allow-(Origin: expected absent, got "
            r"\['https://a(pp)?\.example\\nX-Injected: 1'\]|Credentials: expected absent, "
            r"got \['true'\])$",
            cases=(
                "attacks/lf-in-origin-with-credentials",
                "reflection/lf-origin-with-credentials-not-reflected",
            ),
        ),
        Difference(
            id="any-origin-with-credentials-echoes-any-value",
            kind="protocol",
            summary=(
                "Fetch, HTTP new-header syntax: Access-Control-Allow-Origin is one origin, "
                "'null' or '*'; RFC 9110, 5.5: a field value holds no NUL. With "
                "allow_origins=['*'] and credentials the middleware echoes the Origin "
                "unchecked, so two origins separated by a space, or an origin followed by "
                "NUL and more, come back in Access-Control-Allow-Origin, with "
                "Access-Control-Allow-Credentials: true."
            ),
            source=f"{cors}, CORSMiddleware.send and allow_explicit_origin",
            problem=r"^Access-Control-Allow-Origin: expected absent, got "
            r"\['https://app\.example( |\\x00)",
            cases=(
                "reflection/space-separated-origins-not-reflected",
                "reflection/nul-origin-not-reflected",
            ),
        ),
        Difference(
            id="no-cors-on-unhandled-500",
            kind="documented",
            summary=(
                "An unhandled exception passes through CORSMiddleware and becomes a 500 in "
                "ServerErrorMiddleware, which Starlette always puts outermost, so that 500 "
                "carries no CORS headers and the browser reports a network error. Flask-CORS's "
                "intercept_exceptions adds them."
            ),
            source=f"starlette {version}: starlette/applications.py, "
            "Starlette.build_middleware_stack; https://www.starlette.io/middleware/",
            problem=r"^Access-Control-Allow-Origin: expected exactly one header "
            r"'https://a\.example', got \[\]$",
            cases=("exceptions/unhandled-500-gets-headers",),
        ),
        Difference(
            id="private-network-refused-400",
            kind="documented",
            summary=(
                "With allow_private_network off, a preflight carrying "
                "Access-Control-Request-Private-Network is refused (400, no "
                "Access-Control-Allow-Private-Network); Flask-CORS answers 200 with "
                "'Access-Control-Allow-Private-Network: false'. The browser denies access "
                "either way."
            ),
            source=f"{cors}, CORSMiddleware.preflight_response",
            problem=r"^Access-Control-Allow-Private-Network: expected exactly one header "
            r"'false', got \[\]$",
            cases=("private-network/off-by-default-answers-false",),
        ),
        Difference(
            id="private-network-any-request-value",
            kind="documented",
            summary=(
                "With allow_private_network on, the middleware grants private network access "
                "('Access-Control-Allow-Private-Network: true') whenever the request header is "
                "present, whatever its value ('false' included); the spec answers only "
                "'true'. Browsers only ever send 'true'."
            ),
            source=f"{cors}, CORSMiddleware.preflight_response "
            "('if requested_private_network is not None')",
            problem=r"^Access-Control-Allow-Private-Network: expected absent, got \['true'\]$",
            cases=("private-network/request-value-false",),
        ),
        Difference(
            id="requested-headers-mirrored-unbounded",
            kind="documented",
            summary=(
                "With allow_headers=['*'] a preflight's Access-Control-Request-Headers is "
                "copied into Access-Control-Allow-Headers whatever its number of names or "
                "length; this project allows none past 100 names or 8,192 characters."
            ),
            source=f"{cors}, CORSMiddleware.preflight_response (allow_all_headers)",
            problem=r"^Access-Control-Allow-Headers: expected absent, got \['x-",
            cases=(
                "attacks/request-headers-over-100-names-refused",
                "attacks/request-headers-over-8192-characters-refused",
            ),
        ),
        Difference(
            id="origin-regex-backtracks",
            kind="documented",
            summary=(
                "allow_origin_regex is compiled with Python's re and matched with fullmatch, "
                "a backtracking engine: an Origin shaped for a pattern with nested repetition "
                "or four '.*' takes seconds (the spec allows 250 ms)."
            ),
            source=f"{cors}, CORSMiddleware.__init__ (re.compile) and is_allowed_origin",
            problem=SLOW_ANSWER,
            cases=BACKTRACKING_CASES,
        ),
        Difference(
            id="origin-regex-allows-null",
            kind="documented",
            summary=(
                "allow_origin_regex is matched against any Origin value, 'null' included, so "
                "a pattern matching everything ('.*', '^.*$') allows Origin: null, which any "
                "page can send; this project lets only a literal 'null' or '*' allow it."
            ),
            source=f"{cors}, CORSMiddleware.is_allowed_origin",
            problem=NULL_GRANTED,
            cases=NULL_BY_PATTERN_CASES,
        ),
        Difference(
            id="star-beside-view-credentials",
            kind="documented",
            summary=(
                "The middleware updates every response to a request with an Origin with its "
                "simple headers, so 'Access-Control-Allow-Origin: *' is added beside an "
                "Access-Control-Allow-Credentials: true the view set itself, a pair browsers "
                "refuse; this project adds nothing beside an ACAC 'true' it did not set."
            ),
            source=f"{cors}, CORSMiddleware.send (headers.update(self.simple_headers))",
            problem=r"^Access-Control-Allow-Origin: expected absent, got \['\*'\]$",
            cases=("attacks/star-not-sent-beside-the-apps-credentials",),
        ),
    ]
