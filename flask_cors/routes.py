"""Which CORS policy covers each route, and which place set each of its options: the
logic behind ``flask cors routes``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.views import MethodView, View

from .build import PolicySource, cors_state
from .decorator import HTTP_METHOD_NAMES, CrossOriginView, method_policy_view
from .layers import CONFIG_LAYER, RESOURCE_LAYER, Layer, config_values, parse_config, resolve
from .patterns import NameMatcher
from .policy import Policy

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


def describe_names(matcher: NameMatcher) -> list[str]:
    """A matcher's configuration as written: '*', literals, regexes, then callables."""
    if matcher.wildcard:
        return ["*"]
    return [
        *matcher.configured_literals,
        *(f"regex:{p.pattern}" for p in matcher.patterns),
        *(f"callable:{check.name}" for check in matcher.checks),
    ]


def set_by(app: Flask, source: PolicySource, pattern: str | None) -> dict[str, str]:
    """Which place set each option of the policy ``source`` gives the resource
    ``pattern`` (None: a source without resources) under ``app``'s config."""
    config_options = parse_config(app.config, config_values(app.config))[0]
    layers: list[Layer] = [*source.layers, (CONFIG_LAYER, config_options)]
    if source.with_resources:
        resources = resolve(layers)[0]["resources"]
        own = next(options for path, options in resources if path.text == pattern)
        layers.insert(0, (RESOURCE_LAYER, own))
    return resolve(layers)[1]


def describe_policy(policy: Policy, layers: Mapping[str, str]) -> dict[str, Any]:
    """Every option of a compiled policy, as plain values, and the layer that set it
    (``layers``, from ``set_by``)."""
    values: dict[str, Any] = {
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


def source_label(source: Any, pattern: str | None) -> str:
    """How a policy source is named in explanations: where it was set up, and which
    resource pattern matched."""
    if source is None or source.label == "cross_origin()":
        return "@cross_origin on the view"
    owner = f"CORS(blueprint {source.blueprint.name!r})" if source.blueprint else "CORS(app)"
    return f"{owner} resource {pattern!r}" if pattern is not None else owner


@dataclass
class RoutePolicy:
    """One URL rule and the CORS policy that covers it (None: no CORS)."""

    rule: str
    endpoint: str
    methods: list[str]
    applies: str
    policy: Policy | None
    set_by: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
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
    sources: list[PolicySource] = (
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


def decorated_methods(view_class: Any) -> dict[str, CrossOriginView]:
    """The methods of a class-based view decorated with :func:`cross_origin`, by name:
    ``dispatch_request``, or the HTTP method names a ``MethodView`` dispatches to."""
    if not isinstance(view_class, type) or not issubclass(view_class, View):
        return {}
    names = ["dispatch_request"]
    if issubclass(view_class, MethodView):
        names += sorted(HTTP_METHOD_NAMES)
    found = {}
    for name in names:
        attribute = getattr(view_class, name, None)
        if isinstance(attribute, CrossOriginView):
            found[name] = attribute
    return found


def route_policies(app: Flask) -> list[RoutePolicy]:
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
        whole: PolicySource | None = getattr(view, "cors_source", None)
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
                applies = source_label(source, pattern.text)
                layers = set_by(app, source, pattern.text)
                break
        found.append(RoutePolicy(rule.rule, rule.endpoint, rest, applies, covering, layers))
    return found
