"""Build the conformance matrix (reports/conformance.{html,md}) from the runner's JSON
reports of several implementations, and check that every failure is explained.

The matrix covers both parts of the spec: the neutral core (spec/core, judged by the
browser's verdict) and the Flask-CORS API profile (spec/cases). It counts each
implementation's outcomes per level (`must`, `should`, `profile`), then per topic (a core
topic shown as `core:<topic>`). What explains a failure depends on the case's level:

- `must` (the Fetch Standard or RFC 9110 requires it): only a difference of kind
  `protocol` whose summary names the section it breaks (`Fetch, CORS check`, ...). An
  implementation failing a `must` case for a choice the protocol allows means the case
  is wrong, which no difference can explain.
- `should` (security practice): a difference of either kind, or the case's own rule when
  only this project's profile (`reference`) states it: a deliberate difference from
  Flask-CORS 6 (README, "Differences from Flask-CORS 6").
- `profile` (a choice): a difference, or the case's own rule when the implementation's own
  profile is not among the case's `profiles` (the case states someone else's choice).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import jinja2

from core_spec import CoreCase, load_core_cases
from cors_spec import Case, load_cases
from results import LEVELS, counts_for, explained_by_rule

TEMPLATES = Path(__file__).resolve().parent / "templates"
OUTCOMES = ("pass", "fail", "skip")
#: The report order: this project first, then Flask-CORS, then the others by name.
PREFERRED_ORDER = ("spec-reference", "spec-flask-cors")
#: The profile whose exact answers an implementation gives, by the name in its report;
#: other implementations have none of the profiles.
OWN_PROFILES = {"flask-cors-reference": "reference", "flask-cors": "flask-cors"}
#: Response headers shown in the details besides Access-Control-* and those a case names.
SHOWN_HEADERS = ("vary", "allow")


@dataclass(frozen=True)
class Entry:
    """One case of either part of the spec, as the matrix shows it."""

    id: str
    #: "core" (spec/core) or "profile" (spec/cases, the Flask-CORS API profile).
    part: str
    level: str
    description: str
    rule: str
    topic: str
    #: The profiles whose exact answers the case states (none for a core case).
    profiles: Tuple[str, ...] = ()
    #: The raw request sent (a profile case's, or a core case's `request`), if any.
    request: Optional[Mapping[str, Any]] = None
    #: A core case's `fetch` and `verdict`, if any.
    fetch: Optional[Mapping[str, Any]] = None
    verdict: Optional[Mapping[str, Any]] = None
    expect: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The topic as the matrix shows it: a core topic as ``core:<topic>``, since the
        two parts share topic names."""
        return f"core:{self.topic}" if self.part == "core" else self.topic

    @property
    def scope(self) -> str:
        """The level, and for a profile-file case the profiles that give its answers."""
        if self.part == "core":
            return f"core, {self.level}"
        return f"{self.level}; profiles: {', '.join(self.profiles) or 'none'}"

    @classmethod
    def from_case(cls, case: Case) -> Entry:
        return cls(
            id=case.id,
            part="profile",
            level=case.level,
            description=case.description,
            rule=case.rule or "",
            topic=case.topic,
            profiles=tuple(case.profiles),
            request=case.request,
            expect=case.expect,
        )

    @classmethod
    def from_core(cls, case: CoreCase) -> Entry:
        return cls(
            id=case.id,
            part="core",
            level=case.level,
            description=case.description,
            rule=case.rule,
            topic=case.topic,
            request=case.request,
            fetch=case.fetch,
            verdict=case.verdict,
            expect=case.expect or {},
        )


def load_entries() -> List[Entry]:
    """Every case of the spec: the core's, then the profile's, each in file order."""
    return [Entry.from_core(case) for case in load_core_cases()] + [
        Entry.from_case(case) for case in load_cases()
    ]


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

    @property
    def profile(self) -> Optional[str]:
        """The profile whose exact answers this implementation gives, if any."""
        return OWN_PROFILES.get(self.name)

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
    case: Entry
    record: Dict[str, Any]
    #: Per problem: its text, the differences (dicts) that match it, and those of them
    #: that may explain it at the case's level ("counted").
    problems: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def by_rule(self) -> bool:
        """Whether the case's own rule explains the failure: a `profile` case that leaves
        out the implementation's own profile, or a `should` case that only this
        project's profile states (a deliberate difference from Flask-CORS 6). Never a
        `must` case, nor a case of the core (which has no profiles)."""
        case = self.case
        return explained_by_rule(
            case.level, case.profiles, self.implementation.profile, case.part == "core"
        )

    @property
    def explained(self) -> bool:
        """Explained by its own rule, or every problem by a difference that counts."""
        return self.by_rule or all(p["counted"] for p in self.problems)


def load_reports(directory: Path) -> List[Implementation]:
    """Every report in ``directory``, in report order."""
    found = [Implementation.load(path) for path in sorted(directory.glob("*.json"))]
    rank = {env: index for index, env in enumerate(PREFERRED_ORDER)}
    return sorted(found, key=lambda impl: (rank.get(impl.env, len(rank)), impl.env))


def failures(impl: Implementation, cases: Mapping[str, Entry]) -> List[Failure]:
    """The implementation's failing cases, each problem paired with its differences."""
    by_id = {difference["id"]: difference for difference in impl.differences}
    found = []
    for case_id, record in impl.results.items():
        if record["outcome"] != "fail" or case_id not in cases:
            continue
        failure = Failure(impl, cases[case_id], record)
        for problem in record.get("problems", []):
            matching = [by_id[i] for i in problem["explained_by"] if i in by_id]
            failure.problems.append(
                {
                    "text": problem["text"],
                    "differences": matching,
                    "counted": [
                        d
                        for d in matching
                        if counts_for(failure.case.level, d["kind"], d["summary"])
                    ],
                }
            )
        found.append(failure)
    return found


def check(
    impls: Sequence[Implementation], cases: Mapping[str, Entry], expected: Sequence[str]
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
            if failure.explained:
                continue
            problem = next(p for p in failure.problems if not p["counted"])
            case = failure.case
            error = f"{impl.env}: {case.id} ({case.level}) unexplained: {problem['text']}"
            if problem["differences"]:
                ids = ", ".join(d["id"] for d in problem["differences"])
                error += (
                    f" (a must failure needs a protocol difference whose summary names the "
                    f"Fetch section it breaks; {ids} does not)"
                )
            errors.append(error)
        used = {d["id"] for f in found for p in f.problems for d in p["differences"]}
        for difference in impl.differences:
            if difference["id"] not in used:
                errors.append(f"{impl.env}: difference {difference['id']} explains no failure")
    return errors


def build_context(impls: Sequence[Implementation], cases: Sequence[Entry]) -> Dict[str, Any]:
    """Everything the templates show."""
    by_id = {case.id: case for case in cases}
    all_ids = [case.id for case in cases]
    levels = [(level, [c.id for c in cases if c.level == level]) for level in LEVELS] + [
        ("all", all_ids)
    ]
    core_topics = sorted({c.topic for c in cases if c.part == "core"})
    profile_topics = sorted({c.topic for c in cases if c.part == "profile"})
    groups = [
        (f"core:{topic}", [c.id for c in cases if c.part == "core" and c.topic == topic])
        for topic in core_topics
    ] + [
        (topic, [c.id for c in cases if c.part == "profile" and c.topic == topic])
        for topic in profile_topics
    ]
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
        "core_count": sum(1 for c in cases if c.part == "core"),
        "profile_count": sum(1 for c in cases if c.part == "profile"),
        "levels": [(level, ids, [impl.counts(ids) for impl in impls]) for level, ids in levels],
        "rows": [
            (label, ids, [impl.counts(ids) for impl in impls])
            for label, ids in groups + [("all", all_ids)]
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


def _expected(case: Entry) -> List[str]:
    """What the case expects, one fact a line: the browser's verdict, then the answer's."""
    lines = []
    verdict = case.verdict or {}
    if verdict:
        lines.append(f"the fetch {verdict['outcome']}")
        reached = "reaches" if verdict["reaches_server"] else "does not reach"
        lines.append(f"the actual request {reached} the server")
        for key in ("status", "preflights"):
            if key in verdict:
                lines.append(f"{key} {verdict[key]}")
        lines += [
            f"script reads {name}: {value}" for name, value in verdict.get("readable", {}).items()
        ]
        lines += [f"script reads {name} as null" for name in verdict.get("unreadable", [])]
    expect = case.expect
    if "status" in expect:
        lines.append(f"status {expect['status']}")
    lines += [f"{name}: {value}" for name, value in expect.get("headers", {}).items()]
    lines += [f"{name}: (present)" for name in expect.get("present", [])]
    lines += [f"{name}: (absent)" for name in expect.get("absent", [])]
    lines += [
        f"{name}: absent or one of {values}" for name, values in expect.get("only", {}).items()
    ]
    lines += [f"Vary includes {token}" for token in expect.get("vary_includes", [])]
    lines += [f"Vary excludes {token}" for token in expect.get("vary_excludes", [])]
    if "body" in expect:
        lines.append(f"body {expect['body']!r}")
    if "answered_within_ms" in expect:
        lines.append(f"answered within {expect['answered_within_ms']} ms")
    return lines


def _shown_headers(case: Entry, record: Dict[str, Any]) -> List[str]:
    """The actual answer (a core fetch's last one), cut to what matters for CORS: the
    status, Access-Control-*, Vary, Allow and every header the case names."""
    actual = record.get("actual") or {}
    if "status" not in actual:
        return [next(iter(actual.values()), "no response recorded")]
    named = {
        name.lower()
        for key in ("headers", "present", "absent", "only")
        for name in case.expect.get(key, [])
    }
    named |= {name.lower() for name in (case.fetch or {}).get("read", [])}
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
    cases = load_entries()
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
