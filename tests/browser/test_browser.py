"""Every spec case with a `browser` field, played in Chromium: the page at the case's
Origin fetches the case's path from the app over HTTPS, and what the script saw and what
reached the app must be what the case's verdict predicts (items are generated in
conftest.py, one per case, named by its id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Tuple, Union

import pytest
from harness import (
    BrowserCase,
    BrowserResults,
    Observation,
    check_consistency,
    describe_observation,
    failure_message,
    judge_verdict,
)

from adapters.flask_api import build_app

if TYPE_CHECKING:
    from chromium import ChromiumSession


def test_case(
    browser_case: BrowserCase,
    chromium_session: ChromiumSession,
    browser_results: BrowserResults,
) -> None:
    browser = browser_results.browser or "chromium"
    try:
        observed, why_not = _play(browser_case, chromium_session)
    except Exception as error:  # a harness or browser crash: in the report, then raised
        browser_results.record(browser_case, "fail", f"harness error: {error!r}")
        raise
    if observed is None:
        browser_results.record(browser_case, "fail", f"{browser}: {why_not}")
        pytest.fail(why_not, pytrace=False)
    problems = judge_verdict(browser_case, observed) + check_consistency(browser_case, observed)
    if not problems:
        browser_results.record(
            browser_case, "pass", describe_observation(browser, browser_case, observed)
        )
        return
    message = failure_message(browser, browser_case, observed, problems)
    browser_results.record(browser_case, "fail", message)
    pytest.fail(message, pytrace=False)


def _play(
    case: BrowserCase, session: ChromiumSession
) -> Union[Tuple[Observation, str], Tuple[None, str]]:
    """What Chromium did with the case, or why the case cannot be played in a browser."""
    from chromium import OriginMismatch

    try:
        app = build_app(case.case)
    except Exception as error:
        return None, f"setting the case's app up failed: {type(error).__name__}: {error}"
    try:
        return session.run(case, app), ""
    except OriginMismatch as error:
        return None, str(error)
