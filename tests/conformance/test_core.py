"""Play every case of the spec's neutral core against the implementation chosen with
--cors-adapter, judged by the browser's verdict and by the case's header-level facts."""

from __future__ import annotations

from typing import List

import pytest

from adapters import Adapter, SkipCase, explain
from core_spec import (
    AdapterFailure,
    CoreCase,
    judge_request,
    judge_verdict,
    load_core_cases,
    play_fetch,
)
from cors_spec import Observed
from results import Results, counted

CASES = load_core_cases()


def core_message(case: CoreCase, observed: List[Observed], problems: List[str]) -> str:
    """A readable report: the case, what the browser did, and what each answer held."""
    lines = [
        f"case {case.id} ({case.file}, {case.level}): {case.description}",
        f"rule: {case.rule}",
    ]
    if case.fetch is not None:
        lines.append(f"fetch: {dict(case.fetch)!r}")
    for number, answer in enumerate(observed, 1):
        lines.append(f"answer {number}: {answer.status}")
        lines.extend(f"  < {name}: {value!r}" for name, value in answer.headers)
    lines.append("problems:")
    lines.extend(f"  - {problem}" for problem in problems)
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_core_case(
    case: CoreCase,
    cors_adapter: Adapter,
    cors_results: Results,
) -> None:
    problems: List[str] = []
    observed: List[Observed] = []
    try:
        if case.fetch is not None and case.verdict is not None:
            try:
                verdict, observed = play_fetch(case, cors_adapter)
                problems += judge_verdict(case.verdict, verdict)
            except AdapterFailure as error:
                problems.append(f"the implementation could not answer: {error}")
        if case.request is not None:
            found, answer = judge_request(case, cors_adapter)
            problems += found
            observed.append(answer)
    except SkipCase as reason:
        cors_results.record(case, "skip", str(reason))
        pytest.skip(str(reason))
    if not problems:
        cors_results.record(case, "pass", observed=observed[-1] if observed else None)
        return
    message = core_message(case, observed, problems)
    differences = getattr(cors_adapter, "differences", ())
    explained_by = explain(differences, case.id, problems)
    cors_results.record(
        case, "fail", message, observed[-1] if observed else None, problems, explained_by
    )
    explaining = counted(differences, case.level, explained_by)
    if all(explaining):
        pytest.xfail(f"explained by {', '.join(sorted({d for ds in explaining for d in ds}))}")
    pytest.fail(message, pytrace=False)
