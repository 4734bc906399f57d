"""Which CORS policy covers each route, and why one request is allowed or blocked: the
logic behind ``flask cors routes`` and ``flask cors explain``."""

from __future__ import annotations

import difflib
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from flask import Flask, request
from flask.views import MethodView, View

from .binding import (
    APPLIED,
    EXCEPTION_NOT_INTERCEPTED,
    RESOURCE_NOT_MATCHED,
    VIEW_SET_CORS,
    WILDCARD_BESIDE_CREDENTIALS,
    PolicySource,
    cors_state,
)
from .core import (
    ACL_ALLOW_HEADERS,
    ACL_CREDENTIALS,
    ACL_METHODS,
    ACL_ORIGIN,
    ACL_REQUEST_HEADERS,
    ACL_REQUEST_METHOD,
)
from .decorator import (
    _HTTP_METHOD_NAMES,
    CrossOriginView,
    answer_class_preflight,
    method_policy_view,
)
from .layers import CONFIG_LAYER, RESOURCE_LAYER, Layer, config_values, parse_config, resolve
from .patterns import NameMatcher
from .policy import (
    HEADER_NOT_ALLOWED,
    HEADERS_OVER_LIMIT,
    MAX_REQUESTED_HEADERS,
    MAX_REQUESTED_HEADERS_LENGTH,
    METHOD_NOT_ALLOWED,
    NO_ORIGIN,
    ORIGIN_ALLOWED,
    ORIGIN_CHECK_FAILED,
    ORIGIN_INVALID,
    ORIGIN_NOT_ALLOWED,
    PREFLIGHT_ALLOWED,
    Policy,
    fetch_normalized,
)
from .trace import LOG, TRACE_KEY, Step

#: Fetch's CORS-safelisted methods and request headers: these need no preflight.
SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
SAFELISTED_HEADERS = frozenset({"accept", "accept-language", "content-language"})
SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
#: A Range value Fetch safelists: one range of bytes, "bytes=N-" or "bytes=N-M".
SIMPLE_RANGE = re.compile(r"bytes=[0-9]+-[0-9]*")

OPTION_ORDER = (
    "origins",
    "supports_credentials",
    "methods",
    "allow_headers",
    "expose_headers",
    "max_age",
    "send_wildcard",
    "always_send",
    "vary_header",
    "automatic_options",
    "intercept_exceptions",
    "allow_private_network",
)


# ---------------------------------------------------------------------------------------
# Describing policies


def describe_names(matcher: NameMatcher) -> List[str]:
    """A matcher's configuration as written: '*', literals, regexes, then callables."""
    if matcher.wildcard:
        return ["*"]
    return [
        *matcher.configured_literals,
        *(f"regex:{p.pattern}" for p in matcher.patterns),
        *(f"callable:{check.name}" for check in matcher.checks),
    ]


def set_by(app: Flask, source: PolicySource, pattern: Optional[str]) -> Dict[str, str]:
    """Which place set each option of the policy ``source`` gives the resource
    ``pattern`` (None: a source without resources) under ``app``'s config."""
    config_options = parse_config(app.config, config_values(app.config))[0]
    layers: List[Layer] = [*source.layers, (CONFIG_LAYER, config_options)]
    if source.with_resources:
        resources = resolve(layers)[0]["resources"]
        own = next(options for path, options in resources if path.source == pattern)
        layers.insert(0, (RESOURCE_LAYER, own))
    return resolve(layers)[1]


def describe_policy(policy: Policy, layers: Mapping[str, str]) -> Dict[str, Any]:
    """Every option of a compiled policy, as plain values, and the layer that set it
    (``layers``, from ``set_by``)."""
    values: Dict[str, Any] = {
        "origins": describe_names(policy.origins),
        "supports_credentials": policy.supports_credentials,
        "methods": sorted(policy.methods),
        "allow_headers": describe_names(policy.allow_headers),
        "expose_headers": list(policy.expose_headers) if policy.expose_headers else [],
        "max_age": policy.max_age,
        "send_wildcard": policy.send_wildcard,
        "always_send": policy.always_send,
        "vary_header": policy.vary_header,
        "automatic_options": policy.automatic_options,
        "intercept_exceptions": policy.intercept_exceptions,
        "allow_private_network": policy.allow_private_network,
    }
    values["set_by"] = {name: layers[name] for name in OPTION_ORDER}
    return values


def source_label(source: Any, pattern: Optional[str]) -> str:
    """How a policy source is named in explanations: where it was set up, and which
    resource pattern matched."""
    if source is None or source.label == "cross_origin()":
        return "@cross_origin on the view"
    owner = f"CORS(blueprint {source.blueprint.name!r})" if source.blueprint else "CORS(app)"
    return f"{owner} resource {pattern!r}" if pattern is not None else owner


# ---------------------------------------------------------------------------------------
# flask cors routes


@dataclass
class RoutePolicy:
    """One URL rule and the CORS policy that covers it (None: no CORS)."""

    rule: str
    endpoint: str
    methods: List[str]
    applies: str
    policy: Optional[Policy]
    set_by: Dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> Dict[str, Any]:
        """The route as JSON-ready values."""
        described = describe_policy(self.policy, self.set_by) if self.policy is not None else None
        return {
            "rule": self.rule,
            "endpoint": self.endpoint,
            "methods": self.methods,
            "policy": self.applies,
            "options": described,
        }


def _blueprint_sources(app: Flask, endpoint: str) -> Iterator[PolicySource]:
    """The blueprints' sources that answer for ``endpoint``, in the order Flask runs their
    after_request functions: innermost blueprint first, latest CORS(bp) first."""
    sources: List[PolicySource] = (
        list(cors_state(app)["sources"]) if "cors" in app.extensions else []
    )
    name = endpoint.rpartition(".")[0]
    while name:
        blueprint = app.blueprints.get(name)
        for source in reversed(sources):
            if blueprint is not None and source.blueprint is blueprint:
                yield source
        name = name.rpartition(".")[0]


def _sources_for(app: Flask, endpoint: str) -> Iterator[PolicySource]:
    yield from _blueprint_sources(app, endpoint)
    if "cors" in app.extensions:
        yield from cors_state(app)["app_wide"]


def decorated_methods(view_class: Any) -> Dict[str, CrossOriginView]:
    """The methods of a class-based view decorated with :func:`cross_origin`, by name:
    ``dispatch_request``, or the HTTP method names a ``MethodView`` dispatches to."""
    if not isinstance(view_class, type) or not issubclass(view_class, View):
        return {}
    names = ["dispatch_request"]
    if issubclass(view_class, MethodView):
        names += sorted(_HTTP_METHOD_NAMES)
    found = {}
    for name in names:
        attribute = getattr(view_class, name, None)
        if isinstance(attribute, CrossOriginView):
            found[name] = attribute
    return found


def route_policies(app: Flask) -> List[RoutePolicy]:
    """Every URL rule of ``app`` with the policy that applies to it.

    The decorator's policy covers its view; otherwise the first blueprint or app-wide
    source whose resource patterns match the rule's text, in the order the app answers
    (so a pattern is compared with the rule as written, converters included)."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        methods = sorted(rule.methods or ())
        view = app.view_functions.get(rule.endpoint)
        view_class = getattr(view, "view_class", None)
        per_method = decorated_methods(view_class)
        # The whole view is covered by a decorator on it, or on a View's dispatch_request.
        whole: Optional[PolicySource] = getattr(view, "cors_source", None)
        if whole is not None:
            label = source_label(whole, None)
        elif "dispatch_request" in per_method:
            whole = per_method["dispatch_request"].cors_source
            label = "@cross_origin on the view's dispatch_request()"
        if whole is not None:
            policy = whole.view_policy(app)
            layers = set_by(app, whole, None)
            found.append(RoutePolicy(rule.rule, rule.endpoint, methods, label, policy, layers))
            continue
        # A MethodView whose methods are decorated: a row per decorated method.
        rest = methods
        for name, decorated in per_method.items():
            covered = [m for m in methods if method_policy_view(view_class, m) is decorated]
            if covered:
                label = f"@cross_origin on the view's {name}()"
                policy = decorated.cors_source.view_policy(app)
                layers = set_by(app, decorated.cors_source, None)
                found.append(RoutePolicy(rule.rule, rule.endpoint, covered, label, policy, layers))
                rest = [m for m in rest if m not in covered]
        if per_method and not set(rest) - {"OPTIONS"}:
            continue
        applies, covering, layers = "none", None, {}
        for source in _sources_for(app, rule.endpoint):
            match = source.table(app).match(rule.rule)
            if match is not None:
                pattern, covering = match
                applies = source_label(source, pattern.source)
                layers = set_by(app, source, pattern.source)
                break
        found.append(RoutePolicy(rule.rule, rule.endpoint, rest, applies, covering, layers))
    return found


# ---------------------------------------------------------------------------------------
# flask cors explain


@dataclass
class Exchange:
    """One request replayed through the app, and what came back."""

    kind: str  # "preflight" or "actual request"
    method: str
    path: str
    request_headers: List[Tuple[str, str]]
    status: int
    headers: List[Tuple[str, str]]
    steps: List[Step]

    def values(self, name: str) -> List[str]:
        wanted = name.lower()
        return [value for key, value in self.headers if key.lower() == wanted]

    def cors_headers(self) -> List[Tuple[str, str]]:
        """The response's Access-Control-* and Vary headers, as sent."""
        return [
            (name, value)
            for name, value in self.headers
            if name.lower().startswith("access-control-") or name.lower() == "vary"
        ]

    def applied(self) -> Optional[Step]:
        return next((step for step in self.steps if step.event == APPLIED), None)


@dataclass
class Explanation:
    """Whether a browser would let a page at ``origin`` make this request, and why."""

    origin: str
    method: str
    path: str
    credentials: bool
    exchanges: List[Exchange] = field(default_factory=list)
    allowed: bool = False
    #: Plain-word reasons, most important first.
    reasons: List[str] = field(default_factory=list)
    #: Which place set each option of the first policy applied (see ``set_by``).
    set_by: Dict[str, str] = field(default_factory=dict)

    def first_applied(self) -> Optional[Step]:
        """The first step in which a policy answered, if any."""
        return next((ex.applied() for ex in self.exchanges if ex.applied() is not None), None)


def parse_header(text: str) -> Tuple[str, str]:
    """``Name`` or ``Name: value``, as given to ``--header``."""
    name, _, value = text.partition(":")
    name = name.strip()
    if not name:
        raise ValueError(f"--header {text!r}: no header name")
    return name, value.strip() or "1"


def is_safelisted(name: str, value: str) -> bool:
    """Whether a browser sends this request header without a preflight (Fetch's
    CORS-safelisted request headers; values over 128 bytes never are)."""
    lowered = name.lower()
    if len(value) > 128:
        return False
    if lowered == "content-type":
        return value.split(";")[0].strip().lower() in SIMPLE_CONTENT_TYPES
    if lowered == "range":
        return SIMPLE_RANGE.fullmatch(value) is not None
    return lowered in SAFELISTED_HEADERS


def replay(
    app: Flask, method: str, path: str, headers: Sequence[Tuple[str, str]], kind: str
) -> Exchange:
    """Send one request through ``app``'s real CORS machinery, with every view replaced
    by one answering an empty 200 (so nothing the views do happens), and record the CORS
    steps taken for it."""
    steps: List[Step] = []
    saved = dict(app.view_functions)
    try:
        for endpoint, view in saved.items():
            # A decorated view keeps the decorator's policy around an empty view; whatever
            # was wrapped around the decorator does not run either.
            app.view_functions[endpoint] = _stand_in(view)
        with _steps_reported():
            response = app.test_client().open(
                path, method=method, headers=list(headers), environ_overrides={TRACE_KEY: steps}
            )
    finally:
        app.view_functions.clear()
        app.view_functions.update(saved)
    return Exchange(
        kind, method, path, list(headers), response.status_code, list(response.headers), steps
    )


@contextmanager
def _steps_reported() -> Iterator[None]:
    """The runtime reports its steps only while the flask_cors logger is at DEBUG: turn
    that on for the replay if it is off, without letting the records reach a handler."""
    if LOG.isEnabledFor(logging.DEBUG):
        yield
        return
    level = LOG.level
    LOG.setLevel(logging.DEBUG)
    LOG.addFilter(_silenced)
    try:
        yield
    finally:
        LOG.removeFilter(_silenced)
        LOG.setLevel(level)


def _silenced(record: logging.LogRecord) -> bool:
    return record.levelno > logging.DEBUG


def _stub_view(*_: Any, **__: Any) -> str:
    return ""


def _stubbed(wrapper: CrossOriginView) -> CrossOriginView:
    """The decorator's policy around an empty view."""
    return CrossOriginView(_stub_view, wrapper._source, wrapper._answers_options)


def _stand_in(view: Any) -> Any:
    """What answers for ``view`` while replaying: its decorator's policy, the decorated
    methods of its class (without creating an instance), each around an empty view, or
    an empty 200."""
    wrapper = getattr(view, "cors_wrapper", None)
    if wrapper is not None:
        return _stubbed(wrapper)
    view_class = getattr(view, "view_class", None)
    per_method = decorated_methods(view_class)
    if not per_method:
        return _stub_view
    if "dispatch_request" in per_method:
        return _stubbed(per_method["dispatch_request"])

    def class_view_stand_in(**kwargs: Any) -> Any:
        if getattr(view_class, request.method.lower(), None) is answer_class_preflight:
            return answer_class_preflight(view_class)
        decorated = method_policy_view(view_class, request.method)
        return "" if decorated is None else _stubbed(decorated)(None, **kwargs)

    return class_view_stand_in


def explain(
    app: Flask,
    origin: str,
    path: str,
    method: str = "GET",
    headers: Sequence[str] = (),
    preflight: Optional[bool] = None,
    credentials: bool = False,
) -> Explanation:
    """Replay what a browser would send for a page at ``origin`` calling
    ``fetch(path, {method, headers, credentials})``, and judge the answers as the Fetch
    Standard's CORS checks do. ``preflight`` None means: as a browser decides."""
    method = fetch_normalized(method)
    request_headers = [parse_header(text) for text in headers]
    unsafe = sorted(
        {name.lower() for name, value in request_headers if not is_safelisted(name, value)}
    )
    if preflight is None:
        preflight = method not in SAFELISTED_METHODS or bool(unsafe)
    result = Explanation(origin, method, path, credentials)
    if preflight:
        sent = [("Origin", origin), (ACL_REQUEST_METHOD, method)]
        if unsafe:
            sent.append((ACL_REQUEST_HEADERS, ",".join(unsafe)))
        exchange = replay(app, "OPTIONS", path, sent, "preflight")
        result.exchanges.append(exchange)
        problems = _preflight_problems(exchange, origin, method, unsafe, credentials)
        if problems:
            result.reasons = problems + _policy_reasons(exchange)
            return _with_set_by(app, result)
    exchange = replay(app, method, path, [("Origin", origin), *request_headers], "actual request")
    result.exchanges.append(exchange)
    problems = _cors_check(exchange, origin, credentials)
    result.reasons = problems + _policy_reasons(exchange)
    result.allowed = not problems
    return _with_set_by(app, result)


def _with_set_by(app: Flask, result: Explanation) -> Explanation:
    first = result.first_applied()
    if first is not None:
        result.set_by = set_by(app, first.source, first.pattern)
    return result


def _cors_check(exchange: Exchange, origin: str, credentials: bool) -> List[str]:
    """Fetch's CORS check of one response, as plain-word problems."""
    allow_origin = exchange.values(ACL_ORIGIN)
    where = f"the {exchange.kind}'s response"
    if not allow_origin:
        return [f"{where} has no {ACL_ORIGIN}"]
    if len(allow_origin) > 1:
        return [f"{where} has {len(allow_origin)} {ACL_ORIGIN} headers"]
    value = allow_origin[0]
    if value == "*" and credentials:
        return [f"{where} allows '*', which browsers refuse for a request with credentials"]
    if value not in ("*", origin):
        return [f"{where} allows {value!r}, not {origin!r}"]
    if credentials and exchange.values(ACL_CREDENTIALS) != ["true"]:
        return [f"{where} lacks '{ACL_CREDENTIALS}: true', needed with credentials"]
    return []


def _tokens(exchange: Exchange, name: str) -> List[str]:
    return [t.strip() for value in exchange.values(name) for t in value.split(",") if t.strip()]


def _preflight_problems(
    exchange: Exchange, origin: str, method: str, unsafe: Sequence[str], credentials: bool
) -> List[str]:
    if not 200 <= exchange.status <= 299:
        return [f"the preflight's response has status {exchange.status}; browsers need 2xx"]
    problems = _cors_check(exchange, origin, credentials)
    if problems:
        return problems
    methods = _tokens(exchange, ACL_METHODS)
    any_method = "*" in methods and not credentials
    if method not in SAFELISTED_METHODS and method not in methods and not any_method:
        problems.append(f"{method} is not in the preflight's {ACL_METHODS} ({methods or 'none'})")
    allowed = {token.lower() for token in _tokens(exchange, ACL_ALLOW_HEADERS)}
    any_header = "*" in allowed and not credentials
    for name in unsafe:
        if name not in allowed and not (any_header and name != "authorization"):
            problems.append(
                f"request header {name!r} is not in the preflight's {ACL_ALLOW_HEADERS}"
            )
    return problems


def _policy_reasons(exchange: Exchange) -> List[str]:
    """Why the policy answered as it did, from the steps the runtime recorded."""
    reasons: List[str] = []
    for step in exchange.steps:
        if step.event == RESOURCE_NOT_MATCHED:
            reasons.append(
                f"{source_label(step.source, None)}: no resource pattern matches the path"
            )
        elif step.event == EXCEPTION_NOT_INTERCEPTED:
            reasons.append(
                f"{source_label(step.source, step.pattern)}: the response answers an "
                "unhandled exception and intercept_exceptions is off"
            )
        elif step.event == VIEW_SET_CORS:
            reasons.append(f"the view set {ACL_ORIGIN} itself; CORS left the response alone")
        elif step.event == WILDCARD_BESIDE_CREDENTIALS:
            reasons.append(
                f"{step.event}: the response already allows credentials, so the policy's "
                f"'*' was not sent beside it (browsers refuse the pair)"
            )
        else:  # "applied": the policy's decision
            reasons.extend(_decision_reasons(step, exchange))
    if not exchange.steps:
        reasons.append("no CORS policy covers this path")
    return reasons


def _decision_reasons(step: Step, exchange: Exchange) -> Iterator[str]:
    policy, decision = step.policy, step.decision
    assert policy is not None and decision is not None
    origin = dict((k.lower(), v) for k, v in exchange.request_headers).get("origin", "")
    for code in decision.reasons:
        if code == ORIGIN_NOT_ALLOWED:
            yield f"{code}: {origin!r} is not allowed{_closest(origin, policy.origins)}"
        elif code == ORIGIN_CHECK_FAILED:
            yield (
                f"{code}: an origins callable raised for {origin!r}, which counts as not "
                "allowed; the error is in the flask_cors log"
            )
        elif code == ORIGIN_INVALID:
            yield (
                f"{code}: {origin!r} cannot be echoed (not visible ASCII, contains a comma, "
                "or longer than 1024 characters)"
            )
        elif code == METHOD_NOT_ALLOWED:
            asked = dict((k.lower(), v) for k, v in exchange.request_headers).get(
                ACL_REQUEST_METHOD.lower(), ""
            )
            yield (
                f"{code}: {asked!r} is not among the allowed methods "
                f"({', '.join(sorted(policy.methods))})"
            )
        elif code == HEADER_NOT_ALLOWED:
            refused = ", ".join(repr(name) for name in decision.refused_headers)
            allowed = ", ".join(describe_names(policy.allow_headers))
            yield f"{code}: {refused} not allowed (allow_headers: {allowed})"
        elif code == HEADERS_OVER_LIMIT:
            yield (
                f"{code}: Access-Control-Request-Headers lists more than "
                f"{MAX_REQUESTED_HEADERS} names or {MAX_REQUESTED_HEADERS_LENGTH} characters, "
                "so no requested header is allowed"
            )
        elif code == ORIGIN_ALLOWED:
            yield f"{code}: {origin!r} {_how_allowed(origin, policy.origins)}"
        elif code == PREFLIGHT_ALLOWED:
            yield f"{code}: the requested method is among the allowed ones"
        elif code != NO_ORIGIN:
            yield code


def _how_allowed(origin: str, origins: NameMatcher) -> str:
    if origins.wildcard:
        return "is allowed by origins '*'"
    if origin.lower() in origins.literals:
        return "is listed in origins"
    hits = origins.regexes.matching(origin)
    if hits:
        return f"matches regex:{origins.patterns[hits[0]].pattern}"
    return "is allowed by a callable in origins"


def _closest(origin: str, origins: NameMatcher) -> str:
    described = describe_names(origins)
    close = difflib.get_close_matches(origin, list(origins.configured_literals), n=3, cutoff=0.6)
    text = f"; allowed: {', '.join(described)}" if described else "; no origin is allowed"
    if close:
        text += f"; closest: {', '.join(map(repr, close))}"
    return text


# ---------------------------------------------------------------------------------------
# Plain text


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
