"""What adapters share to tell the spec's parts apart, and what explains a failure by the
case's own rule (the runner and matrix_report.py agree through results.py)."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple

import pytest

from adapters import SkipCase, core_route_answering_options, is_core
from adapters.flask_cors_pypi import FlaskCors6Adapter
from adapters.neutral import neutral_case
from core_spec import CoreCase, as_case, load_core_cases
from cors_spec import load_cases
from results import explained_by_rule

CORE = {case.id: case for case in load_core_cases()}
PROFILE = load_cases()


def first_request(core: CoreCase) -> Dict[str, Any]:
    """A request of the case as the runner sends one (its raw request, or a GET)."""
    if core.request is not None:
        return dict(core.request)
    assert core.fetch is not None
    return {"method": "GET", "path": core.fetch.get("path", "/"), "headers": {}}


def core_case(test: Any) -> CoreCase:
    return next(case for case in CORE.values() if test(case))


def test_core_requests_are_told_from_the_profiles_cases() -> None:
    core = next(iter(CORE.values()))
    assert is_core(as_case(core, first_request(core)))
    assert not any(is_core(case) for case in PROFILE)


def test_a_core_route_answering_options_is_found() -> None:
    answering = core_case(
        lambda c: any("OPTIONS" in route.get("methods", []) for route in c.routes or [])
    )
    path = core_route_answering_options(as_case(answering, first_request(answering)))
    assert path is not None
    assert any(path.startswith(route["path"].split("{")[0]) for route in answering.routes or [])
    plain = core_case(lambda c: not c.routes)
    assert core_route_answering_options(as_case(plain, first_request(plain))) is None


def test_a_profile_route_listing_options_is_not_a_core_route() -> None:
    listing = [
        case
        for case in PROFILE
        if any("OPTIONS" in route.get("methods", []) for route in case.app.get("routes", []))
    ]
    assert listing
    assert all(core_route_answering_options(case) is None for case in listing)


@pytest.mark.parametrize(
    ("level", "profiles", "own", "core", "explained"),
    [
        ("profile", ("flask-cors", "reference"), None, False, True),
        ("profile", ("flask-cors", "reference"), "flask-cors", False, False),
        ("profile", ("reference",), "flask-cors", False, True),
        ("profile", ("reference",), "reference", False, False),
        ("should", ("reference",), None, False, True),
        ("should", ("reference",), "flask-cors", False, True),
        ("should", ("reference",), "reference", False, False),
        ("should", ("flask-cors", "reference"), None, False, False),
        ("must", ("flask-cors", "reference"), None, False, False),
        ("must", (), None, True, False),
        ("should", (), None, True, False),
    ],
)
def test_explained_by_rule(
    level: str, profiles: Tuple[str, ...], own: Optional[str], core: bool, explained: bool
) -> None:
    assert explained_by_rule(level, profiles, own, core) is explained


@pytest.mark.parametrize(
    ("test", "reason"),
    [
        (lambda c: c.policy["methods"] == "*", "methods '*'"),
        (lambda c: c.policy["max_age"] == 0, "max_age 0"),
    ],
)
def test_flask_cors_6_skips_what_it_cannot_express(test: Any, reason: str) -> None:
    core = core_case(test)
    with pytest.raises(SkipCase, match=reason):
        FlaskCors6Adapter().run(as_case(core, first_request(core)))


def test_flask_cors_6_differences_name_core_cases_only() -> None:
    adapter = FlaskCors6Adapter()
    profile_ids = {case.id for case in PROFILE}
    for difference in adapter.differences:
        assert difference.cases, difference.id
        assert set(difference.cases) <= set(CORE), difference.id
        assert not set(difference.cases) & profile_ids, difference.id


def test_every_core_case_has_a_neutral_form_or_a_reason() -> None:
    """The core's policies need nothing outside the neutral form's vocabulary but for the
    skips core_spec names itself; its default routes are the catch-all `*`."""
    for core in CORE.values():
        try:
            neutral = neutral_case(as_case(core, first_request(core)))
        except SkipCase as reason:
            assert "Flask-CORS's option vocabulary" in str(reason), (core.id, reason)
            continue
        assert neutral["cors"] is not None
        assert isinstance(neutral["cors"]["expose_headers"], list), core.id
        if not core.routes:
            assert [route["path"] for route in neutral["routes"]] == ["/", "*"], core.id
