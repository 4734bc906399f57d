"""The outcome of every case played in a session, shared by the runner's hooks and tests."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any, Dict, List, Optional, Sequence

from adapters import Adapter, Difference
from cors_spec import SOURCES_PATH, read_yaml

#: The spec's levels (spec/README.md): required by Fetch, security practice, one choice.
LEVELS = ("must", "should", "profile")
#: The profiles a case of the Flask-CORS API profile may list: Flask-CORS 6's answers, and
#: this project's (spec/README.md, "Levels and profiles").
PROFILES = ("flask-cors", "reference")


#: The protocol sections a difference may name to explain a `must` failure: every Fetch
#: section and RFC 9110 section spec/sources.yaml lists, as a case's rule cites them.
PROTOCOL_SECTIONS = tuple(
    name for name in read_yaml(SOURCES_PATH) if name.startswith(("Fetch, ", "RFC 9110, "))
)


def names_protocol_section(summary: str) -> bool:
    """Whether a difference's summary names a section of the Fetch Standard or RFC 9110,
    written as a rule cites it ("Fetch, CORS-preflight fetch", "RFC 9110, 5.5")."""
    return any(
        re.search(rf"(?<![\w-]){re.escape(section)}(?![\w-])", summary)
        for section in PROTOCOL_SECTIONS
    )


def counts_for(level: str, kind: str, summary: str) -> bool:
    """Whether a difference (its kind and summary) may explain a failure at ``level``: for
    `must`, only a `protocol` difference whose summary names the section it breaks; an
    implementation failing a `must` case by a choice the protocol allows shows that the
    case asks more than the protocol, which no difference can explain."""
    if level != "must":
        return True
    return kind == "protocol" and names_protocol_section(summary)


def counted(
    differences: Sequence[Difference], level: str, explained_by: Sequence[Sequence[str]]
) -> List[List[str]]:
    """Per problem, the ids among ``explained_by`` (the differences matching it) of those
    that may explain it at the case's ``level`` (counts_for)."""
    by_id = {difference.id: difference for difference in differences}
    return [
        [i for i in ids if counts_for(level, by_id[i].kind, by_id[i].summary)]
        for ids in explained_by
    ]


def explained_by_rule(
    level: str, profiles: Sequence[str], own_profile: Optional[str], core: bool = False
) -> bool:
    """Whether a failing case is explained by its own rule, for an implementation whose
    answers are those of ``own_profile`` (None: of neither profile): a `profile` case that
    leaves that profile out states someone else's choice, and a `should` case only the
    `reference` profile states is one of this project's deliberate differences from
    Flask-CORS 6 (README, "Differences from Flask-CORS 6"). Never a `must` case, nor a
    case of the neutral core (``core``), which has no profiles: those need a difference."""
    if core or level == "must" or own_profile in profiles:
        return False
    return level == "profile" or tuple(profiles) == ("reference",)


class Results:
    """Outcome of every case played in this session, for the report and the summary."""

    def __init__(self) -> None:
        self.adapter: Optional[Adapter] = None
        self.records: List[Dict[str, Any]] = []

    def record(
        self,
        case: Any,
        outcome: str,
        message: str = "",
        observed: Any = None,
        problems: Sequence[str] = (),
        explained_by: Sequence[Sequence[str]] = (),
    ) -> None:
        """One case's outcome; with ``observed``, what came back, for the matrix report."""
        record: Dict[str, Any] = {
            "id": case.id,
            "level": case.level,
            "tags": list(case.tags),
            "outcome": outcome,
            "message": message,
        }
        if observed is not None:
            record["actual"] = _actual(observed)
        if problems:
            record["problems"] = [
                {"text": text, "explained_by": list(ids)}
                for text, ids in zip(problems, explained_by)
            ]
        self.records.append(record)


def _actual(observed: Any) -> Dict[str, Any]:
    if observed.setup_error is not None:
        error = observed.setup_error
        return {"setup_error": f"{type(error).__name__}: {error}"}
    if observed.request_error is not None:
        error = observed.request_error
        return {"request_error": f"{type(error).__name__}: {error}"}
    return {"status": observed.status, "headers": [list(pair) for pair in observed.headers]}


def summary_lines(records: Sequence[Dict[str, Any]], outcomes: Sequence[str]) -> List[str]:
    """The terminal summary of a run: counts by topic, by level and in all, one column per
    outcome, then the failing cases with the last line of their message."""
    by_topic: Dict[str, Counter[str]] = defaultdict(Counter)
    by_level: Dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        by_topic[_part(record) + record["id"].split("/", 1)[0]][record["outcome"]] += 1
        by_level[record["level"]][record["outcome"]] += 1

    def row(label: str, counts: Counter[str]) -> str:
        cells = "".join(f"{counts[outcome]:>7}" for outcome in outcomes)
        return f"{label:<18}{sum(counts.values()):>7}{cells}"

    lines = [f"{'topic':<18}{'cases':>7}" + "".join(f"{outcome:>7}" for outcome in outcomes)]
    lines += [row(topic, by_topic[topic]) for topic in sorted(by_topic)]
    lines.append("-" * (25 + 7 * len(outcomes)))
    lines += [row(level, by_level[level]) for level in LEVELS]
    lines.append(row("all", Counter(record["outcome"] for record in records)))
    failing = [record for record in records if record["outcome"] == "fail"]
    if failing:
        lines += ["", "failing cases:"]
        for record in failing:
            last = record["message"].splitlines()[-1].strip(" -") if record["message"] else ""
            shown = last if len(last) <= 200 else f"{last[:200]}... ({len(last)} characters)"
            lines.append(f"  [{record['level']}] {_part(record)}{record['id']}: {shown}")
    return lines


def _part(record: Dict[str, Any]) -> str:
    """'core:' for a case of the neutral core, whose topics share names with the profile's."""
    return "core:" if "core" in record["tags"] else ""
