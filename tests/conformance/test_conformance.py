"""Play every spec case against the implementation chosen with --cors-adapter."""

from __future__ import annotations

import pytest

from adapters import Adapter, SkipCase, explain
from cors_spec import Case, failure_message, judge, load_cases
from results import Results

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(
    case: Case, cors_adapter: Adapter, cors_results: Results, request: pytest.FixtureRequest
) -> None:
    try:
        observed = cors_adapter.run(case)
    except SkipCase as reason:
        cors_results.record(case, "skip", str(reason))
        pytest.skip(str(reason))
    problems = judge(case, observed)
    if not problems:
        cors_results.record(case, "pass", observed=observed)
        return
    message = failure_message(case, observed, problems)
    explained_by = explain(getattr(cors_adapter, "differences", ()), case.id, problems)
    cors_results.record(case, "fail", message, observed, problems, explained_by)
    if all(explained_by):
        pytest.xfail(f"explained by {', '.join(sorted({d for ds in explained_by for d in ds}))}")
    if case.kind == "hardening" and request.config.getoption("--cors-hardening-may-fail"):
        pytest.xfail(f"hardening case: {problems[0][:200]}")
    pytest.fail(message, pytrace=False)
