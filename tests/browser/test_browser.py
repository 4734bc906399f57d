"""Every spec case with a `browser` field, and every case of the neutral core, played in
Chromium: the page at the case's Origin fetches the case's path from the app over HTTPS,
and what the script saw and what reached the app must be what the case's verdict
predicts. The runner's model of the Fetch Standard (verdict.py) plays the same fetch
against the same app, and must reach the same verdict: both are shown (items are
generated in conftest.py, one per case, named by its id)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
from typing import TYPE_CHECKING, List, Tuple, Union

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

from adapters.flask_api import FlaskCorsApiAdapter, build_app
from core_spec import judge_verdict as judge_model_verdict
from fetch_terms import Fetch, Request, Response, Verdict
from verdict import play

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
    model = model_verdict(browser_case)
    problems = judge_verdict(browser_case, observed) + check_consistency(browser_case, observed)
    problems += [
        f"model: {problem}" for problem in judge_model_verdict(browser_case.verdict, model)
    ]
    shown = (
        f"{describe_observation(browser, browser_case, observed)} | model: {describe_model(model)}"
    )
    if not problems:
        browser_results.record(browser_case, "pass", shown)
        return
    message = failure_message(browser, browser_case, observed, problems) + f"\n{shown}"
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


def model_verdict(case: BrowserCase) -> Verdict:
    """What the model of the Fetch Standard predicts for the case's fetch, each request it
    sends answered by the case's app. In a thread of its own: Playwright runs an event
    loop in this one, where the app's async views could not run."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(_model_verdict, case).result()


def _model_verdict(case: BrowserCase) -> Verdict:
    adapter = FlaskCorsApiAdapter()

    def send(request: Request) -> Response:
        wire = {"method": request.method, "path": request.path, "headers": dict(request.headers)}
        observed = adapter.run(dataclasses.replace(case.case, request=wire))
        return Response(status=observed.status, headers=tuple(observed.headers))

    fetch = case.fetch
    return play(
        Fetch(
            origin=case.origin,
            path=case.case.request["path"],
            method=case.method,
            headers=tuple(dict(fetch.get("headers") or {}).items()),
            credentials=fetch.get("credentials", "same-origin"),
            mode=fetch.get("mode", "cors"),
            body=fetch.get("body"),
            read=tuple(case.read),
            times=case.times,
        ),
        send,
    )


def describe_model(verdict: Verdict) -> str:
    """One line, in the words describe_observation uses for the browser."""
    parts: List[str] = [
        f"fetch {verdict.outcome}" + (f" {verdict.status}" if verdict.status else "")
    ]
    parts.append(
        "actual request " + ("reached" if verdict.reaches_server else "did not reach") + " server"
    )
    parts.append(f"{verdict.preflights} preflight{'' if verdict.preflights == 1 else 's'}")
    if verdict.readable:
        parts.append(", ".join(f"{name}={value!r}" for name, value in verdict.readable.items()))
    return "; ".join(parts)
