"""Adapter for django-cors-headers: the spec against ``corsheaders`` in a minimal Django project.

How a case becomes a Django project
-----------------------------------
Django is configured once (DEBUG off, ``INSTALLED_APPS = ["corsheaders"]``, the middleware
``CorsMiddleware`` first and Django's ``CommonMiddleware`` after it, as the
django-cors-headers README says, no database). Each case then gets its ``CORS_*``
settings and a URLconf module of its own through ``override_settings``;
django-cors-headers reads its settings on every request (``corsheaders.conf.Settings`` is
a set of properties over ``django.conf.settings``). The settings are checked with the
system checks django-cors-headers registers (tag ``security``): a configuration they
refuse is reported as a setup error, as ``manage.py runserver`` would refuse to start.
The request goes through ``django.test.Client`` (headers as ``HTTP_*`` environ entries,
so any bytes reach the app, as a lenient WSGI server could pass them on).

Flask-CORS options (neutral form) and their settings:

- ``origins``: ``"*"`` (also the default) -> ``CORS_ALLOW_ALL_ORIGINS = True``; exact
  origins -> ``CORS_ALLOWED_ORIGINS``; regexes, as written -> ``CORS_ALLOWED_ORIGIN_REGEXES``.
- ``methods`` -> ``CORS_ALLOW_METHODS`` (default: Flask-CORS's list, HEAD included).
- ``allow_headers``: exact names -> ``CORS_ALLOW_HEADERS``; the default ``"*"`` cannot be
  said, so the library's default list stays.
- ``expose_headers`` -> ``CORS_EXPOSE_HEADERS``; ``supports_credentials`` ->
  ``CORS_ALLOW_CREDENTIALS``; ``allow_private_network`` -> ``CORS_ALLOW_PRIVATE_NETWORK``.
- ``max_age`` -> ``CORS_PREFLIGHT_MAX_AGE``; "no header" (Flask-CORS's default) is ``0``,
  which the library documents as "no max age header".
- ``paths`` (Flask-CORS's ``resources``) -> ``CORS_URLS_REGEX``, matched with ``re.match``
  on the path, as Flask-CORS matches: a regex as written, an exact path as
  ``^<escaped path>$``, several patterns as alternatives.
- No CORS at all (``cors: None``): the project without ``CorsMiddleware``.

Views are class-based ``View`` subclasses with one handler per route method: Django then
answers HEAD for GET, and OPTIONS (when the route does not list it) with 200, an empty
body and ``Allow``, as Flask does.
``abort: N`` uses Django's idiomatic error for N: ``Http404`` (404), ``PermissionDenied``
(403), ``BadRequest`` (400); Django has no exception for any other status, so a view
returns ``HttpResponse(status=N)`` then. ``raise: true`` raises ``RuntimeError``, which
Django's handler turns into its 500 page (DEBUG is off).

Logs: the ``corsheaders`` logger is captured (the library writes none).

Skipped (besides what ``neutral_case`` skips: Flask-only features and setup errors):

- ``allow_headers`` with a regex: ``CORS_ALLOW_HEADERS`` is a list of literal names,
  sent as they are; there is no pattern matching of requested headers.
- ``allow_headers="*"`` set explicitly: no documented wildcard; the setting is sent
  verbatim as ``Access-Control-Allow-Headers``, whatever the request asked for.
- ``methods="*"``: no documented wildcard; ``CORS_ALLOW_METHODS`` is sent verbatim.
- ``send_wildcard=False`` set with ``origins="*"`` and no credentials: with
  ``CORS_ALLOW_ALL_ORIGINS`` the library always answers ``*`` then; it cannot echo the
  Origin of any origin.
- ``always_send=True`` set explicitly: the library never answers a request without an
  Origin with ``Access-Control-Allow-Origin``.
- ``vary_header=False``: the library always adds ``Vary: origin`` on the paths it covers.
- ``intercept_exceptions=False``: the middleware sees every response, error pages
  included; nothing tells it a response came from an exception.
- In the neutral core (spec/core): a route answering OPTIONS itself (the middleware
  answers every preflight before the view; spec/core/README.md, ``routes``), and
  ``max_age: 0`` (``CORS_PREFLIGHT_MAX_AGE = 0`` sends no header at all).
"""

from __future__ import annotations

import importlib.metadata
import itertools
import re
import time
import types
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="spec-django-cors-headers",
        ALLOWED_HOSTS=["*"],
        INSTALLED_APPS=["corsheaders"],
        MIDDLEWARE=[
            "corsheaders.middleware.CorsMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        ROOT_URLCONF=types.ModuleType("spec_django_empty_urls"),
        DATABASES={},
        USE_TZ=True,
    )
    django.setup()

from django.core import checks
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.management.base import SystemCheckError
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import clear_url_caches, path, re_path
from django.views import View
from django.views.decorators.csrf import csrf_exempt

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
CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"
_counter = itertools.count()


class DjangoCorsHeadersAdapter:
    """Plays each case against django-cors-headers: per-case ``CORS_*`` settings and
    URLconf on a once-configured Django project, the request sent with Django's test
    client."""

    name = "django-cors-headers"

    def __init__(self) -> None:
        self.version = importlib.metadata.version("django-cors-headers")
        self.django_version = importlib.metadata.version("django")
        self.differences: List[Difference] = differences(self.version, self.django_version)

    def run(self, case: Case) -> Observed:
        """Build the case's project, check its settings, send its request."""
        neutral = neutral_case(case)
        cors = neutral["cors"]
        if is_core(case):
            core_skips(case, cors)
        overrides: Dict[str, Any] = {"ROOT_URLCONF": _urlconf(neutral["routes"])}
        if cors is None:
            overrides["MIDDLEWARE"] = [m for m in settings.MIDDLEWARE if m != CORS_MIDDLEWARE]
        else:
            overrides.update(cors_settings(cors, neutral["paths"]))
        with override_settings(**overrides):
            clear_url_caches()
            if cors is not None:
                errors = _check_errors()
                if errors:
                    message = "; ".join(str(error) for error in errors)
                    return Observed(setup_error=SystemCheckError(message))
            return _send(neutral["request"])


def core_skips(case: Case, cors: Optional[Mapping[str, Any]]) -> None:
    """SkipCase for a core case whose policy django-cors-headers cannot express."""
    path = core_route_answering_options(case)
    if path is not None:
        raise SkipCase(
            f"a route answering OPTIONS itself ({path}): CorsMiddleware answers every "
            "preflight (OPTIONS with Access-Control-Request-Method) on the paths it covers "
            "with its own empty 200 before the view runs (check_preflight)"
        )
    if cors is not None and cors.get("max_age") == 0:
        raise SkipCase(
            "max_age 0: CORS_PREFLIGHT_MAX_AGE = 0 means no Access-Control-Max-Age header "
            "(as documented), so browsers cache the preflight for 5 seconds; no setting "
            "sends 'Access-Control-Max-Age: 0'"
        )


def cors_settings(
    cors: Mapping[str, Any], paths: Optional[Sequence[Mapping[str, str]]]
) -> Dict[str, Any]:
    """The ``CORS_*`` settings a django-cors-headers user writes for these options."""
    credentials = bool(cors.get("supports_credentials", False))
    found: Dict[str, Any] = {"CORS_ALLOW_CREDENTIALS": credentials}

    origins = cors.get("origins", "*")
    if origins == "*":
        if cors.get("send_wildcard") is False and not credentials:
            raise SkipCase(
                "send_wildcard=False with origins='*': with CORS_ALLOW_ALL_ORIGINS "
                "django-cors-headers always answers '*' (without credentials); no setting "
                "echoes the Origin of every origin"
            )
        found["CORS_ALLOW_ALL_ORIGINS"] = True
    else:
        found["CORS_ALLOWED_ORIGINS"] = [o["exact"] for o in origins if "exact" in o]
        found["CORS_ALLOWED_ORIGIN_REGEXES"] = [o["regex"] for o in origins if "regex" in o]

    if cors.get("always_send") is True:
        raise SkipCase(
            "always_send=True: django-cors-headers never sends Access-Control-Allow-Origin "
            "to a request without an Origin; no setting asks for it"
        )
    if cors.get("vary_header") is False:
        raise SkipCase(
            "vary_header=False: django-cors-headers always adds 'Vary: origin' on the paths "
            "CORS_URLS_REGEX covers; no setting turns it off"
        )
    if cors.get("intercept_exceptions") is False:
        raise SkipCase(
            "intercept_exceptions=False: CorsMiddleware sees every response, error pages "
            "included, and cannot tell one made from an exception"
        )

    methods = cors.get("methods", FLASK_CORS_METHODS)
    if methods == "*":
        raise SkipCase(
            "methods='*': CORS_ALLOW_METHODS has no documented wildcard; the list is sent "
            "verbatim in Access-Control-Allow-Methods"
        )
    found["CORS_ALLOW_METHODS"] = list(methods)

    if "allow_headers" in cors:
        allow_headers = cors["allow_headers"]
        if allow_headers == "*":
            raise SkipCase(
                "allow_headers='*': CORS_ALLOW_HEADERS has no documented wildcard; the list "
                "is sent verbatim in Access-Control-Allow-Headers"
            )
        if any("regex" in entry for entry in allow_headers):
            raise SkipCase(
                "allow_headers with a regex: CORS_ALLOW_HEADERS is a list of literal header "
                "names, sent verbatim; requested headers are not matched against patterns"
            )
        found["CORS_ALLOW_HEADERS"] = [entry["exact"] for entry in allow_headers]

    if "expose_headers" in cors:
        found["CORS_EXPOSE_HEADERS"] = list(cors["expose_headers"])
    found["CORS_PREFLIGHT_MAX_AGE"] = cors.get("max_age") or 0
    found["CORS_ALLOW_PRIVATE_NETWORK"] = bool(cors.get("allow_private_network", False))
    if paths is not None:
        found["CORS_URLS_REGEX"] = _urls_regex(paths)
    return found


def _urls_regex(paths: Sequence[Mapping[str, str]]) -> str:
    """One ``CORS_URLS_REGEX`` for Flask-CORS's resource patterns (``re.match`` on the
    path in both libraries)."""
    parts = [p["regex"] if "regex" in p else f"^{re.escape(p['exact'])}$" for p in paths]
    if len(parts) == 1:
        return parts[0]
    return "|".join(f"(?:{part})" for part in parts)


def _check_errors() -> List[checks.CheckMessage]:
    """The serious messages of the system checks django-cors-headers registers."""
    return [
        message
        for message in checks.run_checks(tags=[checks.Tags.security])
        if message.is_serious()
    ]


def _urlconf(routes: Sequence[Mapping[str, Any]]) -> types.ModuleType:
    module = types.ModuleType(f"spec_django_urls_{next(_counter)}")
    module.urlpatterns = [_pattern(route) for route in routes]  # type: ignore[attr-defined]
    return module


def _pattern(route: Mapping[str, Any]) -> Any:
    view = csrf_exempt(_view_class(route["methods"], route["view"]).as_view())
    if route["path"] == "*":
        return re_path(r"^.*$", view)
    route_path = re.sub(r"\{([A-Za-z_]\w*)\}", r"<str:\1>", route["path"].lstrip("/"))
    return path(route_path, view)


def _view_class(methods: Sequence[str], behaviour: Mapping[str, Any]) -> type:
    """A View subclass answering ``methods``; HEAD (for GET) and OPTIONS (unless the
    route lists it: then its view answers) come from View itself."""

    def handler(self: View, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _behave(behaviour)

    names = [method.lower() for method in methods]
    attributes: Dict[str, Any] = {name: handler for name in names}
    extra = [name for name in names if name not in View.http_method_names]
    attributes["http_method_names"] = [*View.http_method_names, *extra]
    return type(f"SpecView{next(_counter)}", (View,), attributes)


def _behave(behaviour: Mapping[str, Any]) -> HttpResponse:
    if "abort" in behaviour:
        status = behaviour["abort"]
        errors: Dict[int, Callable[[], Exception]] = {
            400: BadRequest,
            403: PermissionDenied,
            404: Http404,
        }
        if status in errors:
            raise errors[status]()
        return HttpResponse(status=status)
    if behaviour.get("raise"):
        raise RuntimeError("spec case view failure")
    return HttpResponse(
        behaviour.get("body", "ok"),
        status=behaviour.get("status", 200),
        headers=behaviour.get("headers", {}),
    )


def _send(request: Mapping[str, Any]) -> Observed:
    environ = {}
    for name, value in sent_request(request)["headers"].items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    records = LogCapture("corsheaders")
    try:
        with records:
            client = Client(raise_request_exception=False)
            started = time.perf_counter()
            response = client.generic(request["method"], request["path"], **environ)
            elapsed_ms = (time.perf_counter() - started) * 1000
    except Exception as error:  # a crash is an outcome to report, not a runner error
        return Observed(request_error=error, logs=records.messages)
    return Observed(
        status=response.status_code,
        headers=list(response.items()),
        body=response.content,
        logs=records.messages,
        elapsed_ms=elapsed_ms,
    )


def differences(version: str, django_version: str) -> List[Difference]:
    """The behaviours of django-cors-headers that make spec cases fail, each checked by
    hand against the installed source and the README (its PyPI long description)."""
    middleware = f"django-cors-headers {version}: corsheaders/middleware.py"
    readme = f"django-cors-headers {version} README (PyPI page / installed METADATA)"
    default_headers = (
        "accept, authorization, content-type, user-agent, x-csrftoken, x-requested-with"
    )
    return [
        Difference(
            id="allow-all-answers-star",
            kind="documented",
            summary=(
                "With CORS_ALLOW_ALL_ORIGINS and without credentials the middleware answers "
                "every Origin with 'Access-Control-Allow-Origin: *'; no setting echoes the "
                "Origin, which Flask-CORS does by default (send_wildcard=False). Fetch accepts "
                "'*' for requests without credentials."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers; {readme}, "
            "CORS_ALLOW_ALL_ORIGINS",
            problem=r"^Access-Control-Allow-Origin: '\*', expected '[^*']",
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
                "attacks/plus-matches-escaped-plus-pattern",
            ),
        ),
        Difference(
            id="allow-all-star-for-any-origin-value",
            kind="documented",
            summary=(
                "With CORS_ALLOW_ALL_ORIGINS and without credentials the answer is the constant "
                "'*' whatever the Origin holds, also values no browser sends (a comma list, "
                "CR LF, NUL, 2,000 characters). Nothing is reflected, but the spec wants no "
                "Access-Control-Allow-Origin at all for an Origin that is not one origin."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
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
                "The middleware assigns Access-Control-Allow-Origin on the response "
                "(response[...] = ...), replacing the value a view set itself; Flask-CORS "
                "leaves a response that already carries one alone. Still a single header."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
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
                "A request without an Origin header, or with an empty one, gets no "
                "Access-Control-* header ('if not origin: return response', after Vary); "
                "Flask-CORS's always_send default answers it with '*' or a configured "
                "literal origin. Browsers send Origin on every CORS request, so this is legal."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
            problem=r"^Access-Control-Allow-(Origin|Credentials): expected exactly one header "
            r"'[^']*', got \[\]$",
            cases=(
                "always-send/no-origin-*",
                "always-send/empty-origin-counts-as-absent",
                "always-send/two-literals-one-value",
                "always-send/vary-on-*-without-origin",
                "exceptions/404-no-origin-always-send",
                "send-wildcard/no-origin-*",
                "vary/no-origin-request",
            ),
        ),
        Difference(
            id="vary-origin-always",
            kind="documented",
            summary=(
                "On every path CORS_URLS_REGEX covers, the middleware first adds 'Vary: origin' "
                "to the response, also when it answers the constant '*'; Flask-CORS leaves Vary "
                "alone when every request gets '*' (send_wildcard). Legal: the extra Vary only "
                "makes shared caches keep one copy per Origin."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers (patch_vary_headers)",
            problem=r"^Vary: expected no 'Origin', got tokens \['origin'\]$",
            cases=("send-wildcard/*", "vary/send-wildcard-no-vary"),
        ),
        Difference(
            id="default-allow-headers-list",
            kind="documented",
            summary=(
                f"CORS_ALLOW_HEADERS defaults to a fixed list ({default_headers}), sent whole "
                "in Access-Control-Allow-Headers; Flask-CORS's default allow_headers='*' echoes "
                "the requested headers. A preflight asking for any other header (X-Good, X-A) "
                "is refused by the browser."
            ),
            source=f"django-cors-headers {version}: corsheaders/defaults.py default_headers; "
            f"{readme}, CORS_ALLOW_HEADERS",
            problem=rf"^Access-Control-Allow-Headers: '{default_headers}', expected the tokens "
            "of '",
        ),
        Difference(
            id="allow-headers-whole-list",
            kind="documented",
            summary=(
                "Access-Control-Allow-Headers is always the whole CORS_ALLOW_HEADERS list on an "
                "OPTIONS answer, whatever the preflight requested (nothing, only empty names, "
                "or a subset); Flask-CORS echoes only the requested headers it allows and sends "
                "none when none is requested. Legal: the browser checks each requested name."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
            problem=r"^Access-Control-Allow-Headers: ('Content-Type, X-Api-Key', expected the "
            rf"tokens of 'content-type'|expected absent, got \['{default_headers}'\])$",
            cases=(
                "allow-headers/list-filters",
                "allow-headers/only-empty-names",
                "preflight/no-acrh-no-acah",
            ),
        ),
        Difference(
            id="preflight-method-not-checked",
            kind="documented",
            summary=(
                "The middleware never compares Access-Control-Request-Method with "
                "CORS_ALLOW_METHODS: a preflight from an allowed Origin asking for any method "
                "(DELETE, 'ET', CR LF...) gets the whole Access-Control-Allow-Methods list, "
                "Allow-Headers and Max-Age, and the browser refuses a method not in the list. "
                "Flask-CORS sends none of them for a refused method. Nothing is reflected."
            ),
            source=f"{middleware}, CorsMiddleware.check_preflight and add_response_headers; "
            f"{readme}, CORS_ALLOW_METHODS",
            problem=r"^Access-Control-(Allow-Methods|Allow-Headers|Max-Age): expected absent, "
            r"got \['[^']*'\]$",
            cases=(
                "attacks/method-substring-not-granted",
                "attacks/crlf-in-request-method-not-granted",
                "methods/not-in-list-refused",
                "methods/substring-*-refused",
                "methods/list-fragment-refused",
                "preflight/method-not-allowed",
                "max-age/not-for-refused-method",
            ),
        ),
        Difference(
            id="options-gets-preflight-headers",
            kind="documented",
            summary=(
                "Every OPTIONS response to an allowed Origin gets Access-Control-Allow-Methods, "
                "-Allow-Headers and -Max-Age ('if request.method == \"OPTIONS\"'), also without "
                "Access-Control-Request-Method, i.e. when it is not a preflight; Flask-CORS "
                "treats that as an ordinary request. Browsers ignore them there."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
            problem=r"^Access-Control-(Allow-Methods|Allow-Headers|Max-Age): expected absent, "
            r"got \['[^']*'\]$",
            cases=("preflight/options-without-acrm",),
        ),
        Difference(
            id="preflight-answered-by-middleware",
            kind="documented",
            summary=(
                "CorsMiddleware answers every preflight on a covered path itself, with an empty "
                "200, before the view runs: a view that handles OPTIONS never sees it, so its "
                "status (204) and its Allow header are not in the answer. Flask-CORS adds its "
                "headers to the view's own response."
            ),
            source=f"{middleware}, CorsMiddleware.check_preflight",
            problem=r"^(status 200, expected 204|Allow: expected exactly one header "
            r"'GET, OPTIONS', got \[\])$",
            cases=("preflight/view-options-kept",),
        ),
        Difference(
            id="origin-regex-prefix-match",
            kind="documented",
            summary=(
                "CORS_ALLOWED_ORIGIN_REGEXES entries are tried with re.match, anchored at the "
                "start only: an unanchored pattern also allows any Origin that merely begins "
                "with a match (https://trusted.example.com.evil.net, a :8443 port suffix), "
                "with Allow-Credentials and preflight headers too. The README's example is "
                "anchored with ^...$. Flask-CORS 6 has the same weakness (SECURITY.md T3)."
            ),
            source=f"{middleware}, CorsMiddleware.regex_domain_match; {readme}, "
            "CORS_ALLOWED_ORIGIN_REGEXES",
            problem=r"^Access-Control-Allow-(Origin: expected absent, got \['https://[^',]+'\]"
            r"|Credentials: expected absent, got \['true'\]"
            r"|Methods: expected absent, got \['[^']*'\])$",
            cases=(
                "attacks/regex-prefix-attack",
                "attacks/compiled-regex-prefix-attack",
                "attacks/regex-prefix-attack-preflight",
                "attacks/unescaped-dot-regex-prefix-attack",
                "origins/regex-suffix-attack",
                "origins/string-regex-port-suffix-refused",
                "origins/compiled-regex-must-match-whole-origin",
            ),
        ),
        Difference(
            id="origin-list-echoed",
            kind="protocol",
            summary=(
                "Fetch: Access-Control-Allow-Origin is '*' or one serialized origin. The "
                "middleware copies the Origin value verbatim once a regex accepts it, so an "
                "Origin holding two origins ('https://a.example, https://b.example', which "
                "re.match on 'https://.*\\.example' accepts) is echoed as a list, with "
                "Allow-Credentials: true."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers and regex_domain_match",
            problem=r"^Access-Control-Allow-(Origin: expected absent, got \['https://a\.example, "
            r"https://b\.example'\]|Credentials: expected absent, got \['true'\])$",
            cases=("attacks/origin-list-not-echoed-by-regex",),
        ),
        Difference(
            id="newline-origin-500",
            kind="protocol",
            summary=(
                "RFC 9110 5.5: a field value holds no CR or LF. With credentials (so the Origin "
                "is echoed) the middleware copies an Origin containing LF into "
                "Access-Control-Allow-Origin unchecked, even against a literal list, since "
                "urlsplit drops the LF before the comparison; Django's HttpResponse refuses "
                f"the header (BadHeaderError, Django {django_version}) and the request ends "
                "as a 500 error page instead of the view's 200. No header is injected."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers and "
            f"origin_found_in_white_lists; Django {django_version}: "
            "django/http/response.py, ResponseHeaders._convert_to_charset",
            problem=r"^status 500, expected (200|one of 200, 4xx)$",
            cases=(
                "attacks/lf-in-origin-with-credentials",
                "attacks/trailing-lf-after-listed-origin-not-echoed",
            ),
        ),
        Difference(
            id="any-origin-with-credentials-echoes-any-value",
            kind="protocol",
            summary=(
                "Fetch, HTTP new-header syntax: Access-Control-Allow-Origin is one origin, "
                "'null' or '*'; RFC 9110, 5.5: a field value holds no NUL. With "
                "CORS_ALLOW_ALL_ORIGINS and credentials the middleware echoes any Origin "
                "that urlsplit accepts, so two origins separated by a space, or an origin "
                "followed by NUL and more, come back in Access-Control-Allow-Origin with "
                "Access-Control-Allow-Credentials: true."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers "
            "(response[ACCESS_CONTROL_ALLOW_ORIGIN] = origin)",
            problem=r"^Access-Control-Allow-Origin: expected absent, got "
            r"\['https://app\.example( |\\x00)",
            cases=(
                "reflection/space-separated-origins-not-reflected",
                "reflection/nul-origin-not-reflected",
            ),
        ),
        Difference(
            id="origin-with-path-echoed",
            kind="protocol",
            summary=(
                "Fetch: Access-Control-Allow-Origin is a serialized origin (or null or *). "
                "CORS_ALLOWED_ORIGINS entries are compared with the Origin's scheme and "
                "netloc after urlsplit, so an Origin 'https://a.example/path' matches "
                "'https://a.example' and is echoed, path included, with credentials. "
                "Browsers never send a path in Origin, so a browser cannot be misled by it."
            ),
            source=f"{middleware}, CorsMiddleware.origin_found_in_white_lists",
            problem=r"^Access-Control-Allow-(Origin: expected absent, got "
            r"\['https://a\.example/path'\]|Credentials: expected absent, got \['true'\])$",
            cases=("attacks/origin-with-path-not-echoed",),
        ),
        Difference(
            id="literal-origin-host-case-sensitive",
            kind="documented",
            summary=(
                "CORS_ALLOWED_ORIGINS entries are compared after urlsplit: the scheme "
                "case-insensitively (urlsplit lower-cases it), host and port byte for byte; "
                "Flask-CORS compares literal origins case-insensitively. Browsers send hosts "
                "in lower case, so a mixed-case entry (https://App.Example.com) never matches."
            ),
            source=f"{middleware}, CorsMiddleware._url_in_whitelist",
            problem=r"^Access-Control-Allow-Origin: expected exactly one header '[^']*', got \[\]$",
            cases=(
                "origins/literal-case-insensitive-echoes-request",
                "origins/literal-upper-case-origin-echoed-verbatim",
            ),
        ),
        Difference(
            id="default-urls-regex-misses-newline-paths",
            kind="documented",
            summary=(
                "The default CORS_URLS_REGEX r'^.*$' ('match all URL's', says the README) is "
                "tried with re.match on the decoded path, where '.' does not match a newline: "
                "a path with %0a gets no CORS headers at all (not even Vary)."
            ),
            source=f"django-cors-headers {version}: corsheaders/conf.py CORS_URLS_REGEX and "
            "corsheaders/middleware.py CorsMiddleware.is_enabled; "
            f"{readme}, CORS_URLS_REGEX",
            problem=r"^Access-Control-Allow-Origin: expected exactly one header "
            r"'https://a\.example', got \[\]$",
            cases=("attacks/crlf-in-path-not-logged-raw",),
        ),
        Difference(
            id="max-age-zero-omitted",
            kind="documented",
            summary=(
                "CORS_PREFLIGHT_MAX_AGE = 0 sends no Access-Control-Max-Age (README: 'If this "
                "is 0 (or any falsey value), no max age header will be sent'); the spec wants "
                "'Access-Control-Max-Age: 0' (do not cache)."
            ),
            source=f"{readme}, CORS_PREFLIGHT_MAX_AGE; {middleware}, add_response_headers",
            problem=r"^Access-Control-Max-Age: expected exactly one header '0', got \[\]$",
        ),
        Difference(
            id="private-network-off-sends-nothing",
            kind="documented",
            summary=(
                "With CORS_ALLOW_PRIVATE_NETWORK off (the default) a preflight with "
                "Access-Control-Request-Private-Network: true gets no "
                "Access-Control-Allow-Private-Network header; Flask-CORS 5+ answers 'false'. "
                "The browser refuses the private network request either way."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
            problem=r"^Access-Control-Allow-Private-Network: expected exactly one header "
            r"'false', got \[\]$",
        ),
        Difference(
            id="allow-headers-list-whatever-requested",
            kind="documented",
            summary=(
                "A preflight is answered with the configured CORS_ALLOW_HEADERS whatever it "
                "asks for, however many names; none of the requested names is in the default "
                "list, so the browser fails the preflight as this project's refusal does, but "
                "the spec wants no Access-Control-Allow-Headers past 100 names or 8,192 "
                "characters."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
            problem=(
                rf"^Access-Control-Allow-Headers: expected absent, got \['{default_headers}'\]$"
            ),
            cases=(
                "attacks/request-headers-over-100-names-refused",
                "attacks/request-headers-over-8192-characters-refused",
            ),
        ),
        Difference(
            id="origin-regex-backtracks",
            kind="documented",
            summary=(
                "CORS_ALLOWED_ORIGIN_REGEXES are matched with re.match, a backtracking "
                "engine: an Origin shaped for a pattern with nested repetition or four '.*' "
                "takes seconds (the spec allows 250 ms)."
            ),
            source=f"{middleware}, CorsMiddleware.regex_domain_match",
            problem=SLOW_ANSWER,
            cases=BACKTRACKING_CASES,
        ),
        Difference(
            id="origin-regex-allows-null",
            kind="documented",
            summary=(
                "'null' is checked against CORS_ALLOWED_ORIGINS only, but "
                "CORS_ALLOWED_ORIGIN_REGEXES are matched against any Origin, 'null' "
                "included, so a pattern matching everything allows Origin: null, which any "
                "page can send; this project lets only a literal 'null' or '*' allow it."
            ),
            source=f"{middleware}, CorsMiddleware.origin_found_in_white_lists",
            problem=NULL_GRANTED,
            cases=NULL_BY_PATTERN_CASES,
        ),
        Difference(
            id="star-beside-view-credentials",
            kind="documented",
            summary=(
                "add_response_headers assigns Access-Control-Allow-Origin '*' "
                "(CORS_ALLOW_ALL_ORIGINS without credentials) whatever the view set, so a "
                "view's own Access-Control-Allow-Credentials: true goes out beside '*', a "
                "pair browsers refuse."
            ),
            source=f"{middleware}, CorsMiddleware.add_response_headers",
            problem=r"^Access-Control-Allow-Origin: expected absent, got \['\*'\]$",
            cases=("attacks/star-not-sent-beside-the-apps-credentials",),
        ),
    ]
