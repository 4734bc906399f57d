"""The spec's neutral core: load its cases, build each one for any adapter, and judge it
by the verdict a browser reaches (verdict.py) and by its header-level facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from adapters import SkipCase
from adapters.neutral import REGEX_CHARACTERS
from cors_spec import SPEC_DIR, Case, Observed, judge, read_yaml
from fetch_terms import Fetch, Request, Response, Verdict
from verdict import play

CORE_DIR = SPEC_DIR / "core"
CORE_SCHEMA_PATH = SPEC_DIR / "core.schema.json"

#: Without `routes`, the server answers these methods on every path (HEAD follows GET).
DEFAULT_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

#: The portable pattern syntax of `origins` (spec/core/README.md, "Portable patterns"):
#: what Python's re, RE2, ECMAScript RegExp, Go's regexp, PCRE and java.util.regex all
#: read alike. One token at a time: an atom (a literal character, escaped punctuation,
#: `.`, a bracket class of literal characters and ranges), a group's start or end, `|`,
#: or one greedy quantifier after an atom or a group's end.
PATTERN_TOKEN = re.compile(
    r"(?P<atom>[A-Za-z0-9:/_-]|\\[.\-/:\[\]()*+?{}|^$\\]|\.|\[(?:[A-Za-z0-9_:/.-]|\\[.\-\]\\])+\])"
    r"|(?P<open>\((?:\?:)?)|(?P<close>\))|(?P<bar>\|)"
    r"|(?P<quantifier>[*+?]|\{[0-9]+(?:,[0-9]*)?\})"
)


def portable_pattern_error(pattern: str) -> Optional[str]:
    """Why ``pattern`` is outside the portable syntax, or None when it is inside."""
    position, previous, depth = 0, "bar", 0
    while position < len(pattern):
        token = PATTERN_TOKEN.match(pattern, position)
        if token is None:
            return f"{pattern[position:]!r} at {position} is not portable"
        kind = token.lastgroup or ""
        if kind == "quantifier" and previous not in ("atom", "close"):
            return f"quantifier {token.group()!r} at {position} follows no atom or group"
        depth += {"open": 1, "close": -1}.get(kind, 0)
        if depth < 0:
            return f"unbalanced ')' at {position}"
        for low, high in re.findall(r"(\w)-(\w)", token.group() if kind == "atom" else ""):
            if low > high:
                return f"reversed range {low}-{high} at {position}"
        position, previous = token.end(), kind
    return "unbalanced '('" if depth else None


@dataclass(frozen=True)
class CoreCase:
    """One case of spec/core, as written in its YAML file."""

    id: str
    level: str
    description: str
    rule: str
    policy: Mapping[str, Any]
    routes: Optional[Sequence[Mapping[str, Any]]] = None
    fetch: Optional[Mapping[str, Any]] = None
    verdict: Optional[Mapping[str, Any]] = None
    request: Optional[Mapping[str, Any]] = None
    expect: Optional[Mapping[str, Any]] = None
    file: str = ""
    tags: Tuple[str, ...] = field(default=())

    @property
    def topic(self) -> str:
        """The topic the id is filed under (the part before '/')."""
        return self.id.split("/", 1)[0]


def load_core_cases(core_dir: Path = CORE_DIR) -> List[CoreCase]:
    """Every core case, file by file in name order."""
    cases = []
    for path in sorted(core_dir.glob("*.yaml")):
        for raw in read_yaml(path) or []:
            cases.append(CoreCase(**raw, file=path.name, tags=("core", raw["level"], path.stem)))
    return cases


def anchored(pattern: str) -> str:
    """A portable pattern as a regex every engine reads as a whole-origin match."""
    return f"^(?:{pattern})$"


def extension_options(policy: Mapping[str, Any]) -> Dict[str, Any]:
    """The policy as Flask-CORS keywords (the neutral form's vocabulary): every option the
    policy states, and nothing else, so each implementation keeps its own defaults for
    choices the protocol leaves open."""
    methods = policy["methods"]
    if methods != "*" and any(method != method.upper() for method in methods):
        raise SkipCase(
            "a method that is not upper-case: Flask-CORS's option vocabulary, which the "
            "adapters share, upper-cases configured methods (README, Options)"
        )
    if policy["expose_headers"] == "*" and policy["credentials"]:
        raise SkipCase(
            "expose every header of a credentialed response: in Flask-CORS's option "
            "vocabulary expose_headers '*' is sent as '*', which Fetch reads literally "
            "under credentials, and no option lists a response's own header names"
        )
    origins = policy["origins"]
    if origins != "*":
        origins = [
            entry if isinstance(entry, str) else re.compile(anchored(entry["pattern"]))
            for entry in origins
        ]
    allow_headers = policy["allow_headers"]
    if allow_headers != "*":
        # Flask-CORS reads a string with a regex character as a regex, and a token may
        # hold `*`, `^`, `$` or `|`: such a name is passed as the literal it is.
        allow_headers = [
            re.compile(f"^{re.escape(name)}$") if REGEX_CHARACTERS & set(name) else name
            for name in allow_headers
        ]
    return {
        "origins": origins,
        "supports_credentials": policy["credentials"],
        "methods": policy["methods"],
        "allow_headers": allow_headers,
        "expose_headers": policy["expose_headers"] or None,
        "max_age": policy["max_age"],
    }


def legacy_routes(core: CoreCase) -> List[Dict[str, Any]]:
    """The case's routes in the header-level format every adapter builds (app.routes)."""
    routes = []
    for route in core.routes or [{"path": "*"}]:
        methods = list(route.get("methods", DEFAULT_METHODS))
        view = dict(route.get("response") or {})
        if route["path"] == "*":
            paths = ["/", "/<path:path>"]
        else:
            paths = [re.sub(r"\{([A-Za-z_]\w*)\}", r"<\1>", route["path"])]
        routes += [{"path": path, "methods": methods, "view": view} for path in paths]
    return routes


def as_case(core: CoreCase, request: Mapping[str, Any]) -> Case:
    """One request of a core case as a header-level case, which any adapter can play."""
    return Case(
        id=core.id,
        description=core.description,
        tags=("core", core.topic),
        config={"extension": extension_options(core.policy)},
        app={"routes": legacy_routes(core)},
        request=request,
        expect=dict(core.expect or {"status": "2xx"}),
        rule=core.rule,
        file=core.file,
        level=core.level,
    )


def browser_fetch(spec: Mapping[str, Any]) -> Fetch:
    """The case's `fetch` as the browser model's input."""
    return Fetch(
        origin=spec["origin"],
        path=spec.get("path", "/"),
        method=spec.get("method", "GET"),
        headers=tuple((spec.get("headers") or {}).items()),
        credentials=spec.get("credentials", "same-origin"),
        mode=spec.get("mode", "cors"),
        body=spec.get("body"),
        read=tuple(spec.get("read") or ()),
        times=spec.get("times", 1),
    )


class AdapterFailure(Exception):
    """The implementation could not answer one of the browser's requests at all."""


def play_fetch(core: CoreCase, adapter: Any) -> Tuple[Verdict, List[Observed]]:
    """Let the browser model run the case's fetch, each request it sends answered by the
    implementation through ``adapter`` (which may raise SkipCase)."""
    answers: List[Observed] = []

    def send(request: Request) -> Response:
        wire = {"method": request.method, "path": request.path, "headers": dict(request.headers)}
        observed = adapter.run(as_case(core, wire))
        answers.append(observed)
        for error in (observed.setup_error, observed.request_error):
            if error is not None:
                raise AdapterFailure(f"{type(error).__name__}: {error}")
        return Response(status=observed.status, headers=tuple(observed.headers))

    assert core.fetch is not None
    return play(browser_fetch(core.fetch), send), answers


def judge_verdict(expected: Mapping[str, Any], verdict: Verdict) -> List[str]:
    """Where the browser's verdict differs from the case's."""
    problems = []
    why = f" ({'; '.join(verdict.failures)})" if verdict.failures else ""
    if verdict.outcome != expected["outcome"]:
        problems.append(
            f"verdict: the fetch {verdict.outcome}, expected {expected['outcome']}{why}"
        )
    if verdict.reaches_server != expected["reaches_server"]:
        reached = "reached" if verdict.reaches_server else "did not reach"
        problems.append(f"verdict: the actual request {reached} the server{why}")
    if "preflights" in expected and verdict.preflights != expected["preflights"]:
        problems.append(
            f"verdict: {verdict.preflights} preflights, expected {expected['preflights']}"
        )
    if expected["outcome"] == verdict.outcome == "resolves":
        if "status" in expected and verdict.status != expected["status"]:
            problems.append(
                f"verdict: the script saw status {verdict.status}, expected {expected['status']}"
            )
        for name, value in (expected.get("readable") or {}).items():
            seen = verdict.readable.get(name)
            if seen != value:
                problems.append(f"verdict: the script read {name} as {seen!r}, expected {value!r}")
        for name in expected.get("unreadable") or []:
            if name not in verdict.unreadable:
                problems.append(f"verdict: the script could read {name}, expected null")
    return problems


def judge_only(expected: Mapping[str, Sequence[str]], observed: Observed) -> List[str]:
    """`expect.only`: each header absent, or present once with one of the listed values."""
    problems = []
    for name, allowed in expected.items():
        values = [value for header, value in observed.headers if header.lower() == name.lower()]
        if len(values) > 1 or (values and values[0] not in allowed):
            problems.append(f"{name}: {values!r}, expected absent or one of {list(allowed)!r}")
    return problems


def judge_request(core: CoreCase, adapter: Any) -> Tuple[List[str], Observed]:
    """Send the case's raw request and judge the header-level facts of the answer."""
    assert core.request is not None and core.expect is not None
    case = as_case(core, core.request)
    observed = adapter.run(case)
    problems = judge(case, observed) + judge_only(core.expect.get("only") or {}, observed)
    return problems, observed
