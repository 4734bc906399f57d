"""Which CORS policy covers each route, and which place set each of its options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.views import MethodView, View
from werkzeug.routing import Rule

from .build import PolicySource
from .decorator import HTTP_METHOD_NAMES, CrossOriginView, method_policy_view
from .layers import CONFIG_LAYER, RESOURCE_LAYER, Layer, config_values, parse_config, resolve
from .patterns import NameMatcher
from .policy import Policy


def describe_names(matcher: NameMatcher) -> list[str]:
    """A matcher's configuration as written: '*', literals, regexes, then callables."""
    if matcher.wildcard:
        return ["*"]
    return [
        *matcher.configured_literals,
        *(f"regex:{p.pattern}" for p in matcher.patterns),
        *(f"callable:{check.name}" for check in matcher.checks),
    ]


def describe_policy(
    app: Flask, source: PolicySource, pattern: str | None, policy: Policy
) -> dict[str, Any]:
    """Every option of the ``policy`` that ``source`` gives resource ``pattern`` (None: a
    source without resources) as plain values, and in ``set_by`` the place that set each."""
    layers: list[Layer] = [
        *source.layers,
        (CONFIG_LAYER, parse_config(app.config, config_values(app.config))[0]),
    ]
    if source.with_resources:
        resources = resolve(layers)[0]["resources"]
        own = next(options for path, options in resources if path.text == pattern)
        layers.insert(0, (RESOURCE_LAYER, own))
    values: dict[str, Any] = {
        "origins": describe_names(policy.origins),
        "supports_credentials": policy.supports_credentials,
        "methods": sorted(policy.methods),
        "allow_headers": describe_names(policy.allow_headers),
        "expose_headers": list(policy.expose_headers or ()),
        "max_age": policy.max_age,
        "send_wildcard": policy.send_wildcard,
        "always_send": policy.always_send,
        "vary_header": policy.vary_header,
        "automatic_options": policy.automatic_options,
        "intercept_exceptions": policy.intercept_exceptions,
        "allow_private_network": policy.allow_private_network,
    }
    set_by = resolve(layers)[1]
    values["set_by"] = {name: set_by[name] for name in values}
    return values


def source_label(source: PolicySource, pattern: str | None) -> str:
    """How a policy's source is named: where it was set up, and the resource that matched."""
    if not source.with_resources:
        return "@cross_origin on the view"
    owner = f"CORS(blueprint {source.blueprint.name!r})" if source.blueprint else "CORS(app)"
    return owner if pattern is None else f"{owner} resource {pattern!r}"


@dataclass
class RoutePolicy:
    """One URL rule and the CORS policy that covers it (None: no CORS)."""

    rule: str
    endpoint: str
    methods: list[str]
    applies: str
    policy: Policy | None = None
    #: ``describe_policy`` of the policy.
    options: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The route as JSON-ready values."""
        return {
            "rule": self.rule,
            "endpoint": self.endpoint,
            "methods": self.methods,
            "policy": self.applies,
            "options": self.options,
        }


def decorated_methods(view_class: Any) -> dict[str, CrossOriginView]:
    """The methods of a class-based view decorated with :func:`cross_origin`, by name:
    ``dispatch_request``, or the HTTP method names a ``MethodView`` dispatches to."""
    if not isinstance(view_class, type) or not issubclass(view_class, View):
        return {}
    names = ["dispatch_request"]
    if issubclass(view_class, MethodView):
        names += sorted(HTTP_METHOD_NAMES)
    attributes = {name: getattr(view_class, name, None) for name in names}
    return {name: value for name, value in attributes.items() if isinstance(value, CrossOriginView)}


def route_policies(app: Flask) -> list[RoutePolicy]:
    """Every URL rule of ``app`` with the policy that applies to it: a decorator's, on the
    view or on the methods of its class, else the first blueprint or app-wide source whose
    resource patterns match the rule as written (converters included)."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        methods = sorted(rule.methods or ())
        view = app.view_functions.get(rule.endpoint)
        view_class = getattr(view, "view_class", None)
        per_method = decorated_methods(view_class)
        whole = getattr(view, "cors_wrapper", per_method.get("dispatch_request"))
        if whole is not None:
            where = "the view" if hasattr(view, "cors_wrapper") else "the view's dispatch_request()"
            found.append(_decorated(app, rule, methods, where, whole))
            continue
        rest = methods
        for name, wrapper in per_method.items():
            covered = [m for m in methods if method_policy_view(view_class, m) is wrapper]
            if covered:
                found.append(_decorated(app, rule, covered, f"the view's {name}()", wrapper))
                rest = [m for m in rest if m not in covered]
        if not per_method or set(rest) - {"OPTIONS"}:
            found.append(_by_resource(app, rule, rest))
    return found


def _decorated(
    app: Flask, rule: Rule, methods: list[str], where: str, wrapper: CrossOriginView
) -> RoutePolicy:
    policy = wrapper.cors_source.table(app).rules[0][1]
    options = describe_policy(app, wrapper.cors_source, None, policy)
    label = f"@cross_origin on {where}"
    return RoutePolicy(rule.rule, rule.endpoint, methods, label, policy, options)


def _by_resource(app: Flask, rule: Rule, methods: list[str]) -> RoutePolicy:
    """The first source whose resource patterns match the rule, in the order Flask runs
    them: blueprints' from the innermost (its latest CORS(bp) first), then the app's."""
    state = app.extensions.get("cors", {"sources": [], "app_wide": []})
    sources = []
    name = rule.endpoint.rpartition(".")[0]
    while name:
        blueprint = app.blueprints.get(name)
        if blueprint is not None:
            sources += [s for s in reversed(state["sources"]) if s.blueprint is blueprint]
        name = name.rpartition(".")[0]
    for source in sources + state["app_wide"]:
        match = source.table(app).match(rule.rule)
        if match is not None:
            pattern, policy = match
            options = describe_policy(app, source, pattern.text, policy)
            label = source_label(source, pattern.text)
            return RoutePolicy(rule.rule, rule.endpoint, methods, label, policy, options)
    return RoutePolicy(rule.rule, rule.endpoint, methods, "none")
