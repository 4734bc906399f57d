"""The runner's format extensions: `expect.warns`, `{$callable: [...]}`, `decorator: bare`,
`app.option_mutations` and several requests against one app (`then`), each in the
schema, the judge and the Flask adapter."""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Mapping, Optional, Sequence

import jsonschema
import pytest

from adapters.flask_api import FlaskCorsApiAdapter, WarningCapture, build_app
from cors_spec import (
    SCHEMA_PATH,
    Case,
    Observed,
    allow_list,
    decode_value,
    failure_message,
    header_values,
    judge,
    sent_request,
)

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
ADAPTER = FlaskCorsApiAdapter()
A = "https://a.example"
B = "https://b.example"
ACAO = "Access-Control-Allow-Origin"


def make_case(
    config: Optional[Mapping[str, Any]] = None,
    app: Optional[Mapping[str, Any]] = None,
    request: Optional[Mapping[str, Any]] = None,
    expect: Optional[Mapping[str, Any]] = None,
    then: Sequence[Mapping[str, Any]] = (),
) -> Case:
    return Case(
        id="topic/made-up",
        description="A case built by the test.",
        tags=("origins",),
        config=config if config is not None else {"extension": {}},
        request=request or get(A),
        expect=expect if expect is not None else {"status": 200},
        app=app or {},
        then=tuple(then),
        level="profile",
        profiles=("reference",),
    )


def get(origin: Optional[str] = None, path: str = "/items", method: str = "GET") -> Dict[str, Any]:
    headers = {} if origin is None else {"Origin": origin}
    return {"method": method, "path": path, "headers": headers}


def preflight(origin: str, method: str = "PUT", path: str = "/items") -> Dict[str, Any]:
    headers = {"Origin": origin, "Access-Control-Request-Method": method}
    return {"method": "OPTIONS", "path": path, "headers": headers}


def acao(observed: Observed) -> List[str]:
    return [value for name, value in observed.headers if name.lower() == ACAO.lower()]


def raw_case(**fields: Any) -> Dict[str, Any]:
    """A minimal case file entry, for schema checks."""
    case: Dict[str, Any] = {
        "id": "origins/made-up",
        "description": "A case built by the test.",
        "level": "profile",
        "profiles": ["reference"],
        "tags": ["origins"],
        "rule": "README difference 26: made up for the test.",
        "config": {"extension": {}},
        "request": get(A),
        "expect": {"status": 200},
    }
    case.update(fields)
    return case


def schema_errors(*cases: Dict[str, Any]) -> List[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [error.message for error in validator.iter_errors(list(cases))]


# --- $callable ---------------------------------------------------------------------------


def test_callable_tag_decodes_to_an_exact_allow_list() -> None:
    check = decode_value({"$callable": [A, "https://c.example"]})
    assert callable(check)
    assert check(A) is True
    assert check("https://c.example") is True
    assert check(B) is False
    assert check("https://A.example") is False  # compared exactly, as sent
    assert check.__name__ == "allow_listed"


def test_callable_tag_nested_in_a_list_and_a_resource() -> None:
    decoded = decode_value({"/api/*": {"origins": [A, {"$callable": [B]}]}})
    literal, check = decoded["/api/*"]["origins"]
    assert literal == A
    assert check(B) is True and check(A) is False


def test_allow_list_copies_what_it_is_given() -> None:
    origins = [A]
    check = allow_list(origins)
    origins.append(B)
    assert check(B) is False


def test_callable_in_origins_grants_and_refuses_through_the_adapter() -> None:
    config = {"extension": {"origins": {"$callable": [A]}}}
    observed = ADAPTER.run(
        make_case(config, request=get(A), then=[{"request": get(B), "expect": {}}])
    )
    assert acao(observed) == [A]
    assert observed.then is not None
    assert acao(observed.then[0]) == []


@pytest.mark.parametrize(
    "value", [{"$callable": A}, {"$callable": [1]}, {"$callable": [A], "x": 1}]
)
def test_schema_refuses_malformed_callables(value: Any) -> None:
    assert schema_errors(raw_case(config={"extension": {"origins": value}}))


# --- decorator: bare ---------------------------------------------------------------------


def test_bare_decorator_on_the_default_routes() -> None:
    observed = ADAPTER.run(make_case({"decorator": "bare"}))
    assert acao(observed) == [A]


@pytest.mark.parametrize(
    "route",
    [
        {"path": "/items", "decorator": "bare"},
        {"path": "/items", "style": "view", "methods": ["GET", "PUT"], "decorator": "bare"},
        {"path": "/items", "style": "method-view", "methods": ["GET", "PUT"], "decorator": "bare"},
        {
            "path": "/items",
            "style": "method-view",
            "methods": ["GET", "PUT"],
            "method_decorators": {"put": "bare"},
        },
    ],
)
def test_bare_decorator_answers_preflights_wherever_it_is_written(route: Dict[str, Any]) -> None:
    observed = ADAPTER.run(make_case({}, app={"routes": [route]}, request=preflight(A)))
    assert observed.status == 200
    assert acao(observed) == [A]


def test_bare_decorator_is_the_decorator_itself() -> None:
    """`bare` must reach cross_origin as cross_origin(view), never as cross_origin()."""
    app = build_app(make_case({}, app={"routes": [{"path": "/items", "decorator": "bare"}]}))
    view = app.view_functions[next(name for name in app.view_functions if name != "static")]
    assert getattr(view, "cors_source", None) is not None


@pytest.mark.parametrize("place", ["config", "route", "method"])
def test_schema_accepts_bare_and_only_that_word(place: str) -> None:
    def case_with(spec: Any) -> Dict[str, Any]:
        if place == "config":
            return raw_case(config={"decorator": spec})
        route: Dict[str, Any] = {"path": "/items", "decorator": spec}
        if place == "method":
            route = {
                "path": "/items",
                "style": "view",
                "method_decorators": {"dispatch_request": spec},
            }
        return raw_case(config={}, app={"routes": [route]})

    assert not schema_errors(case_with("bare"))
    assert not schema_errors(case_with({"origins": [A]}))
    assert schema_errors(case_with("Bare"))
    assert schema_errors(case_with(True))


# --- option_mutations --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "mutation", "path"),
    [
        ({"extension": {"origins": [A, B]}}, {"option": "origins", "value": B}, "/items"),
        (
            {"extension": {"origins": [A, B]}, "init_app": {}},
            {"place": "extension", "option": "origins", "value": B},
            "/items",
        ),
        (
            {"extension": {}, "init_app": {"origins": [A, B]}},
            {"place": "init_app", "option": "origins", "value": B},
            "/items",
        ),
        (
            {"decorator": {"origins": [A, B]}},
            {"place": "decorator", "option": "origins", "value": B},
            "/items",
        ),
        (
            {"extension": {"resources": {"/api/*": {"origins": [A, B]}}}},
            {"option": "resources", "at": ["/api/*", "origins"], "value": B},
            "/api/items",
        ),
    ],
)
def test_option_mutations_reach_the_objects_passed(
    config: Dict[str, Any], mutation: Dict[str, Any], path: str
) -> None:
    """The mutation happens in the very list the case's code passed: the adapter's own
    record of it no longer holds the value, and this project, which copies options at
    setup (README difference 10), still grants it."""
    case = make_case(config, app={"option_mutations": [mutation]}, request=get(B, path))
    observed = ADAPTER.run(case)
    assert acao(observed) == [B]


def test_option_mutation_of_a_value_not_passed_fails_loudly() -> None:
    case = make_case(
        {"extension": {"origins": [A]}},
        app={"option_mutations": [{"option": "origins", "value": B}]},
    )
    with pytest.raises(ValueError):
        build_app(case)


def test_option_mutations_change_the_keywords_both_default_routes_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Both default routes are decorated with one dict of keywords, so one mutation reaches
    the list every route was given."""
    import flask_cors

    seen: List[Any] = []
    original = flask_cors.cross_origin

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("origins"))
        return original(*args, **kwargs)

    monkeypatch.setattr(flask_cors, "cross_origin", spy)
    mutation = {"place": "decorator", "option": "origins", "value": B}
    build_app(make_case({"decorator": {"origins": [A, B]}}, app={"option_mutations": [mutation]}))
    assert len(seen) == 2
    assert seen[0] is seen[1]
    assert seen[0] == [A]


def test_schema_of_option_mutations() -> None:
    good = {"option": "origins", "value": B, "place": "init_app", "at": []}
    assert not schema_errors(raw_case(app={"option_mutations": [good]}))
    assert schema_errors(raw_case(app={"option_mutations": [{"option": "origins"}]}))
    assert schema_errors(raw_case(app={"option_mutations": [dict(good, place="blueprint")]}))


# --- expect.warns ------------------------------------------------------------------------


def observed_with(warnings: Optional[List[str]]) -> Observed:
    return Observed(status=200, warnings=warnings)


@pytest.mark.parametrize(
    ("words", "warnings", "ok"),
    [
        (
            ["origins", "null"],
            ["CORS origins allows the origin 'null', which any page can send"],
            True,
        ),
        (["origins", "null"], ["about origins", "about null"], False),  # one message, every word
        (["Origins"], ["CORS origins allows ..."], False),  # case included
        (["origins"], [], False),
        ([], [], True),
        ([], ["anything"], False),
        (["origins"], None, False),  # not captured
        ([], None, False),
    ],
)
def test_judge_warns(words: List[str], warnings: Optional[List[str]], ok: bool) -> None:
    problems = judge(make_case(expect={"warns": words}), observed_with(warnings))
    assert (problems == []) is ok, problems


def test_warnings_are_captured_from_setup_to_the_end_of_the_request() -> None:
    """origins '*' with credentials warns when CORS(app) is called, before any request."""
    observed = ADAPTER.run(make_case({"extension": {"supports_credentials": True}}))
    assert observed.warnings is not None
    assert any("supports_credentials" in message for message in observed.warnings)


def test_a_safe_configuration_captures_an_empty_list_not_none() -> None:
    observed = ADAPTER.run(make_case({"extension": {"origins": [A]}}))
    assert observed.warnings == []


def test_warnings_of_a_setup_error_are_kept() -> None:
    config = {"app_config": {"CORS_ORIGIN": [A]}, "extension": {"origins": "localhost:3000"}}
    observed = ADAPTER.run(make_case(config))
    assert observed.setup_error is not None
    assert observed.warnings is not None


def test_warning_capture_sees_warnings_only_and_restores_the_logger() -> None:
    logger = logging.getLogger("flask_cors")
    before = (logger.level, logger.disabled, list(logger.handlers))
    logger.setLevel(logging.ERROR)  # an app that silenced the package's warnings
    logger.disabled = True
    try:
        with WarningCapture("flask_cors") as capture:
            logging.getLogger("flask_cors.policy").info("an info record")
            logger.warning("a %s record", "warning")
            logger.error("an error record")
        assert capture.messages == ["a warning record", "an error record"]
        assert logger.level == logging.ERROR
        assert logger.disabled is True
        assert capture not in logger.handlers
    finally:
        logger.setLevel(before[0])
        logger.disabled = before[1]
    assert list(logger.handlers) == before[2]


def test_schema_forbids_warns_beside_setup_error() -> None:
    expect = {"setup_error": {"type": "ValueError"}, "warns": []}
    assert schema_errors(raw_case(expect=expect))
    assert not schema_errors(raw_case(expect={"warns": []}))
    assert schema_errors(raw_case(expect={"warns": [""]}))


# --- then: several requests against one app ----------------------------------------------


def test_then_steps_go_to_the_same_app_after_config_changes() -> None:
    then: List[Dict[str, Any]] = [
        {"config_changes": {"CORS_ORIGINS": [A, B]}, "request": get(B), "expect": {}},
        {"config_removals": [{"key": "CORS_ORIGINS", "value": B}], "request": get(B), "expect": {}},
    ]
    case = make_case(
        {"app_config": {"CORS_ORIGINS": [A]}, "extension": {}}, request=get(B), then=then
    )
    observed = ADAPTER.run(case)
    assert acao(observed) == []
    assert observed.then is not None
    assert [acao(step) for step in observed.then] == [[B], []]


def test_then_config_changes_are_decoded() -> None:
    then = [
        {
            "config_changes": {"CORS_MAX_AGE": {"$timedelta": 90}},
            "request": preflight(A),
            "expect": {},
        }
    ]
    observed = ADAPTER.run(make_case(request=get(A), then=then))
    assert observed.then is not None
    assert dict(observed.then[0].headers)["Access-Control-Max-Age"] == "90"


def test_each_step_has_its_own_warnings() -> None:
    then = [
        {"request": get(A), "expect": {}},
        {"config_changes": {"CORS_ORIGINS": [A, "null"]}, "request": get(A), "expect": {}},
    ]
    observed = ADAPTER.run(make_case({"extension": {"supports_credentials": True}}, then=then))
    assert observed.warnings and observed.then is not None
    assert observed.then[0].warnings == []
    assert any("'null'" in message for message in observed.then[1].warnings or [])


def test_judge_prefixes_the_problems_of_each_step() -> None:
    then = [
        {"request": get(B), "expect": {"status": 200}},
        {"request": get(B), "expect": {"status": 404, "absent": [ACAO]}},
    ]
    case = make_case(expect={"status": 201}, then=then)
    answer = Observed(status=200, headers=[(ACAO, B)])
    problems = judge(case, Observed(status=200, then=[answer, answer]))
    assert problems == [
        "status 200, expected 201",
        "then[2]: status 200, expected 404",
        f"then[2]: {ACAO}: expected absent, got ['{B}']",
    ]


@pytest.mark.parametrize("played", [None, [], [Observed(status=200)] * 3])
def test_judge_fails_an_adapter_that_did_not_play_every_step(played: Any) -> None:
    case = make_case(then=[{"request": get(B), "expect": {}}, {"request": get(A), "expect": {}}])
    problems = judge(case, Observed(status=200, then=played))
    assert len(problems) == 1
    assert "further requests (then)" in problems[0]


def test_judge_reports_a_step_that_raised() -> None:
    case = make_case(then=[{"request": get(B), "expect": {"status": 200}}])
    crashed = Observed(request_error=RuntimeError("boom"))
    problems = judge(case, Observed(status=200, then=[crashed]))
    assert problems == ["then[1]: the request raised RuntimeError: boom"]


def test_a_setup_error_ends_the_case_before_its_steps() -> None:
    case = make_case(then=[{"request": get(B), "expect": {"status": 200}}])
    problems = judge(case, Observed(setup_error=ValueError("bad origins")))
    assert problems == ["setup failed: ValueError: bad origins"]


def test_failure_message_shows_each_step_and_its_answer() -> None:
    then = [
        {
            "config_changes": {"CORS_ORIGINS": [B]},
            "request": get(B),
            "expect": {"headers": {ACAO: B}},
        }
    ]
    case = make_case(then=then)
    observed = Observed(status=200, warnings=["a warning"], then=[Observed(status=500)])
    message = failure_message(case, observed, ["then[1]: status 500"])
    assert "then[1]:" in message
    assert "app.config['CORS_ORIGINS'] = ['https://b.example']" in message
    assert "actual: 500" in message
    assert "warning: 'a warning'" in message


def test_schema_of_then() -> None:
    step = {"request": get(B), "expect": {"status": 200}}
    assert not schema_errors(raw_case(then=[step]))
    assert not schema_errors(raw_case(then=[dict(step, config_changes={"CORS_ORIGINS": [B]})]))
    assert schema_errors(raw_case(then=[]))
    assert schema_errors(raw_case(then=[{"request": get(B)}]))
    assert schema_errors(raw_case(then=[dict(step, config_changes={"cors_origins": [B]})]))
    assert schema_errors(raw_case(then=[dict(step, expect={"setup_error": {"type": "any"}})]))
    setup_error = {"setup_error": {"type": "ValueError"}}
    assert schema_errors(raw_case(expect=setup_error, then=[step]))
    assert not schema_errors(raw_case(expect=setup_error))


def test_case_without_then_still_judges_as_before() -> None:
    observed = ADAPTER.run(make_case(expect={"status": 200, "headers": {ACAO: A}}))
    assert observed.then == []
    assert judge(make_case(expect={"status": 200, "headers": {ACAO: A}}), observed) == []


# --- request field lines: a list of pairs when a name repeats -----------------------------


def test_schema_takes_headers_as_a_mapping_or_as_field_lines() -> None:
    request_schema = SCHEMA["$defs"]["request"]
    validator = jsonschema.Draft202012Validator({**request_schema, "$defs": SCHEMA["$defs"]})
    lines = [["Origin", A], ["Origin", B]]
    assert validator.is_valid({"method": "GET", "path": "/", "headers": {"Origin": A}})
    assert validator.is_valid({"method": "GET", "path": "/", "headers": lines})
    for bad in ([["Origin"]], [["Origin", A, B]], [["", A]], [[1, A]], [], "Origin: x"):
        assert not validator.is_valid({"method": "GET", "path": "/", "headers": bad}), bad


def test_repeated_field_lines_are_kept_in_order_and_combined_for_a_mapping() -> None:
    sent = sent_request(
        {"method": "GET", "path": "/", "headers": [["Origin", A], ["X-A", "1"], ["origin", B]]}
    )
    assert sent["header_lines"] == [("Origin", A), ("X-A", "1"), ("origin", B)]
    # RFC 9110, 5.3: one value per name, the lines' values joined by ", " in order.
    assert sent["headers"] == {"Origin": f"{A}, {B}", "X-A": "1"}
    assert sent_request(sent) == sent  # adapters may normalize a request again


def test_flask_adapter_hands_the_app_repeated_origin_lines_combined() -> None:
    """Under WSGI an app sees one combined Origin, which is not one origin: no grant, even
    though each line alone names an allowed origin."""
    lines = [["Origin", A], ["Origin", B]]
    case = make_case(
        config={"extension": {"origins": [A, B]}},
        request={"method": "GET", "path": "/items", "headers": lines},
        expect={"status": 200, "absent": [ACAO]},
    )
    assert judge(case, ADAPTER.run(case)) == []
    alone = make_case(config={"extension": {"origins": [A, B]}}, request=get(B))
    assert header_values(ADAPTER.run(alone), ACAO) == [B]


# --- route shapes and decorator forms the mutation cases needed ---------------------------


def test_schema_takes_the_route_shapes_only_where_they_mean_something() -> None:
    route_schema = {**SCHEMA["$defs"]["route"], "$defs": SCHEMA["$defs"]}
    valid = jsonschema.Draft202012Validator(route_schema).is_valid
    assert valid({"path": "/a", "required_methods": ["PUT"], "view_name": "items"})
    assert valid({"path": "/a", "style": "method-view", "class_methods": True})
    assert valid({"path": "/a", "style": "method-view", "options_view": {"status": 204}})
    assert valid({"path": "/a", "view": {"echo": True}})
    assert not valid({"path": "/a", "class_methods": True})  # no class to set it on
    assert not valid({"path": "/a", "style": "view", "options_view": {}})
    assert not valid({"path": "/a", "view_name": "not a name"})
    decorator = {**SCHEMA["$defs"]["decorator"], "$defs": SCHEMA["$defs"]}
    valid = jsonschema.Draft202012Validator(decorator).is_valid
    assert valid({"$positional": [A]}) and valid({"origins": [A]}) and valid("bare")
    assert not valid({"$positional": [A], "origins": [A]})
    assert not valid({"$positional": []})


def test_echo_view_reports_what_it_was_called_with() -> None:
    case = make_case(
        config={},
        app={"routes": [{"path": "/items/<item_id>", "view": {"echo": True}}]},
        request={"method": "GET", "path": "/items/7", "headers": {}},
        expect={"status": 200, "body": "positional=0;item_id=7"},
    )
    assert judge(case, ADAPTER.run(case)) == []


@pytest.mark.parametrize(
    "shape, error",
    [("async", "async"), ("async-generator", "async"), ("async-wrapped-loop", "async"),
     ("two-arguments", "one argument")],
)  # fmt: skip
def test_callable_shapes_a_user_could_wrongly_pass_fail_setup(shape: str, error: str) -> None:
    value = decode_value({"$callable": {"shape": shape, "allow": [A]}})
    case = make_case(
        config={"extension": {"origins": [value]}},
        expect={"setup_error": {"type": "TypeError", "mentions": ["origins", error]}},
    )
    assert judge(case, ADAPTER.run(case)) == []


@pytest.mark.parametrize("shape", ["function", "partial", "object", "wrapped-loop"])
def test_callable_shapes_that_decide_allow_exactly_their_list(shape: str) -> None:
    check = decode_value({"$callable": {"shape": shape, "allow": [A]}})
    assert (check(A), check(B)) == (True, False)


def test_error_handler_items_give_a_status_or_answer_with_another() -> None:
    app_schema = {**SCHEMA["$defs"]["app"], "$defs": SCHEMA["$defs"]}
    valid = jsonschema.Draft202012Validator(app_schema).is_valid
    assert valid({"error_handlers": [404, {"code": 404, "status": 200}]})
    assert not valid({"error_handlers": [{"code": 404}]})
    assert not valid({"error_handlers": [{"code": 200, "status": 200}]})  # not an error
    for handler, status in ((404, 404), ({"code": 404, "status": 200}, 200)):
        case = make_case(
            config={},
            app={
                "routes": [{"path": "/items", "view": {"abort": 404}}],
                "error_handlers": [handler],
            },
            request={"method": "GET", "path": "/items", "headers": {}},
            expect={"status": status, "body": "handled"},
        )
        assert judge(case, ADAPTER.run(case)) == []


@pytest.mark.parametrize(
    ("raised", "wanted", "ok"),
    [(ValueError("x"), "ValueError", True), (TypeError("x"), "ValueError", False),
     (type("Both", (ValueError, TypeError), {})("x"), "TypeError", True),
     (type("Both", (ValueError, TypeError), {})("x"), "ValueError", True),
     (KeyError("x"), "any", True)],
)  # fmt: skip
def test_setup_error_type_is_judged_as_an_except_clause_would(
    raised: BaseException, wanted: str, ok: bool
) -> None:
    case = make_case(expect={"setup_error": {"type": wanted}})
    assert (judge(case, Observed(setup_error=raised)) == []) is ok
