"""matrix_report: loading runner reports, checking the matrix and rendering its pages."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import matrix_report
import pytest

from adapters import Difference
from cors_spec import Observed, load_cases
from results import Results

CASES = load_cases()
BY_ID = {case.id: case for case in CASES}
COMPAT = BY_ID["origins/literal-list-allows-listed"]
COMPAT_2 = BY_ID["max-age/int"]
HARDENING = BY_ID["vary/single-literal-origin"]
CRLF = BY_ID["attacks/crlf-in-origin-rejected-by-literal-list"]
SKIPPED = BY_ID["blueprints/blueprint-route-gets-headers"]

NO_VARY = Difference("no-vary", "documented", "never sends Vary", "toy docs", "^Vary: ")
MAX_AGE = Difference("max-age-600", "protocol", "always caches", "toy.js@1", "Max-Age")
VARY_PROBLEM = "Vary: expected 'Origin' exactly once, got tokens []"
ACAO_PROBLEM = "Access-Control-Allow-Origin: expected exactly one header 'x', got []"


@pytest.fixture(autouse=True)
def parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() gets the cases parsed at import (parsing the spec takes a second)."""
    monkeypatch.setattr(matrix_report, "load_cases", lambda: list(CASES))


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
        given.pop(case.id, None) or passed(case) for case in CASES if complete or case.id in given
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


def test_reports_are_ordered_reference_first_then_flask_cors_then_by_name(tmp_path: Path) -> None:
    for env in ("spec-zeta", "spec-flask-cors", "spec-alpha", "spec-reference"):
        write_report(tmp_path, env, complete=False)
    (tmp_path / "notes.txt").write_text("not a report", encoding="utf-8")
    envs = [impl.env for impl in matrix_report.load_reports(tmp_path)]
    assert envs == ["spec-reference", "spec-flask-cors", "spec-alpha", "spec-zeta"]


def test_counts_count_missing_cases(tmp_path: Path) -> None:
    records = [passed(COMPAT), skipped(SKIPPED), failed(HARDENING, [VARY_PROBLEM], [[]])]
    impl = load(write_report(tmp_path, "spec-toy", records, complete=False))
    counts = impl.counts([COMPAT.id, SKIPPED.id, HARDENING.id, COMPAT_2.id])
    assert counts == {"pass": 1, "skip": 1, "fail": 1, "missing": 1}


# --- failures ----------------------------------------------------------------------------


def test_failures_pair_problems_with_differences(tmp_path: Path) -> None:
    records = [
        failed(COMPAT, [VARY_PROBLEM, ACAO_PROBLEM], [["no-vary"], ["undeclared"]]),
        failed(COMPAT_2, ["Access-Control-Max-Age: '600', expected '5'"], [["max-age-600"]]),
        skipped(SKIPPED),
    ]
    impl = load(write_report(tmp_path, "spec-toy", records, [NO_VARY, MAX_AGE]))
    found = {failure.case.id: failure for failure in matrix_report.failures(impl, BY_ID)}
    assert set(found) == {COMPAT.id, COMPAT_2.id}
    first = found[COMPAT.id]
    assert first.case is COMPAT
    assert first.implementation is impl
    assert first.record["outcome"] == "fail"
    assert [problem["text"] for problem in first.problems] == [VARY_PROBLEM, ACAO_PROBLEM]
    assert [[d["id"] for d in problem["differences"]] for problem in first.problems] == [
        ["no-vary"],
        [],
    ]
    assert first.problems[0]["differences"][0]["summary"] == "never sends Vary"
    assert not first.explained
    assert found[COMPAT_2.id].explained


def test_failures_ignore_cases_outside_the_mapping(tmp_path: Path) -> None:
    impl = load(write_report(tmp_path, "spec-toy", [failed(COMPAT, [VARY_PROBLEM], [[]])]))
    assert matrix_report.failures(impl, {HARDENING.id: HARDENING}) == []


def test_hardening_failure_is_explained_without_differences(tmp_path: Path) -> None:
    impl = load(write_report(tmp_path, "spec-toy", [failed(HARDENING, [VARY_PROBLEM], [[]])]))
    (failure,) = matrix_report.failures(impl, BY_ID)
    assert failure.problems == [{"text": VARY_PROBLEM, "differences": []}]
    assert failure.explained


# --- check -------------------------------------------------------------------------------


def check(
    tmp_path: Path, expected: Sequence[str] = (), cases: Optional[Dict[str, Any]] = None
) -> List[str]:
    impls = matrix_report.load_reports(tmp_path)
    return matrix_report.check(impls, BY_ID if cases is None else cases, list(expected))


def test_check_accepts_a_good_matrix(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-reference")
    records = [
        failed(COMPAT, [VARY_PROBLEM], [["no-vary"]]),
        failed(COMPAT_2, ["Access-Control-Max-Age: expected absent"], [["max-age-600"]]),
        failed(HARDENING, [VARY_PROBLEM, ACAO_PROBLEM], [["no-vary"], []]),
        skipped(SKIPPED),
    ]
    write_report(tmp_path, "spec-toy", records, [NO_VARY, MAX_AGE])
    assert check(tmp_path, ["spec-reference", "spec-toy"]) == []


def test_check_reports_a_missing_expected_report(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-reference")
    errors = check(tmp_path, ["spec-reference", "spec-django"])
    assert len(errors) == 1
    assert "spec-django" in errors[0]


def test_check_reports_unplayed_cases(tmp_path: Path) -> None:
    played = [passed(case) for case in CASES if case.id not in (COMPAT.id, HARDENING.id)]
    write_report(tmp_path, "spec-toy", played, complete=False)
    errors = check(tmp_path)
    assert len(errors) == 1
    assert "spec-toy" in errors[0]
    assert COMPAT.id in errors[0] or HARDENING.id in errors[0]


def test_check_with_a_filtered_case_mapping(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-toy", [passed(COMPAT), skipped(SKIPPED)], complete=False)
    assert check(tmp_path, cases={COMPAT.id: COMPAT, SKIPPED.id: SKIPPED}) == []
    errors = check(tmp_path, cases={COMPAT.id: COMPAT, HARDENING.id: HARDENING})
    assert len(errors) == 1
    assert HARDENING.id in errors[0]


def test_check_reports_an_unexplained_compat_failure(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-toy", [failed(COMPAT, [ACAO_PROBLEM], [[]])])
    errors = check(tmp_path)
    assert len(errors) == 1
    assert "spec-toy" in errors[0]
    assert COMPAT.id in errors[0]
    assert ACAO_PROBLEM in errors[0]


def test_check_reports_a_partly_explained_compat_failure(tmp_path: Path) -> None:
    records = [failed(COMPAT, [VARY_PROBLEM, ACAO_PROBLEM], [["no-vary"], []])]
    write_report(tmp_path, "spec-toy", records, [NO_VARY])
    errors = check(tmp_path)
    assert len(errors) == 1
    assert COMPAT.id in errors[0]
    assert ACAO_PROBLEM in errors[0]


def test_check_does_not_count_an_undeclared_difference(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-toy", [failed(COMPAT, [VARY_PROBLEM], [["no-vary"]])])
    errors = check(tmp_path)
    assert len(errors) == 1
    assert COMPAT.id in errors[0]


def test_check_accepts_a_hardening_failure_without_differences(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-toy", [failed(HARDENING, [VARY_PROBLEM, ACAO_PROBLEM], [[], []])])
    assert check(tmp_path, ["spec-toy"]) == []


def test_check_flags_a_stale_difference(tmp_path: Path) -> None:
    records = [failed(COMPAT, [VARY_PROBLEM], [["no-vary"]])]
    write_report(tmp_path, "spec-toy", records, [NO_VARY, MAX_AGE])
    errors = check(tmp_path)
    assert len(errors) == 1
    assert "max-age-600" in errors[0]
    assert "no-vary" not in errors[0]


def test_check_reports_every_implementation(tmp_path: Path) -> None:
    write_report(tmp_path, "spec-a", [failed(COMPAT, [ACAO_PROBLEM], [[]])])
    write_report(tmp_path, "spec-b", [], [MAX_AGE])
    errors = check(tmp_path, ["spec-a", "spec-b", "spec-c"])
    assert len(errors) == 3
    assert any("spec-a" in e and COMPAT.id in e for e in errors)
    assert any("spec-b" in e and "max-age-600" in e for e in errors)
    assert any("spec-c" in e for e in errors)


# --- build_context -----------------------------------------------------------------------


def test_build_context(tmp_path: Path) -> None:
    records = [
        failed(COMPAT, [VARY_PROBLEM], [["no-vary"]]),
        failed(HARDENING, [VARY_PROBLEM], [["no-vary"]]),
        skipped(SKIPPED, "blueprints"),
        skipped(CRLF, "blueprints"),
        skipped(COMPAT_2, "max_age"),
    ]
    write_report(tmp_path, "spec-toy", records, [NO_VARY])
    write_report(tmp_path, "spec-reference", [passed(COMPAT)], complete=False)
    impls = matrix_report.load_reports(tmp_path)
    context = matrix_report.build_context(impls, CASES)
    assert [impl.env for impl in context["impls"]] == ["spec-reference", "spec-toy"]
    assert context["case_count"] == len(CASES)
    rows = {label: counts for label, _ids, counts in context["rows"]}
    topics = sorted({case.topic for case in CASES})
    assert [label for label, _ids, _counts in context["rows"]] == [
        *topics,
        "compat",
        "hardening",
        "all",
    ]
    reference, toy = 0, 1
    assert rows["all"][toy] == {"pass": len(CASES) - 5, "fail": 2, "skip": 3}
    assert rows["all"][reference] == {"pass": 1, "missing": len(CASES) - 1}
    assert rows["vary"][toy]["fail"] == 1
    compat = sum(1 for case in CASES if case.kind == "compat")
    assert sum(rows["compat"][toy].values()) == compat
    assert [detail["case"].id for detail in context["details"]] == [
        case.id for case in CASES if case.id in (COMPAT.id, HARDENING.id)
    ]
    assert context["skips"]["spec-toy"] == [("blueprints", 2), ("max_age", 1)]
    assert context["skips"]["spec-reference"] == []
    assert context["difference_counts"]["spec-toy"]["no-vary"] == 2
    assert context["outcome_of"](impls[toy], COMPAT.id) == "fail"
    assert context["outcome_of"](impls[reference], HARDENING.id) == "-"


# --- main and the pages ------------------------------------------------------------------


def bad_matrix(directory: Path) -> None:
    write_report(directory, "spec-reference")
    write_report(directory, "spec-toy", [failed(COMPAT, [ACAO_PROBLEM], [[]])])


def good_matrix(directory: Path) -> None:
    write_report(directory, "spec-reference")
    records = [
        failed(COMPAT, [VARY_PROBLEM], [["no-vary"]], [("Vary", "Accept")]),
        failed(HARDENING, [VARY_PROBLEM], [[]]),
        skipped(SKIPPED),
    ]
    write_report(directory, "spec-toy", records, [NO_VARY], name="Toy CORS")


def test_main_check_fails_on_a_bad_matrix(tmp_path: Path) -> None:
    bad_matrix(tmp_path / "reports")
    code, html, md = run_main(tmp_path / "reports", tmp_path, "--check")
    assert code == 1
    assert COMPAT.id in html
    assert COMPAT.id in md


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
        assert HARDENING.id in page
        assert "never sends Vary" in page
        assert str(len(CASES)) in page
    assert str(len(CASES)) in capsys.readouterr().out


def test_main_without_reports_fails(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert matrix_report.main([str(tmp_path / "empty")]) == 1


def test_pages_explain_each_failure(tmp_path: Path) -> None:
    good_matrix(tmp_path / "reports")
    write_report(tmp_path / "reports", "spec-bad", [failed(COMPAT_2, [ACAO_PROBLEM], [[]])])
    _code, html, md = run_main(tmp_path / "reports", tmp_path)
    section = html[html.index(f'id="case-{HARDENING.id.replace("/", "-")}"') :]
    section = section[: section.index("</section>")]
    assert "hardening" in section
    assert HARDENING.rule in section
    section = html[html.index(f'id="case-{COMPAT_2.id.replace("/", "-")}"') :]
    section = section[: section.index("</section>")]
    assert "unexplained" in section
    section = html[html.index(f'id="case-{COMPAT.id.replace("/", "-")}"') :]
    section = section[: section.index("</section>")]
    assert 'href="#spec-toy-no-vary"' in section
    assert 'id="spec-toy-no-vary"' in html
    assert "Vary: Accept" in section
    assert "unexplained" not in section
    assert "**unexplained**" in md


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
