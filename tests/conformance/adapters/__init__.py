"""The adapter interface: how the runner plays a spec case against one CORS implementation."""

from __future__ import annotations

import fnmatch
import importlib
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from cors_spec import Case, Observed

try:
    from typing import Protocol
except ImportError:  # pragma: no cover - Python < 3.8
    from typing_extensions import Protocol  # type: ignore[assignment]


class SkipCase(Exception):
    """Raised by an adapter for a case its implementation cannot express; the message
    says why (e.g. "blueprints are a Flask feature")."""


@dataclass(frozen=True)
class Difference:
    """A behaviour of an implementation that makes spec cases fail, found and checked by
    hand: either it breaks a protocol rule (``kind="protocol"``) or it is a documented
    choice the protocol allows but Flask-CORS does not make (``kind="documented"``).

    A failing case is explained when every problem the judge reports matches a difference
    (``problem`` is searched in the problem's text) whose ``cases`` globs match its id.
    """

    id: str
    kind: str
    summary: str
    #: Where the behaviour is documented or visible: a docs page, or a source file at a version.
    source: str
    problem: str
    cases: Tuple[str, ...] = ("*",)

    def __post_init__(self) -> None:
        if self.kind not in ("protocol", "documented"):
            raise ValueError(f"difference {self.id}: kind must be 'protocol' or 'documented'")
        re.compile(self.problem)

    def explains(self, case_id: str, problem: str) -> bool:
        """Whether this difference accounts for one problem of one case."""
        return any(fnmatch.fnmatchcase(case_id, glob) for glob in self.cases) and bool(
            re.search(self.problem, problem)
        )

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Difference:
        """A difference as a process adapter's ``--describe`` gives it."""
        return cls(
            id=raw["id"],
            kind=raw["kind"],
            summary=raw["summary"],
            source=raw["source"],
            problem=raw["problem"],
            cases=tuple(raw.get("cases", ["*"])),
        )


def explain(
    differences: Sequence[Difference], case_id: str, problems: Sequence[str]
) -> List[List[str]]:
    """For each problem, the ids of the differences that explain it (maybe none)."""
    return [
        [difference.id for difference in differences if difference.explains(case_id, problem)]
        for problem in problems
    ]


def is_core(case: Case) -> bool:
    """Whether ``case`` is a request of the spec's neutral core (spec/core):
    core_spec.as_case makes "core" its first tag."""
    return case.tags[:1] == ("core",)


def core_route_answering_options(case: Case) -> Optional[str]:
    """The path of a route of a core case that lists OPTIONS, if any: the application
    answers OPTIONS itself, preflights included (spec/core/README.md, `routes`), which an
    implementation whose CORS layer answers every preflight first cannot express."""
    if not is_core(case):
        return None
    for route in case.app.get("routes") or []:
        if "OPTIONS" in [method.upper() for method in route.get("methods", [])]:
            return str(route["path"])
    return None


#: Problems and cases shared by several implementations' differences, kept in one place
#: so that a change to the judge's wording or to the cases reaches every adapter.
#: A request answered after the spec's time bound (a backtracking regex engine):
SLOW_ANSWER = r"^answered in \d+ ms, expected within \d+ ms$"
BACKTRACKING_CASES = (
    "attacks/exponential-origin-regex-answered",
    "attacks/polynomial-origin-regex-answered",
    "bounded-work/origin-of-8-kib-facing-a-pattern",
    "bounded-work/polynomial-pattern-answered",
)
#: Origin "null" granted by an origin pattern:
NULL_GRANTED = (
    r"^(Access-Control-Allow-(Origin|Credentials): expected absent, "
    r"got \['(null|true)'\]|verdict: the fetch resolves, expected fails)$"
)
NULL_BY_PATTERN_CASES = (
    "attacks/match-all-regex-never-grants-null",
    "attacks/anchored-match-all-regex-never-grants-null",
    "origins/pattern-never-allows-null",
    "origins/match-all-pattern-never-grants-null",
)


class Adapter(Protocol):
    """One CORS implementation, seen by the runner.

    ``run`` builds the app the case describes (its ``config`` and ``app`` sections),
    sends the case's ``request`` and returns what came back. A configuration the
    implementation refuses is returned as ``Observed(setup_error=...)``, not raised.
    """

    #: Implementation name and version, for reports.
    name: str
    version: str
    #: Known behaviours that make cases fail (optional attribute; none when absent).
    differences: Sequence[Difference]

    def run(self, case: Case) -> Observed:
        """Play one case; raise SkipCase if the implementation cannot express it."""
        ...


#: Adapters known by a short name; anything else is given as "module:attribute".
REGISTRY: Dict[str, str] = {
    "flask_cors": "adapters.flask_api:FlaskCorsApiAdapter",
    "flask_cors_pypi": "adapters.flask_cors_pypi:FlaskCors6Adapter",
    "starlette": "adapters.starlette_cors:StarletteAdapter",
    "django": "adapters.django_cors:DjangoCorsHeadersAdapter",
    "express": "adapters.process:express_adapter",
    "process": "adapters.process:command_adapter",
}


def load_adapter(spec: str) -> Adapter:
    """The adapter named ``spec``: a registry name or "module:attribute", where the
    attribute is an adapter object, or a class or factory called without arguments."""
    target = REGISTRY.get(spec, spec)
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise ValueError(
            f"--cors-adapter {spec!r}: expected a name from {sorted(REGISTRY)} or module:attribute"
        )
    found: Any = getattr(importlib.import_module(module_name), attribute)
    adapter = found() if isinstance(found, type) or not hasattr(found, "run") else found
    return adapter  # type: ignore[no-any-return]


class LogCapture(logging.Handler):
    """Collects the messages of one logger tree at DEBUG while active, for ``Observed.logs``."""

    def __init__(self, logger_name: str) -> None:
        super().__init__(logging.DEBUG)
        self.messages: List[str] = []
        self._logger = logging.getLogger(logger_name)
        self._level: Optional[int] = None

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> LogCapture:
        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level or logging.NOTSET)
