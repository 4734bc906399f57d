"""neutral_case: spec cases digested into the neutral JSON form, or skipped with a reason."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any, Dict, Mapping, Optional

import pytest

from adapters import SkipCase
from adapters.neutral import neutral_case
from cors_spec import Case, load_cases

REAL = {case.id: case for case in load_cases()}
DEFAULT_ROUTES = [{"path": "*", "methods": ["GET", "POST", "PUT", "PATCH", "DELETE"], "view": {}}]
REGEX_CHARACTERS = "*\\]?$^[()"


def make_case(
    config: Optional[Mapping[str, Any]] = None,
    app: Optional[Mapping[str, Any]] = None,
    request: Optional[Mapping[str, Any]] = None,
    expect: Optional[Mapping[str, Any]] = None,
) -> Case:
    return Case(
        id="topic/made-up",
        description="A case built by the test.",
        tags=("compat", "origins"),
        config=config if config is not None else {},
        request=request or {"method": "GET", "path": "/", "headers": {"Origin": "https://a.ex"}},
        expect=expect if expect is not None else {"status": 200},
        app=app or {},
    )


def cors_of(extension: Mapping[str, Any]) -> Dict[str, Any]:
    neutral = neutral_case(make_case({"extension": dict(extension)}))
    assert neutral["cors"] is not None
    return neutral["cors"]


def skip_reason(case: Case) -> str:
    with pytest.raises(SkipCase) as raised:
        neutral_case(case)
    reason = str(raised.value)
    assert reason.strip()
    return reason


# --- skips -------------------------------------------------------------------------------


def test_setup_error_case_is_skipped() -> None:
    case = make_case(
        {"extension": {"origins": ["https://a.ex"]}},
        expect={"setup_error": {"type": "ValueError", "mentions": ["origins"]}},
    )
    assert "setup" in skip_reason(case)


def test_every_real_setup_error_case_is_skipped() -> None:
    cases = [case for case in REAL.values() if "setup_error" in case.expect]
    assert cases
    for case in cases:
        skip_reason(case)


@pytest.mark.parametrize(
    ("layer", "value", "named"),
    [
        ("app_config", {"CORS_ORIGINS": ["https://a.ex"]}, "app.config"),
        ("init_app", {"origins": ["https://a.ex"]}, "init_app"),
        ("decorator", {"origins": ["https://a.ex"]}, "cross_origin"),
    ],
)
def test_flask_configuration_layers_are_skipped(layer: str, value: Any, named: str) -> None:
    case = make_case({"extension": {}, layer: value})
    assert named in skip_reason(case)


def test_layers_are_skipped_without_extension_too() -> None:
    reason = skip_reason(make_case({"app_config": {"CORS_MAX_AGE": 5}, "decorator": {}}))
    assert "app.config" in reason
    assert "cross_origin" in reason


@pytest.mark.parametrize(
    "app",
    [
        {"blueprints": [{"name": "api", "url_prefix": "/api", "cors": {}, "routes": []}]},
        {"routes": [{"path": "/known"}], "error_handlers": [404]},
        {"routes": [{"path": "/items"}], "before_request_abort": 401},
    ],
)
def test_flask_application_features_are_skipped(app: Dict[str, Any]) -> None:
    feature = next(key for key in app if key != "routes")
    assert feature in skip_reason(make_case({"extension": {}}, app=app))


def test_decorator_on_a_route_is_skipped() -> None:
    app = {"routes": [{"path": "/a"}, {"path": "/b", "decorator": {"origins": "*"}}]}
    assert "cross_origin" in skip_reason(make_case({"extension": {}}, app=app))


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ({"style": "method-view"}, "class-based view"),
        ({"style": "view", "method_decorators": {"dispatch_request": {}}}, "class-based view"),
        ({"async": True}, "async def"),
        ({"style": "function", "async": False}, None),
    ],
)
def test_class_based_and_async_views_are_skipped(route: Dict[str, Any], reason: Any) -> None:
    case = make_case({"extension": {}}, app={"routes": [{"path": "/a", **route}]})
    if reason is None:
        assert neutral_case(case)["routes"][0]["path"] == "/a"
    else:
        assert reason in skip_reason(case)


# --- the format's Python-only extensions ------------------------------------------------

STEP = {"request": {"method": "GET", "path": "/", "headers": {"Origin": "https://b.ex"}}}


def with_steps(case: Case, *expects: Mapping[str, Any]) -> Case:
    return dataclasses.replace(case, then=tuple({**STEP, "expect": dict(e)} for e in expects))


@pytest.mark.parametrize(
    ("case", "named"),
    [
        (with_steps(make_case({"extension": {}}), {}), "then"),
        (with_steps(make_case({"extension": {}}), {"warns": ["origins"]}), "then"),
        (make_case({"extension": {}}, expect={"status": 200, "warns": []}), "warn"),
        (make_case({"extension": {"origins": {"$callable": ["https://a.ex"]}}}), "callable"),
        (
            make_case(
                {"extension": {"origins": ["https://a.ex", {"$callable": ["https://b.ex"]}]}}
            ),
            "callable",
        ),
        (
            make_case(
                {
                    "extension": {
                        "resources": {"/api/*": {"origins": {"$callable": ["https://a.ex"]}}}
                    }
                }
            ),
            "callable",
        ),
        (
            make_case(
                {"extension": {"origins": ["https://a.ex"]}},
                app={"option_mutations": [{"option": "origins", "value": "https://a.ex"}]},
            ),
            "option_mutations",
        ),
        (
            make_case({"extension": {}}, app={"routes": [{"path": "/a", "decorator": "bare"}]}),
            "cross_origin",
        ),
    ],
    ids=[
        "then",
        "then-warns",
        "warns",
        "callable",
        "callable-in-list",
        "callable-in-resource",
        "option-mutations",
        "bare-route",
    ],
)
def test_python_only_format_extensions_are_skipped(case: Case, named: str) -> None:
    assert named in skip_reason(case)


def test_warns_skip_reason_names_the_logger() -> None:
    reason = skip_reason(make_case({"extension": {}}, expect={"warns": ["origins"]}))
    assert "flask_cors logger" in reason


@pytest.mark.parametrize(
    "config",
    [
        {"decorator": "bare"},
        {"decorator": {"origins": ["https://a.ex"]}},
    ],
)
def test_decorator_on_default_routes_is_skipped_bare_or_not(config: Dict[str, Any]) -> None:
    assert "cross_origin" in skip_reason(make_case(config))


def test_bare_decorator_on_a_class_method_is_skipped() -> None:
    route = {
        "path": "/a",
        "style": "method-view",
        "methods": ["GET"],
        "method_decorators": {"get": "bare"},
    }
    skip_reason(make_case({"extension": {}}, app={"routes": [route]}))


def test_a_string_that_only_looks_like_the_tag_is_still_plain_json() -> None:
    """'$callable' as an origin string is an ordinary (regex) string, not the tagged form."""
    neutral = neutral_case(make_case({"extension": {"origins": ["$callable"]}}))
    assert neutral["cors"] == {"origins": [{"regex": "$callable"}]}


def test_every_real_case_with_a_format_extension_is_skipped() -> None:
    def holds(value: Any, predicate: Any) -> bool:
        if predicate(value):
            return True
        if isinstance(value, dict):
            return any(holds(item, predicate) for item in value.values())
        if isinstance(value, list):
            return any(holds(item, predicate) for item in value)
        return False

    found = 0
    for case in REAL.values():
        uses = (
            bool(case.then)
            or "warns" in case.expect
            or "option_mutations" in case.app
            or holds(dict(case.config), lambda v: isinstance(v, dict) and "$callable" in v)
            or holds([dict(case.config), dict(case.app)], lambda v: v == "bare")
        )
        if uses:
            found += 1
            skip_reason(case)
    assert found >= 40


def test_real_flask_only_cases_are_skipped() -> None:
    for case in REAL.values():
        flask_only = set(case.config) - {"extension"} or set(case.app) - {"routes"}
        routes = case.app.get("routes") or []
        decorated = any(r.get("decorator") is not None for r in routes)
        class_or_async = any(
            r.get("style", "function") != "function" or r.get("async") for r in routes
        )
        if flask_only or decorated or class_or_async:
            skip_reason(case)


def test_different_options_per_path_are_skipped() -> None:
    resources = {"/api/*": {"origins": ["https://a.ex"]}, "/public/*": {"origins": "*"}}
    skip_reason(make_case({"extension": {"resources": resources}}))


def test_unknown_option_is_skipped_and_named() -> None:
    assert "supports_credential" in skip_reason(
        make_case({"extension": {"supports_credential": True}})
    )


def test_unknown_option_inside_a_resources_dict_is_skipped() -> None:
    # Flask-CORS has no option 'origin': the neutral form must not carry it as if it had.
    resources = {"/api/*": {"origin": ["https://a.ex"]}}
    assert "origin" in skip_reason(make_case({"extension": {"resources": resources}}))


@pytest.mark.parametrize("value", ["yes", "", None, 2, ["true"]])
def test_invalid_booleans_are_skipped(value: Any) -> None:
    reason = skip_reason(make_case({"extension": {"supports_credentials": value}}))
    assert "supports_credentials" in reason


@pytest.mark.parametrize("value", [-1, 90.5, "abc", "1.5", "-5", True, [600]])
def test_bad_max_age_is_skipped(value: Any) -> None:
    assert "max_age" in skip_reason(make_case({"extension": {"max_age": value}}))


def test_compiled_regex_with_flags_is_skipped() -> None:
    origins = [{"$regex": "(?i)https://app\\.example"}]
    assert "origins" in skip_reason(make_case({"extension": {"origins": origins}}))


@pytest.mark.parametrize("value", [5, {"a": 1}])
def test_values_outside_documented_types_are_skipped(value: Any) -> None:
    assert "origins" in skip_reason(make_case({"extension": {"origins": value}}))


# --- digested values ---------------------------------------------------------------------


@pytest.mark.parametrize("character", list(REGEX_CHARACTERS))
def test_string_with_a_regex_character_is_a_regex(character: str) -> None:
    origin = f"https://a{character}.example"
    assert cors_of({"origins": [origin]}) == {"origins": [{"regex": origin}]}


@pytest.mark.parametrize(
    "origin", ["https://api.example.com", "http://localhost:3000", "https://a+b.ex", "null"]
)
def test_string_without_regex_characters_is_exact(origin: str) -> None:
    assert cors_of({"origins": [origin]}) == {"origins": [{"exact": origin}]}


@pytest.mark.parametrize("origin", ["http://[::1]:8080", "http://[::1]", "https://[2001:db8::1]"])
def test_bracketed_ipv6_origin_is_exact(origin: str) -> None:
    assert cors_of({"origins": [origin]}) == {"origins": [{"exact": origin}]}


def test_bracket_regex_that_is_not_an_ipv6_origin_stays_a_regex() -> None:
    origin = "https://[a-z]+\\.example"
    assert cors_of({"origins": [origin]}) == {"origins": [{"regex": origin}]}


def test_mixed_list_keeps_order_and_kinds() -> None:
    origins = ["https://a.ex", "https://.*\\.b\\.ex", {"$regex": "https://c\\d+\\.ex"}]
    assert cors_of({"origins": origins}) == {
        "origins": [
            {"exact": "https://a.ex"},
            {"regex": "https://.*\\.b\\.ex"},
            {"regex": "https://c\\d+\\.ex"},
        ]
    }


def test_single_string_and_compiled_regex_become_lists() -> None:
    assert cors_of({"origins": "https://a.ex"}) == {"origins": [{"exact": "https://a.ex"}]}
    assert cors_of({"origins": {"$regex": "https://.*"}}) == {"origins": [{"regex": "https://.*"}]}


@pytest.mark.parametrize("option", ["origins", "allow_headers"])
@pytest.mark.parametrize("value", ["*", ["https://a.ex", "*"], ["*"], {"$set": ["*", "X"]}])
def test_star_anywhere_means_any(option: str, value: Any) -> None:
    assert cors_of({option: value}) == {option: "*"}


def test_star_inside_a_pattern_is_not_any() -> None:
    assert cors_of({"origins": "https://*.ex"}) == {"origins": [{"regex": "https://*.ex"}]}


def test_comma_strings_are_lists() -> None:
    assert cors_of({"origins": "https://a.ex, https://b.ex"}) == {
        "origins": [{"exact": "https://a.ex"}, {"exact": "https://b.ex"}]
    }
    assert cors_of({"allow_headers": "X-A,X-B"}) == {
        "allow_headers": [{"exact": "X-A"}, {"exact": "X-B"}]
    }
    assert cors_of({"expose_headers": "X-Total, X-Page"}) == {
        "expose_headers": ["X-Total", "X-Page"]
    }
    assert cors_of({"methods": "get, DELETE"}) == {"methods": ["GET", "DELETE"]}


def test_regex_string_with_a_comma_stays_one_regex() -> None:
    # A string with regex characters is one regex (Flask-CORS's rule); only literal strings
    # are comma-separated lists (README difference 7). A quantifier holds a comma.
    origin = "https://[a-z]{1,8}\\.example"
    assert cors_of({"origins": origin}) == {"origins": [{"regex": origin}]}


def test_set_and_tuple_values() -> None:
    assert cors_of({"origins": {"$set": ["https://b.ex", "https://a.ex"]}}) == {
        "origins": [{"exact": "https://a.ex"}, {"exact": "https://b.ex"}]
    }
    assert cors_of({"expose_headers": {"$tuple": ["X-A", "X-B"]}}) == {
        "expose_headers": ["X-A", "X-B"]
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["get", "Put"], ["GET", "PUT"]),
        ("patch", ["PATCH"]),
        ({"$tuple": ["delete"]}, ["DELETE"]),
        ("*", "*"),
        (["GET", "*"], "*"),
    ],
)
def test_methods_are_upper_case_names_or_star(value: Any, expected: Any) -> None:
    assert cors_of({"methods": value}) == {"methods": expected}


def test_expose_headers_single_string_is_a_list() -> None:
    assert cors_of({"expose_headers": "X-Total"}) == {"expose_headers": ["X-Total"]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (600, 600),
        (0, 0),
        ("3600", 3600),
        ({"$timedelta": 600}, 600),
        ({"$timedelta": 0}, 0),
        (None, None),
    ],
)
def test_max_age_is_an_integer(value: Any, expected: Optional[int]) -> None:
    max_age = cors_of({"max_age": value})["max_age"]
    assert max_age == expected
    assert type(max_age) is type(expected)


def test_timedelta_max_age_counts_its_whole_seconds() -> None:
    # README difference 5 and the compat case max-age/timedelta-whole-seconds: 90.5 s is
    # sent as 90, a configuration Flask-CORS accepts, not one its validation refuses.
    assert cors_of({"max_age": {"$timedelta": 90.5}}) == {"max_age": 90}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("false", False),
        ("False", False),
        ("0", False),
    ],
)
def test_booleans(value: Any, expected: bool) -> None:
    for option in ("supports_credentials", "send_wildcard", "vary_header", "always_send"):
        assert cors_of({option: value})[option] is expected


def test_other_boolean_options() -> None:
    options = {"automatic_options": "0", "intercept_exceptions": "1", "allow_private_network": True}
    assert cors_of(options) == {
        "automatic_options": False,
        "intercept_exceptions": True,
        "allow_private_network": True,
    }


def test_extension_without_options_is_an_empty_dict_and_no_extension_is_none() -> None:
    with_extension = neutral_case(make_case({"extension": {}}))
    assert with_extension["cors"] == {}
    assert with_extension["paths"] is None
    without = neutral_case(make_case({}))
    assert without["cors"] is None
    assert without["paths"] is None


@pytest.mark.parametrize(
    ("resources", "paths"),
    [
        ("/api/*", [{"regex": "/api/*"}]),
        ("/exact/path", [{"exact": "/exact/path"}]),
        (["/api/*", "/files/a b"], [{"regex": "/api/*"}, {"exact": "/files/a b"}]),
        ({"$regex": "/api/v\\d+/.*"}, [{"regex": "/api/v\\d+/.*"}]),
        ({"/api/*": {}}, [{"regex": "/api/*"}]),
        ("/*", None),
        ("*", None),
        (["/*"], None),
        ({"/*": {}}, None),
    ],
)
def test_resources_become_paths(resources: Any, paths: Any) -> None:
    neutral = neutral_case(make_case({"extension": {"resources": resources}}))
    assert neutral["paths"] == paths
    assert neutral["cors"] == {}


def test_resources_dict_options_override_keywords() -> None:
    extension = {
        "origins": ["https://a.ex"],
        "max_age": 600,
        "resources": {"/api/*": {"origins": ["https://b.ex"], "supports_credentials": "true"}},
    }
    neutral = neutral_case(make_case({"extension": extension}))
    assert neutral["paths"] == [{"regex": "/api/*"}]
    assert neutral["cors"] == {
        "origins": [{"exact": "https://b.ex"}],
        "max_age": 600,
        "supports_credentials": True,
    }


def test_resources_dict_with_equal_options_is_merged() -> None:
    same = {"max_age": 5}
    neutral = neutral_case(
        make_case({"extension": {"resources": {"/a/*": dict(same), "/b": dict(same)}}})
    )
    assert neutral["cors"] == {"max_age": 5}
    assert neutral["paths"] == [{"regex": "/a/*"}, {"exact": "/b"}]


@pytest.mark.parametrize(
    ("rule", "path"),
    [
        ("/items/<int:id>", "/items/{id}"),
        ("/api/<name>", "/api/{name}"),
        ("/u/<string:user_id>/p/<slug>", "/u/{user_id}/p/{slug}"),
        ("/plain", "/plain"),
    ],
)
def test_route_parameters_become_names(rule: str, path: str) -> None:
    neutral = neutral_case(make_case({"extension": {}}, app={"routes": [{"path": rule}]}))
    assert neutral["routes"] == [{"path": path, "methods": ["GET"], "view": {}}]


def test_routes_keep_methods_and_view() -> None:
    view = {"status": 204, "body": "", "headers": {"Allow": "GET, OPTIONS"}}
    routes = [
        {"path": "/custom", "methods": ["GET", "OPTIONS"], "view": view},
        {"path": "/boom", "view": {"raise": True}},
        {"path": "/gone", "methods": ["DELETE"], "view": {"abort": 404}},
    ]
    neutral = neutral_case(make_case({"extension": {}}, app={"routes": routes}))
    assert neutral["routes"] == [
        {"path": "/custom", "methods": ["GET", "OPTIONS"], "view": view},
        {"path": "/boom", "methods": ["GET"], "view": {"raise": True}},
        {"path": "/gone", "methods": ["DELETE"], "view": {"abort": 404}},
    ]


def test_default_routes_without_app() -> None:
    assert neutral_case(make_case({"extension": {}}))["routes"] == DEFAULT_ROUTES
    assert neutral_case(make_case({}))["routes"] == DEFAULT_ROUTES


def test_request_and_id_are_carried() -> None:
    headers = {"Origin": "https://a.ex\r\nX-Injected: 1", "Access-Control-Request-Method": "PUT"}
    request = {"method": "OPTIONS", "path": "/api/%2541?x=1", "headers": headers}
    neutral = neutral_case(make_case({"extension": {}}, request=request))
    assert neutral["id"] == "topic/made-up"
    assert neutral["request"] == request
    assert neutral["request"]["headers"] is not headers
    no_headers = neutral_case(make_case({}, request={"method": "GET", "path": "/"}))
    assert no_headers["request"] == {"method": "GET", "path": "/", "headers": {}}


def test_case_is_left_unchanged() -> None:
    extension = {
        "origins": "https://a.ex, https://b.ex",
        "resources": {"/api/*": {"max_age": {"$timedelta": 5}}},
    }
    case = make_case({"extension": extension}, app={"routes": [{"path": "/api/<int:id>"}]})
    before = copy.deepcopy(dict(case.config)), copy.deepcopy(dict(case.app))
    first = neutral_case(case)
    assert (dict(case.config), dict(case.app)) == before
    assert neutral_case(case) == first


# --- the real spec -----------------------------------------------------------------------


def test_readme_example_case() -> None:
    assert neutral_case(REAL["credentials/simple-request-acac-true"]) == {
        "id": "credentials/simple-request-acac-true",
        "cors": {"origins": [{"exact": "https://a.example"}], "supports_credentials": True},
        "paths": None,
        "routes": DEFAULT_ROUTES,
        "request": {"method": "GET", "path": "/items", "headers": {"Origin": "https://a.example"}},
    }


@pytest.mark.parametrize(
    ("case_id", "cors", "paths"),
    [
        (
            "precedence/resource-beats-keywords",
            {"origins": [{"exact": "https://b.example"}]},
            "api",
        ),
        ("resources/compiled-regex-dict-key", {"max_age": 600}, [{"regex": "/api/v\\d+/.*"}]),
        ("origins/ipv6-literal-allowed", {"origins": [{"exact": "http://[::1]:8080"}]}, None),
        ("methods/comma-string", {"methods": ["GET", "DELETE"]}, None),
        ("config-errors/max-age-timedelta-accepted", {"max_age": 3600}, None),
        ("config-errors/max-age-digit-string-accepted", {"max_age": 600}, None),
    ],
)
def test_real_cases(case_id: str, cors: Dict[str, Any], paths: Any) -> None:
    neutral = neutral_case(REAL[case_id])
    assert neutral["cors"] == cors
    assert neutral["paths"] == ([{"regex": "/api/*"}] if paths == "api" else paths)


def test_real_route_with_parameter() -> None:
    routes = neutral_case(REAL["attacks/crlf-in-path-not-logged-raw"])["routes"]
    assert routes == [{"path": "/api/{name}", "methods": ["GET"], "view": {}}]


def test_real_compat_timedelta_case_is_not_skipped() -> None:
    assert neutral_case(REAL["max-age/timedelta-whole-seconds"])["cors"] == {"max_age": 90}


def test_every_real_neutral_case_is_plain_json() -> None:
    played = 0
    for case in REAL.values():
        try:
            neutral = neutral_case(case)
        except SkipCase as reason:
            assert str(reason).strip(), case.id
            continue
        played += 1
        assert json.loads(json.dumps(neutral, allow_nan=False)) == neutral, case.id
        assert set(neutral) == {"id", "cors", "paths", "routes", "request"}, case.id
        assert neutral["id"] == case.id
    assert played >= len(REAL) // 3
