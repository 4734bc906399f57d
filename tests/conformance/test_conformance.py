"""Play every spec case against the implementation chosen with --cors-adapter."""

from __future__ import annotations

from typing import Optional

import pytest

from adapters import Adapter, SkipCase, explain
from cors_spec import Case, failure_message, judge, load_cases
from results import Results, counted, explained_by_rule

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_case(
    case: Case,
    cors_adapter: Adapter,
    cors_results: Results,
    cors_own_profile: Optional[str],
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
    differences = getattr(cors_adapter, "differences", ())
    explained_by = explain(differences, case.id, problems)
    cors_results.record(case, "fail", message, observed, problems, explained_by)
    explaining = counted(differences, case.level, explained_by)
    if all(explaining):
        pytest.xfail(f"explained by {', '.join(sorted({d for ds in explaining for d in ds}))}")
    if explained_by_rule(case.level, case.profiles, cors_own_profile):
        profiles = ", ".join(case.profiles)
        pytest.xfail(f"explained by its own rule ({case.level}; profiles {profiles})")
    pytest.fail(message, pytrace=False)
