"""matrix_report: loading runner reports, checking the matrix and rendering its pages."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import matrix_report
import pytest

from adapters import Difference
from core_spec import load_core_cases
from cors_spec import Observed, load_cases
from results import LEVELS, Results, counted, counts_for, names_protocol_section

#: The spec as the runner plays it (cases with tags and a level, for Results.record) and
#: as the matrix shows it (matrix_report.Entry), parsed once.
SPEC: List[Any] = [*load_core_cases(), *load_cases()]
PLAYED: Dict[str, Any] = {case.id: case for case in SPEC}
ENTRIES = [
    *(matrix_report.Entry.from_core(case) for case in PLAYED.values() if case.tags[0] == "core"),
    *(matrix_report.Entry.from_case(case) for case in PLAYED.values() if case.tags[0] != "core"),
]
BY_ID = {entry.id: entry for entry in ENTRIES}
#: The real loader (the fixture below hands main() the entries parsed here instead).
LOAD_ENTRIES = matrix_report.load_entries


def first(test: Callable[[matrix_report.Entry], bool]) -> Any:
    """The first case (as the runner plays it) the test holds for: the spec changes, so
    the cases are chosen by what they are rather than by id."""
    return PLAYED[next(entry.id for entry in ENTRIES if test(entry))]


#: A profile case both profiles answer alike (Flask-CORS 6 too), and a second one.
COMPAT = first(lambda e: e.level == "profile" and "flask-cors" in e.profiles)
COMPAT_2 = first(
    lambda e: e.level == "profile" and "flask-cors" in e.profiles and e.id != COMPAT.id
)
#: A profile case only this project answers so (a deliberate difference).
REFERENCE_ONLY = first(lambda e: e.level == "profile" and e.profiles == ("reference",))
#: Should cases: one only this project's profile states, one both profiles state.
SHOULD_REFERENCE = first(lambda e: e.level == "should" and e.profiles == ("reference",))
SHOULD_BOTH = first(lambda e: e.level == "should" and "flask-cors" in e.profiles)
#: Must cases: one of the profile file, one of the core; and a should case of the core.
MUST = first(lambda e: e.part == "profile" and e.level == "must")
CORE_MUST = first(lambda e: e.part == "core" and e.level == "must")
CORE_SHOULD = first(lambda e: e.part == "core" and e.level == "should")
SKIPPED = first(lambda e: e.part == "profile" and e.topic == "blueprints")
CRLF = first(lambda e: e.part == "profile" and "crlf" in e.id and "origin" in e.id)

NO_VARY = Difference("no-vary", "documented", "never sends Vary", "toy docs", "^Vary: ")
MAX_AGE = Difference("max-age-600", "protocol", "always caches", "toy.js@1", "Max-Age")
#: A protocol difference naming the Fetch section it breaks, and one naming none.
BAD_ACAO = Difference(
    "bad-acao", "protocol", "Fetch, CORS check: echoes a list", "toy.js@1", "Allow-Origin"
)
VAGUE_ACAO = Difference("vague-acao", "protocol", "Fetch: echoes a list", "toy.js@1", "Allow")
VARY_PROBLEM = "Vary: expected 'Origin' exactly once, got tokens []"
ACAO_PROBLEM = "Access-Control-Allow-Origin: expected exactly one header 'x', got []"


@pytest.fixture(autouse=True)
def parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() gets the cases parsed at import (parsing the spec takes a second)."""
    monkeypatch.setattr(matrix_report, "load_entries", lambda: list(ENTRIES))


def passed(case: Any, headers: Sequence[Tuple[str, str]] = ()) -> Dict[str, Any]:
    results = Results()
    results.record(case, "pass", observed=Observed(status=200, headers=list(headers)))
    return results.records[0]


def skipped(case: Any, reason: str = "a Flask application feature") -> Dict[str, Any]:
    results = Results()
    results.record(case, "skip", reason)
    return results.records[0]


def failed(
    case: Any,
    problems: Sequence[str],
    explained_by: Sequence[Sequence[str]],
    headers: Sequence[Tuple[str, str]] = (),
    status: int = 200,
) -> Dict[str, Any]:
    results = Results()
    observed = Observed(status=status, headers=list(headers))
    results.record(case, "fail", "message\n  - last line", observed, problems, explained_by)
    return results.records[0]


def write_report(
    directory: Path,
    env: str,
    records: Sequence[Dict[str, Any]] = (),
    differences: Sequence[Difference] = (),
    name: Optional[str] = None,
    version: str = "1.0",
    complete: bool = True,
) -> Path:
    """A report as conftest.pytest_sessionfinish writes it; with ``complete``, every case
    not in ``records`` passed."""
    given = {record["id"]: record for record in records}
    results = [
        given.pop(case_id) if case_id in given else passed(case)
        for case_id, case in PLAYED.items()
        if complete or case_id in given
    ]
    results += list(given.values())
    report = {
        "implementation": name or env,
        "version": version,
        "adapter": "toy",
        "differences": [dataclasses.asdict(difference) for difference in differences],
        "results": results,
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{env}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path


def load(path: Path) -> matrix_report.Implementation:
    return matrix_report.Implementation.load(path)


def run_main(reports: Path, tmp_path: Path, *extra: str) -> Tuple[int, str, str]:
    html, md = tmp_path / "out" / "m.html", tmp_path / "out" / "m.md"
    code = matrix_report.main([str(reports), "--html", str(html), "--md", str(md), *extra])
    return code, html.read_text(encoding="utf-8"), md.read_text(encoding="utf-8")


# --- the spec's two parts ----------------------------------------------------------------


def test_entries_cover_both_parts_with_their_levels() -> None:
    entries = LOAD_ENTRIES()
    assert [entry.id for entry in entries] == [entry.id for entry in ENTRIES]
    assert {entry.part for entry in entries} == {"core", "profile"}
    assert {entry.level for entry in entries} == set(LEVELS)
    assert len({entry.id for entry in entries}) == len(entries)
    core = BY_ID[CORE_MUST.id]
    assert (core.part, core.label, core.profiles) == ("core", f"core:{core.topic}", ())
    assert core.fetch is not None and core.verdict is not None
    assert core.scope == "core, must"
    profile = BY_ID[COMPAT.id]
    assert (profile.part, profile.label) == ("profile", profile.topic)
    assert profile.profiles == tuple(COMPAT.profiles)
    assert profile.request == COMPAT.request
    assert profile.scope == f"profile; profiles: {', '.join(COMPAT.profiles)}"


@pytest.mark.parametrize(
    ("summary", "names"),
    [
        ("Fetch, CORS check: ACAO is one origin", True),
        ("breaks Fetch, CORS-preflight fetch (the method check)", True),
        ("RFC 9110, 5.5: no CR or LF in a field value", True),
        ("Fetch: ACAO is one origin", False),
        ("Fetch, Nonexistent section: whatever", False),
        ("RFC 9110 5.5: no comma after the name", False),
        ("a documented choice", False),
    ],
)
def test_a_must_failure_needs_a_named_protocol_section(summary: str, names: bool) -> None:
    assert names_protocol_section(summary) is names
    assert counts_for("must", "protocol", summary) is names
    assert counts_for("must", "documented", summary) is False
    assert counts_for("should", "documented", summary) is True
    assert counts_for("profile", "protocol", summary) is True


def test_the_runner_counts_what_the_matrix_counts() -> None:
    explained_by = [["no-vary", "bad-acao"], ["vague-acao"], []]
    differences = [NO_VARY, VAGUE_ACAO, BAD_ACAO]
    assert counted(differences, "must", explained_by) == [["bad-acao"], [], []]
    assert counted(differences, "should", explained_by) == [
        ["no-vary", "bad-acao"],
        ["vague-acao"],
        [],
    ]


# --- loading -----------------------------------------------------------------------------


def test_load_reads_a_report(tmp_path: Path) -> None:
    path = write_report(
        tmp_path, "spec-toy", [skipped(SKIPPED)], [NO_VARY], name="Toy", version="2"
    )
    impl = load(path)
    assert (impl.env, impl.name, impl.version, impl.adapter) == ("spec-toy", "Toy", "2", "toy")
    assert impl.differences == [dataclasses.asdict(NO_VARY) | {"cases": ["*"]}]
    assert set(impl.results) == set(BY_ID)
    assert impl.results[SKIPPED.id]["outcome"] == "skip"
    assert impl.profile is None


def test_own_profiles_are_known_by_implementation_name(tmp_path: Path) -> None:
    reference = load(write_report(tmp_path, "spec-reference", name="flask-cors-reference"))
    upstream = load(write_report(tmp_path, "spec-flask-cors", name="flask-cors"))
    assert (reference.profile, upstream.profile) == ("reference", "flask-cors")


def test_reports_are_ordered_reference_first_then_flask_cors_then_by_name(tmp_path: Path) -> None:
    for env in ("spec-zeta", "spec-flask-cors", "spec-alpha", "spec-reference"):
        write_report(tmp_path, env, complete=False)
    (tmp_path / "notes.txt").write_text("not a report", encoding="utf-8")
    envs = [impl.env for impl in matrix_report.load_reports(tmp_path)]
    assert envs == ["spec-reference", "spec-flask-cors", "spec-alpha", "spec-zeta"]


def test_counts_count_missing_cases(tmp_path: Path) -> None:
    records = [passed(COMPAT), skipped(SKIPPED), failed(REFERENCE_ONLY, [VARY_PROBLEM], [[]])]
    impl = load(write_report(tmp_path, "spec-toy", records, complete=False))
    counts = impl.counts([COMPAT.id, SKIPPED.id, REFERENCE_ONLY.id, COMPAT_2.id])
    assert counts == {"pass": 1, "skip": 1, "fail": 1, "missing": 1}


# --- failures and what explains them -----------------------------------------------------


def only_failure(
    tmp_path: Path,
    case: Any,
    problems: Sequence[str],
    explained_by: Sequence[Sequence[str]],
    differences: Sequence[Difference] = (),
    name: str = "toy",
) -> matrix_report.Failure:
    impl = load(
        write_report(
            tmp_path, "spec-toy", [failed(case, problems, explained_by)], differences, name
        )
    )
    (failure,) = matrix_report.failures(impl, BY_ID)
    return failure


def test_failures_pair_problems_with_differences(tmp_path: Path) -> None:
    records = [
        failed(COMPAT, [VARY_PROBLEM, ACAO_PROBLEM], [["no-vary"], ["undeclared"]]),
        failed(COMPAT_2, ["Access-Control-Max-Age: '600', expected '5'"], [["max-age-600"]]),
        skipped(SKIPPED),
    ]
    impl = load(write_report(tmp_path, "spec-toy", records, [NO_VARY, MAX_AGE], "flask-cors"))
    found = {failure.case.id: failure for failure in matrix_report.failures(impl, BY_ID)}
    assert set(found) == {COMPAT.id, COMPAT_2.id}
    failure = found[COMPAT.id]
    assert failure.case is BY_ID[COMPAT.id]
    assert failure.implementation is impl
    assert failure.record["outcome"] == "fail"
    assert [problem["text"] for problem in failure.problems] == [VARY_PROBLEM, ACAO_PROBLEM]
    assert [[d["id"] for d in problem["differences"]] for problem in failure.problems] == [
        ["no-vary"],
        [],
    ]
    assert failure.problems[0]["differences"][0]["summary"] == "never sends Vary"
    assert not failure.by_rule  # Flask-CORS's own profile
    assert not failure.explained
    assert found[COMPAT_2.id].explained


def test_failures_ignore_cases_outside_the_mapping(tmp_path: Path) -> None:
    impl = load(write_report(tmp_path, "spec-toy", [failed(COMPAT, [VARY_PROBLEM], [[]])]))
    assert matrix_report.failures(impl, {REFERENCE_ONLY.id: BY_ID[REFERENCE_ONLY.id]}) == []


@pytest.mark.parametrize(
    ("case", "name", "by_rule"),
    [
        # A profile case: explained by its rule outside the implementation's own profile.
        (COMPAT, "toy", True),
        (COMPAT, "flask-cors", False),
        (COMPAT, "flask-cors-reference", False),
        (REFERENCE_ONLY, "toy", True),
        (REFERENCE_ONLY, "flask-cors", True),
        (REFERENCE_ONLY, "flask-cors-reference", False),
        # A should case: only when only this project's profile states it.
        (SHOULD_REFERENCE, "toy", True),
        (SHOULD_REFERENCE, "flask-cors", True),
        (SHOULD_REFERENCE, "flask-cors-reference", False),
        (SHOULD_BOTH, "toy", False),
        (SHOULD_BOTH, "flask-cors", False),
        # Never a must case, nor a case of the core.
        (MUST, "toy", False),
        (CORE_MUST, "toy", False),
        (CORE_SHOULD, "toy", False),
        (CORE_SHOULD, "flask-cors", False),
    ],
)
def test_which_failures_their_own_rule_explains(
    tmp_path: Path, case: Any, name: str, by_rule: bool
) -> None:
    failure = only_failure(tmp_path, case, [VARY_PROBLEM], [[]], name=name)
    assert failure.by_rule is by_rule
    assert failure.explained is by_rule
    assert failure.problems == [{"text": VARY_PROBLEM, "differences": [], "counted": []}]


@pytest.mark.parametrize("case", [MUST, CORE_MUST])
def test_a_must_failure_counts_only_a_protocol_difference_naming_its_section(
    tmp_path: Path, case: Any
) -> None:
    differences = [NO_VARY, VAGUE_ACAO, BAD_ACAO]
    vague = only_failure(tmp_path, case, [ACAO_PROBLEM], [["no-vary", "vague-acao"]], differences)
    assert [d["id"] for d in vague.problems[0]["differences"]] == ["no-vary", "vague-acao"]
    assert vague.problems[0]["counted"] == []
    assert not vague.explained
    named = only_failure(tmp_path, case, [ACAO_PROBLEM], [["no-vary", "bad-acao"]], differences)
    assert [d["id"] for d in named.problems[0]["counted"]] == ["bad-acao"]
    assert named.explained


@pytest.mark.parametrize("case", [SHOULD_BOTH, CORE_SHOULD, COMPAT])
def test_a_should_or_profile_failure_counts_any_difference(tmp_path: Path, case: Any) -> None:
    failure = only_failure(tmp_path, case, [VARY_PROBLEM], [["no-vary"]], [NO_VARY], "flask-cors")
    assert [d["id"] for d in failure.problems[0]["counted"]] == ["no-vary"]
    assert failure.explained


# --- check -------------------------------------------------------------------------------


def check(
    tmp_path: Path, expected: Sequence[str] = (), cases: Optional[Dict[str, Any]] = None
) -> List[str]:
    impls = matrix_report.load_reports(tmp_path)
    return matrix_report.check(impls, BY_ID if cases is None else cases, list(expected))


def test_check_accepts_a_good_matrix(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-reference", name="flask-cors-reference")
    records = [
        failed(COMPAT, [VARY_PROBLEM], [["no-vary"]]),
        failed(COMPAT_2, ["Access-Control-Max-Age: expected absent"], [["max-age-600"]]),
        failed(REFERENCE_ONLY, [VARY_PROBLEM, ACAO_PROBLEM], [["no-vary"], []]),
        failed(SHOULD_REFERENCE, [ACAO_PROBLEM], [[]]),
        failed(CORE_MUST, [ACAO_PROBLEM], [["bad-acao"]]),
        failed(CORE_SHOULD, [VARY_PROBLEM], [["no-vary"]]),
        skipped(SKIPPED),
    ]
    write_report(tmp_path, "spec-toy", records, [NO_VARY, MAX_AGE, BAD_ACAO])
    assert check(tmp_path, ["spec-reference", "spec-toy"]) == []


def test_check_reports_a_missing_expected_report(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-reference")
    errors = check(tmp_path, ["spec-reference", "spec-django"])
    assert len(errors) == 1
    assert "spec-django" in errors[0]


def test_check_reports_unplayed_cases(tmp_path: Path) -> None:
    played = [passed(case) for case_id, case in PLAYED.items() if case_id != CORE_MUST.id]
    write_report(tmp_path, "spec-toy", played, complete=False)
    errors = check(tmp_path)
    assert len(errors) == 1
    assert "spec-toy" in errors[0]
    assert CORE_MUST.id in errors[0]


def test_check_with_a_filtered_case_mapping(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-toy", [passed(COMPAT), skipped(SKIPPED)], complete=False)
    assert check(tmp_path, cases={i: BY_ID[i] for i in (COMPAT.id, SKIPPED.id)}) == []
    errors = check(tmp_path, cases={i: BY_ID[i] for i in (COMPAT.id, REFERENCE_ONLY.id)})
    assert len(errors) == 1
    assert REFERENCE_ONLY.id in errors[0]


@pytest.mark.parametrize("case", [MUST, CORE_MUST, CORE_SHOULD, SHOULD_BOTH])
def test_check_reports_an_unexplained_failure_with_its_level(tmp_path: Path, case: Any) -> None:
    write_report(tmp_path, "spec-toy", [failed(case, [ACAO_PROBLEM], [[]])])
    (error,) = check(tmp_path)
    assert error.startswith(f"spec-toy: {case.id} ({case.level}) unexplained: ")
    assert ACAO_PROBLEM in error


def test_check_reports_a_flask_cors_failure_of_its_own_profile(tmp_path: Path) -> None:
    write_report(
        tmp_path, "spec-flask-cors", [failed(COMPAT, [ACAO_PROBLEM], [[]])], name="flask-cors"
    )
    (error,) = check(tmp_path)
    assert COMPAT.id in error
    write_report(
        tmp_path,
        "spec-flask-cors",
        [failed(REFERENCE_ONLY, [ACAO_PROBLEM], [[]])],
        name="flask-cors",
    )
    assert check(tmp_path) == []


def test_check_reports_a_must_failure_explained_by_a_documented_difference(tmp_path: Path) -> None:
    write_report(
        tmp_path, "spec-toy", [failed(CORE_MUST, [VARY_PROBLEM], [["no-vary"]])], [NO_VARY]
    )
    (error,) = check(tmp_path)
    assert CORE_MUST.id in error
    assert "needs a protocol difference whose summary names the Fetch section" in error
    assert "no-vary" in error


def test_check_reports_a_partly_explained_failure(tmp_path: Path) -> None:
    records = [failed(SHOULD_BOTH, [VARY_PROBLEM, ACAO_PROBLEM], [["no-vary"], []])]
    write_report(tmp_path, "spec-toy", records, [NO_VARY])
    (error,) = check(tmp_path)
    assert SHOULD_BOTH.id in error
    assert ACAO_PROBLEM in error


def test_check_does_not_count_an_undeclared_difference(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-toy", [failed(CORE_SHOULD, [VARY_PROBLEM], [["no-vary"]])])
    (error,) = check(tmp_path)
    assert CORE_SHOULD.id in error


def test_check_flags_a_stale_difference(tmp_path: Path) -> None:
    records = [failed(COMPAT, [VARY_PROBLEM], [["no-vary"]])]
    write_report(tmp_path, "spec-toy", records, [NO_VARY, MAX_AGE])
    (error,) = check(tmp_path)
    assert "max-age-600" in error
    assert "no-vary" not in error


def test_check_reports_every_implementation(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-a", [failed(CORE_MUST, [ACAO_PROBLEM], [[]])])
    write_report(tmp_path, "spec-b", [], [MAX_AGE])
    errors = check(tmp_path, ["spec-a", "spec-b", "spec-c"])
    assert len(errors) == 3
    assert any("spec-a" in e and CORE_MUST.id in e for e in errors)
    assert any("spec-b" in e and "max-age-600" in e for e in errors)
    assert any("spec-c" in e for e in errors)


# --- build_context -----------------------------------------------------------------------


def test_build_context(tmp_path: Path) -> None:
    records = [
        failed(COMPAT, [VARY_PROBLEM], [["no-vary"]]),
        failed(CORE_SHOULD, [VARY_PROBLEM], [["no-vary"]]),
        skipped(SKIPPED, "blueprints"),
        skipped(CRLF, "blueprints"),
        skipped(CORE_MUST, "no such option"),
    ]
    write_report(tmp_path, "spec-toy", records, [NO_VARY])
    write_report(tmp_path, "spec-reference", [passed(COMPAT)], complete=False)
    impls = matrix_report.load_reports(tmp_path)
    context = matrix_report.build_context(impls, ENTRIES)
    assert [impl.env for impl in context["impls"]] == ["spec-reference", "spec-toy"]
    assert context["case_count"] == len(ENTRIES)
    assert context["core_count"] + context["profile_count"] == len(ENTRIES)
    reference, toy = 0, 1
    levels = {label: counts for label, _ids, counts in context["levels"]}
    assert list(levels) == ["must", "should", "profile", "all"]
    assert levels["all"][toy] == {"pass": len(ENTRIES) - 5, "fail": 2, "skip": 3}
    assert levels["all"][reference] == {"pass": 1, "missing": len(ENTRIES) - 1}
    assert levels[CORE_MUST.level][toy]["skip"] >= 1
    assert sum(sum(levels[level][toy].values()) for level in LEVELS) == len(ENTRIES)
    rows = {label: counts for label, _ids, counts in context["rows"]}
    core_topics = sorted({e.topic for e in ENTRIES if e.part == "core"})
    profile_topics = sorted({e.topic for e in ENTRIES if e.part == "profile"})
    assert [label for label, _ids, _counts in context["rows"]] == [
        *(f"core:{topic}" for topic in core_topics),
        *profile_topics,
        "all",
    ]
    assert rows[f"core:{BY_ID[CORE_SHOULD.id].topic}"][toy]["fail"] == 1
    assert rows[BY_ID[COMPAT.id].topic][toy]["fail"] >= 1
    assert rows["all"] == levels["all"]
    assert [detail["case"].id for detail in context["details"]] == [
        entry.id for entry in ENTRIES if entry.id in (COMPAT.id, CORE_SHOULD.id)
    ]
    assert context["skips"]["spec-toy"] == [("blueprints", 2), ("no such option", 1)]
    assert context["skips"]["spec-reference"] == []
    assert context["difference_counts"]["spec-toy"]["no-vary"] == 2
    assert context["outcome_of"](impls[toy], COMPAT.id) == "fail"
    assert context["outcome_of"](impls[reference], CORE_SHOULD.id) == "-"


def test_expected_lines_of_a_core_case_state_the_verdict() -> None:
    lines = matrix_report._expected(BY_ID[CORE_MUST.id])
    verdict = CORE_MUST.verdict
    assert lines[0] == f"the fetch {verdict['outcome']}"
    reached = "reaches" if verdict["reaches_server"] else "does not reach"
    assert lines[1] == f"the actual request {reached} the server"


# --- main and the pages ------------------------------------------------------------------


def bad_matrix(directory: Path) -> None:
    write_report(directory, "spec-reference", name="flask-cors-reference")
    write_report(directory, "spec-toy", [failed(SHOULD_BOTH, [ACAO_PROBLEM], [[]])])


def good_matrix(directory: Path) -> None:
    write_report(directory, "spec-reference", name="flask-cors-reference")
    records = [
        failed(COMPAT, [VARY_PROBLEM], [["no-vary"]], [("Vary", "Accept")]),
        failed(REFERENCE_ONLY, [VARY_PROBLEM], [[]]),
        failed(CORE_MUST, [ACAO_PROBLEM], [["bad-acao"]]),
        skipped(SKIPPED),
    ]
    write_report(directory, "spec-toy", records, [NO_VARY, BAD_ACAO], name="Toy CORS")


def test_main_check_fails_on_a_bad_matrix(tmp_path: Path) -> None:
    bad_matrix(tmp_path / "reports")
    code, html, md = run_main(tmp_path / "reports", tmp_path, "--check")
    assert code == 1
    assert SHOULD_BOTH.id in html
    assert SHOULD_BOTH.id in md


def test_main_without_check_succeeds_on_a_bad_matrix(tmp_path: Path) -> None:
    bad_matrix(tmp_path / "reports")
    code, _html, _md = run_main(tmp_path / "reports", tmp_path)
    assert code == 0


def test_main_check_fails_on_a_missing_expected_report(tmp_path: Path) -> None:
    good_matrix(tmp_path / "reports")
    code, _html, _md = run_main(tmp_path / "reports", tmp_path, "--check", "--expect", "spec-x")
    assert code == 1


def test_main_check_passes_on_a_good_matrix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good_matrix(tmp_path / "reports")
    code, html, md = run_main(
        tmp_path / "reports", tmp_path, "--check", "--expect", "spec-reference", "spec-toy"
    )
    assert code == 0
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert html.rstrip().endswith("</html>")
    assert md.startswith("# ")
    for page in (html, md):
        assert "Toy CORS" in page
        assert COMPAT.id in page
        assert REFERENCE_ONLY.id in page
        assert CORE_MUST.id in page
        assert "never sends Vary" in page
        assert str(len(ENTRIES)) in page
        assert "compat" not in page
        assert "hardening" not in page
    out = capsys.readouterr().out
    assert str(len(ENTRIES)) in out
    assert re.search(r"^must\s", out, re.MULTILINE)
    assert f"core:{BY_ID[CORE_MUST.id].topic}" in out


def test_markdown_implementations_table_counts_each_level(tmp_path: Path) -> None:
    good_matrix(tmp_path / "reports")
    _code, _html, md = run_main(tmp_path / "reports", tmp_path)
    lines = [line for line in md.splitlines() if line.startswith("| ")]
    assert lines[0] == (
        "| implementation | version | adapter | must | should | profile | all | differences |"
    )
    toy = next(line for line in lines if line.startswith("| Toy CORS |"))
    cells = [cell.strip() for cell in toy.strip("|").split("|")]
    total = len(ENTRIES)
    assert cells[6] == f"{total - 4} / 3 / 1"
    assert cells[7] == "2"
    must = sum(1 for e in ENTRIES if e.level == "must")
    assert cells[3] == f"{must - 1} / 1 / 0"


def test_main_without_reports_fails(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert matrix_report.main([str(tmp_path / "empty")]) == 1


def section_of(html: str, case_id: str) -> str:
    section = html[html.index(f'id="case-{case_id.replace("/", "-")}"') :]
    return section[: section.index("</section>")]


def test_pages_explain_each_failure(tmp_path: Path) -> None:
    good_matrix(tmp_path / "reports")
    write_report(tmp_path / "reports", "spec-bad", [failed(SHOULD_BOTH, [ACAO_PROBLEM], [[]])])
    _code, html, md = run_main(tmp_path / "reports", tmp_path)
    section = section_of(html, REFERENCE_ONLY.id)
    assert "explained by the case's own rule" in section
    assert BY_ID[REFERENCE_ONLY.id].rule.replace("'", "&#39;").replace('"', "&#34;") in section
    section = section_of(html, SHOULD_BOTH.id)
    assert "unexplained" in section
    section = section_of(html, COMPAT.id)
    assert 'href="#spec-toy-no-vary"' in section
    assert 'id="spec-toy-no-vary"' in html
    assert "Vary: Accept" in section
    assert "unexplained" not in section
    section = section_of(html, CORE_MUST.id)
    assert 'href="#spec-toy-bad-acao"' in section
    assert "Fetch" in section
    assert "**unexplained**" in md


def test_pages_say_why_a_documented_difference_leaves_a_must_failure_unexplained(
    tmp_path: Path,
) -> None:
    reports = tmp_path / "reports"
    write_report(reports, "spec-toy", [failed(CORE_MUST, [VARY_PROBLEM], [["no-vary"]])], [NO_VARY])
    _code, html, md = run_main(reports, tmp_path)
    section = section_of(html, CORE_MUST.id)
    assert "<strong>unexplained</strong>" in section
    assert "<code>no-vary</code>" in section
    assert "**unexplained** (a `must` failure needs a `protocol` difference" in md


def test_html_escapes_markup_in_values(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    script = "<script>alert(1)</script>"
    acao = ("Access-Control-Allow-Origin", script)
    records = [failed(COMPAT, [f"Access-Control-Allow-Origin: {script!r}"], [[]], [acao])]
    write_report(reports, "spec-toy", records, name="<b>Toy</b>")
    _code, html, _md = run_main(reports, tmp_path)
    assert "<script>" not in html
    assert "<b>Toy</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Toy&lt;/b&gt;" in html


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_escapes_pipes_in_table_cells(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    difference = Difference("pipes", "documented", "sends a|b", "docs | page", "^Vary: ")
    records = [
        failed(COMPAT, [VARY_PROBLEM], [["pipes"]]),
        skipped(SKIPPED, "cannot | express this"),
    ]
    write_report(reports, "spec-toy", records, [difference], name="Toy|CORS", version="1|2")
    _code, _html, md = run_main(reports, tmp_path)
    for text in ("Toy\\|CORS", "1\\|2", "sends a\\|b", "docs \\| page", "cannot \\| express this"):
        assert text in md
    tables: List[List[str]] = []
    previous = False
    for line in md.splitlines():
        row = line.startswith("|")
        if row and not previous:
            tables.append([])
        if row:
            tables[-1].append(line)
        previous = row
    assert len(tables) >= 4
    for table in tables:
        assert len({unescaped_pipes(row) for row in table}) == 1, table


def test_control_characters_are_shown_escaped(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    injected = "https://a.example\r\nX-Injected: 1\x00\x1b"
    headers = [("Access-Control-Allow-Origin", injected), ("X-Injected", "1")]
    problems = ["Access-Control-Allow-Origin: expected absent, got " + repr([injected])]
    write_report(reports, "spec-toy", [failed(CRLF, problems, [[]], headers)])
    _code, html, md = run_main(reports, tmp_path)
    for page in (html, md):
        assert "\r" not in page
        assert "\x00" not in page
        assert "\x1b" not in page
        shown = [line for line in page.splitlines() if "X-Injected: 1\\x00" in line]
        assert shown
        assert all("https://a.example\\r\\nX-Injected" in line for line in shown)


def test_long_values_are_clipped(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    headers = [("Access-Control-Allow-Origin", "y" * 5000)]
    write_report(reports, "spec-toy", [failed(COMPAT, [ACAO_PROBLEM], [[]], headers)])
    _code, html, md = run_main(reports, tmp_path)
    for page in (html, md):
        assert "y" * 5000 not in page
        assert "y" * 200 in page
        assert "5000 characters" in page


def test_setup_error_is_shown_as_the_answer(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    results = Results()
    observed = Observed(setup_error=ValueError("origins must be a list"))
    results.record(COMPAT, "fail", "m", observed, ["setup failed: ValueError: x"], [[]])
    write_report(reports, "spec-toy", results.records)
    _code, html, md = run_main(reports, tmp_path)
    assert "ValueError: origins must be a list" in html
    assert "ValueError: origins must be a list" in md


def tox_result(tmp_path: Path, codes: Dict[str, Any]) -> Path:
    """A file shaped like tox's --result-json: env name -> exit code (None: not run)."""
    envs = {
        env: ({} if code is None else {"result": {"success": code == 0, "exit_code": code}})
        for env, code in codes.items()
    }
    path = tmp_path / "envs.json"
    path.write_text(json.dumps({"reportversion": "1", "testenvs": envs}), encoding="utf-8")
    return path


def test_env_failures_accepts_envs_that_exited_zero(tmp_path: Path) -> None:
    path = tox_result(tmp_path, {"spec-reference": 0, "spec-toy": 0, "py39-flask22": None})
    assert matrix_report.env_failures(path, ["spec-reference", "spec-toy"]) == []


def test_env_failures_names_an_env_that_failed_after_its_report(tmp_path: Path) -> None:
    path = tox_result(tmp_path, {"spec-reference": 0, "spec-toy": 1})
    assert matrix_report.env_failures(path, ["spec-reference", "spec-toy"]) == [
        "spec-toy: exited with 1; see its output"
    ]


def test_env_failures_names_an_env_that_did_not_run(tmp_path: Path) -> None:
    path = tox_result(tmp_path, {"spec-reference": 0, "spec-toy": None})
    (error,) = matrix_report.env_failures(path, ["spec-reference", "spec-toy", "spec-x"])[:1]
    assert error.startswith("spec-toy: not run")
    assert len(matrix_report.env_failures(path, ["spec-toy", "spec-x"])) == 2


def test_env_failures_on_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    for path in (tmp_path / "bad.json", tmp_path / "missing.json"):
        (error,) = matrix_report.env_failures(path, ["spec-toy"])
        assert "cannot read tox's result file" in error


def test_main_check_fails_on_a_failed_env_even_with_good_reports(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    write_report(reports, "spec-reference")
    args = [str(reports), "--check", "--expect", "spec-reference"]
    assert matrix_report.main(args) == 0
    failed_env = tox_result(tmp_path, {"spec-reference": 1})
    assert matrix_report.main([*args, "--tox-result", str(failed_env)]) == 1
