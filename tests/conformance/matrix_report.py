"""Build the conformance matrix (reports/conformance.{html,md}) from the runner's JSON
reports of several implementations, and check that every failure is explained."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

import jinja2

from cors_spec import Case, load_cases

TEMPLATES = Path(__file__).resolve().parent / "templates"
OUTCOMES = ("pass", "fail", "skip")
#: The report order: this project first, then Flask-CORS, then the others by name.
PREFERRED_ORDER = ("spec-reference", "spec-flask-cors")
#: Response headers shown in the details besides Access-Control-* and those a case names.
SHOWN_HEADERS = ("vary", "allow")


@dataclass
class Implementation:
    """One implementation's run of the spec, as its JSON report gives it."""

    env: str
    name: str
    version: str
    adapter: str
    differences: List[Dict[str, Any]]
    results: Dict[str, Dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> Implementation:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            env=path.stem,
            name=raw["implementation"],
            version=raw["version"],
            adapter=raw.get("adapter", ""),
            differences=raw.get("differences", []),
            results={record["id"]: record for record in raw["results"]},
        )

    def counts(self, case_ids: Sequence[str]) -> Counter[str]:
        """Outcome counts over some cases; a case missing from the report counts as 'missing'."""
        return Counter(
            self.results[case_id]["outcome"] if case_id in self.results else "missing"
            for case_id in case_ids
        )


@dataclass
class Failure:
    """One implementation failing one case, with what explains each problem."""

    implementation: Implementation
    case: Case
    record: Dict[str, Any]
    #: Per problem: its text and the differences (dicts) that explain it.
    problems: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def explained(self) -> bool:
        """Every problem explained by a difference, or the case is a hardening case (its
        rule, a documented decision of this project, is the explanation)."""
        return self.case.kind == "hardening" or all(p["differences"] for p in self.problems)


def load_reports(directory: Path) -> List[Implementation]:
    """Every report in ``directory``, in report order."""
    found = [Implementation.load(path) for path in sorted(directory.glob("*.json"))]
    rank = {env: index for index, env in enumerate(PREFERRED_ORDER)}
    return sorted(found, key=lambda impl: (rank.get(impl.env, len(rank)), impl.env))


def failures(impl: Implementation, cases: Mapping[str, Case]) -> List[Failure]:
    """The implementation's failing cases, each problem paired with its differences."""
    by_id = {difference["id"]: difference for difference in impl.differences}
    found = []
    for case_id, record in impl.results.items():
        if record["outcome"] != "fail" or case_id not in cases:
            continue
        failure = Failure(impl, cases[case_id], record)
        for problem in record.get("problems", []):
            failure.problems.append(
                {
                    "text": problem["text"],
                    "differences": [by_id[i] for i in problem["explained_by"] if i in by_id],
                }
            )
        found.append(failure)
    return found


def check(
    impls: Sequence[Implementation], cases: Mapping[str, Case], expected: Sequence[str]
) -> List[str]:
    """Why the matrix is not acceptable: missing reports, cases not played, unexplained
    failures, and differences that explain nothing (stale)."""
    errors = [f"no report for {env}" for env in expected if env not in {i.env for i in impls}]
    for impl in impls:
        missing = sorted(set(cases) - set(impl.results))
        if missing:
            errors.append(f"{impl.env}: {len(missing)} cases not played, e.g. {missing[0]}")
        found = failures(impl, cases)
        for failure in found:
            if not failure.explained:
                unexplained = [p["text"] for p in failure.problems if not p["differences"]]
                errors.append(f"{impl.env}: {failure.case.id} unexplained: {unexplained[0]}")
        used = {d["id"] for f in found for p in f.problems for d in p["differences"]}
        for difference in impl.differences:
            if difference["id"] not in used:
                errors.append(f"{impl.env}: difference {difference['id']} explains no failure")
    return errors


def build_context(impls: Sequence[Implementation], cases: Sequence[Case]) -> Dict[str, Any]:
    """Everything the templates show."""
    by_id = {case.id: case for case in cases}
    topics = sorted({case.topic for case in cases})
    groups = [(topic, [c.id for c in cases if c.topic == topic]) for topic in topics]
    totals = [
        (kind, [c.id for c in cases if c.kind == kind]) for kind in ("compat", "hardening")
    ] + [("all", [c.id for c in cases])]
    all_failures = {impl.env: failures(impl, by_id) for impl in impls}
    details = []
    for case in cases:
        failing = [f for impl in impls for f in all_failures[impl.env] if f.case.id == case.id]
        if failing:
            details.append({"case": case, "failures": failing, "expected": _expected(case)})
    skips = {}
    for impl in impls:
        reasons = Counter(r["message"] for r in impl.results.values() if r["outcome"] == "skip")
        skips[impl.env] = reasons.most_common()
    difference_counts = {
        impl.env: Counter(
            d["id"] for f in all_failures[impl.env] for p in f.problems for d in p["differences"]
        )
        for impl in impls
    }
    return {
        "impls": impls,
        "case_count": len(cases),
        "rows": [
            (label, ids, [impl.counts(ids) for impl in impls]) for label, ids in groups + totals
        ],
        "topic_count": len(groups),
        "outcomes": OUTCOMES,
        "failures": all_failures,
        "details": details,
        "skips": skips,
        "difference_counts": difference_counts,
        "shown_headers": _shown_headers,
        "outcome_of": lambda impl, case_id: impl.results.get(case_id, {}).get("outcome", "-"),
        "cases": cases,
    }


def _expected(case: Case) -> List[str]:
    expect = case.expect
    lines = []
    if "status" in expect:
        lines.append(f"status {expect['status']}")
    lines += [f"{name}: {value}" for name, value in expect.get("headers", {}).items()]
    lines += [f"{name}: (present)" for name in expect.get("present", [])]
    lines += [f"{name}: (absent)" for name in expect.get("absent", [])]
    lines += [f"Vary includes {token}" for token in expect.get("vary_includes", [])]
    lines += [f"Vary excludes {token}" for token in expect.get("vary_excludes", [])]
    if "body" in expect:
        lines.append(f"body {expect['body']!r}")
    return lines


def _shown_headers(case: Case, record: Dict[str, Any]) -> List[str]:
    """The actual answer, cut to what matters for CORS: the status, Access-Control-*,
    Vary, Allow and every header the case names."""
    actual = record.get("actual") or {}
    if "status" not in actual:
        return [next(iter(actual.values()), "no response recorded")]
    named = {
        name.lower()
        for key in ("headers", "present", "absent")
        for name in case.expect.get(key, [])
    }
    lines = [f"status {actual['status']}"]
    for name, value in actual["headers"]:
        lowered = name.lower()
        if lowered.startswith("access-control-") or lowered in SHOWN_HEADERS or lowered in named:
            lines.append(f"{name}: {_clip(value)}")
    return lines


def _clip(value: Any, limit: int = 200) -> str:
    """A value fit for one line of a report: control characters escaped, clipped."""
    value = str(value)
    shown = value.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(value)} characters)"


def render(context: Mapping[str, Any], template: str) -> str:
    """One template rendered (HTML templates autoescaped)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["shown"] = _clip
    return environment.get_template(template).render(**context)


def env_failures(result_json: Path, expected: Sequence[str]) -> List[str]:
    """The expected envs that did not run, or exited non-zero, per tox's ``--result-json``
    file: a report can be complete while its env failed afterwards."""
    try:
        envs = json.loads(result_json.read_text(encoding="utf-8"))["testenvs"]
    except (OSError, ValueError, KeyError) as error:
        return [f"cannot read tox's result file {result_json}: {error}"]
    errors = []
    for env in expected:
        result = (envs.get(env) or {}).get("result")
        if result is None:
            errors.append(f"{env}: not run (no result in {result_json.name})")
        elif result.get("exit_code") != 0:
            errors.append(f"{env}: exited with {result.get('exit_code')}; see its output")
    return errors


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reports", type=Path, help="directory of the runner's JSON reports")
    parser.add_argument("--html", type=Path, help="write the HTML page here")
    parser.add_argument("--md", type=Path, help="write the Markdown page here")
    parser.add_argument(
        "--expect",
        nargs="*",
        default=[],
        help="report names (tox envs) that must be present; with --check",
    )
    parser.add_argument(
        "--tox-result",
        type=Path,
        help="tox's --result-json file for the implementation envs; with --check, an "
        "expected env that exited non-zero fails the check (e.g. an error after its "
        "report was written)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 on a missing report, an unplayed case, an unexplained failure or a "
        "difference that explains nothing",
    )
    args = parser.parse_args(argv)
    cases = load_cases()
    impls = load_reports(args.reports)
    if not impls:
        print(f"no reports in {args.reports}", file=sys.stderr)
        return 1
    context = build_context(impls, cases)
    for path, template in ((args.html, "conformance.html.j2"), (args.md, "conformance.md.j2")):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(context, template), encoding="utf-8")
            print(f"wrote {path}")
    print(render(context, "summary.txt.j2"), end="")
    if args.check:
        errors = check(impls, {case.id: case for case in cases}, args.expect)
        if args.tox_result:
            errors += env_failures(args.tox_result, args.expect)
        for error in errors:
            print(f"matrix check: {error}", file=sys.stderr)
        return 1 if errors else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
