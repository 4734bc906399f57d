"""The browser harness's pure half: which cases have a `browser` field, how the page origins
map to local servers, and how what Chromium did is judged against a case's verdict."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlsplit

import jsonschema

from adapters import SkipCase
from core_spec import as_case, load_core_cases
from cors_spec import SCHEMA_PATH, Case, load_case_files, load_cases
from fetch_terms import normalize_method

#: The API's host name; the page servers answer every other mapped host.
API_HOST = "api.test"
#: Another origin served by the API server: a core case's redirect leaves the API's origin
#: by naming it in Location (https://other.test/...), as spec/core/README.md says.
OTHER_API_HOST = "other.test"
#: Where the page hosting a sandboxed iframe (Origin "null") is loaded from.
NULL_HOST_ORIGIN = "https://sandbox.test"
#: The query parameter that tells one case run's requests from every other's.
RUN_PARAMETER = "browser-run"
DEFAULT_PORTS = {"http": 80, "https": 443}


def header(headers: Optional[Mapping[str, str]], name: str) -> Optional[str]:
    """A header's value from a mapping, the name compared case-insensitively."""
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == wanted:
            return value
    return None


def header_names(value: Optional[str]) -> FrozenSet[str]:
    """The lower-cased names of an Access-Control-Request-Headers value (absent: none)."""
    return frozenset(token.strip().lower() for token in (value or "").split(",") if token.strip())


@dataclass(frozen=True)
class BrowserCase:
    """A spec case with a `browser` field: the page's fetch and the verdict it predicts."""

    case: Case
    fetch: Mapping[str, Any]
    verdict: Mapping[str, Any]
    #: A case of the neutral core, whose request is derived from its fetch (nothing to
    #: check for consistency) rather than written beside it.
    core: bool = False

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def origin(self) -> str:
        """The page's origin: the case's Origin header exactly ("null": a sandboxed iframe)."""
        origin = header(self.case.request.get("headers"), "Origin")
        if origin is None:
            raise ValueError(f"{self.id}: a browser case needs an Origin header in its request")
        return origin

    @property
    def sandboxed(self) -> bool:
        return self.origin == "null"

    @property
    def method(self) -> str:
        return str(self.fetch.get("method", "GET"))

    @property
    def times(self) -> int:
        return int(self.fetch.get("times", 1))

    @property
    def read(self) -> List[str]:
        """Every header name the script reads: fetch.read, then any the verdict names."""
        names = list(self.fetch.get("read", []))
        for name in [*self.verdict.get("readable", {}), *self.verdict.get("unreadable", [])]:
            if name not in names:
                names.append(name)
        return names

    def init(self) -> Dict[str, Any]:
        """fetch()'s second argument (without the abort signal the page script adds).

        The cache mode is "no-store" for a single fetch. Repeated fetches (`times` > 1, for
        the preflight cache) use "default": Chromium skips its CORS-preflight cache for
        the "no-store", "no-cache" and "reload" modes, so a max_age would never show. The
        fresh context and the unique URL per run keep the HTTP cache empty for the first
        fetch; `judge_verdict` reports a later one answered from the HTTP cache."""
        init: Dict[str, Any] = {
            "method": self.method,
            "headers": dict(self.fetch.get("headers", {})),
            "credentials": self.fetch.get("credentials", "same-origin"),
            "mode": self.fetch.get("mode", "cors"),
            "cache": "no-store" if self.times == 1 else "default",
        }
        if "body" in self.fetch:
            init["body"] = self.fetch["body"]
        return init

    def url(self, api_base: str, run: int) -> str:
        """The API URL fetched: the case's path plus this run's unique query parameter."""
        path = self.case.request["path"]
        separator = "&" if "?" in path else "?"
        return f"{api_base}{path}{separator}{RUN_PARAMETER}={run}"

    def page_url(self) -> str:
        """Where the page is loaded: the origin itself, or the sandboxed iframe's host."""
        if self.sandboxed:
            return f"{NULL_HOST_ORIGIN}/sandboxed"
        return f"{self.origin}/"


def load_browser_cases(cases_dir: Path) -> List[BrowserCase]:
    """The cases of ``cases_dir`` that have a `browser` field, in file order. Every file
    must validate against the spec's schema, so a malformed field fails loudly."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    raw_by_id: Dict[str, Mapping[str, Any]] = {}
    for path, raw_cases in load_case_files(cases_dir).items():
        errors = list(validator.iter_errors(raw_cases))
        if errors:
            details = "; ".join(f"{list(error.path)}: {error.message}" for error in errors[:5])
            raise ValueError(f"{path} does not validate against {SCHEMA_PATH.name}: {details}")
        for raw in raw_cases or []:
            raw_by_id[raw["id"]] = raw
    found = []
    for case in load_cases(cases_dir):
        browser = raw_by_id[case.id].get("browser")
        if browser is not None:
            found.append(BrowserCase(case, browser["fetch"], browser["verdict"]))
    return found


def load_core_browser_cases() -> List[BrowserCase]:
    """The neutral core's cases with a fetch a page can make: an http(s) or sandboxed
    origin (a page cannot be loaded at chrome-extension://...)."""
    found = []
    for core in load_core_cases():
        fetch = core.fetch
        if fetch is None or core.verdict is None:
            continue
        if fetch["origin"] != "null" and urlsplit(fetch["origin"]).scheme not in DEFAULT_PORTS:
            continue
        actual = {
            "method": normalize_method(fetch.get("method", "GET")),
            "path": fetch.get("path", "/"),
            "headers": {"Origin": fetch["origin"]},
        }
        try:
            case = as_case(core, actual)
        except SkipCase:  # a policy the Flask app cannot express: the runner says why
            continue
        found.append(BrowserCase(case, fetch, core.verdict, core=True))
    return found


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int


def parse_origin(text: str) -> Optional[Origin]:
    """A serialized http(s) origin's parts; None for "null"."""
    if text == "null":
        return None
    parts = urlsplit(text)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"{text!r} is not an http or https origin")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"{text!r} is not a serialized origin (scheme://host[:port] only)")
    return Origin(parts.scheme, parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])


def page_origins(cases: Iterable[BrowserCase]) -> List[str]:
    """The origins pages are loaded at, for the host-resolver rules; a case whose Origin
    is no http(s) origin is left out (it fails on its own when it is run)."""
    found = []
    for case in cases:
        try:
            origin = case.origin
            parse_origin(origin)
        except ValueError:
            continue
        found.append(origin)
    return found


def host_resolver_rules(
    origins: Iterable[str], tls_port: int, http_port: int, api_port: int
) -> str:
    """Chromium's --host-resolver-rules: the API host to 127.0.0.1 (its port kept), the
    other API host to the API server, every port the page origins use to the page server
    of their scheme, nothing else resolves. A port used by both schemes cannot be mapped
    (the rules do not see schemes)."""
    schemes: Dict[int, str] = {}
    for text in [NULL_HOST_ORIGIN, *origins]:
        origin = parse_origin(text)
        if origin is None:
            continue
        known = schemes.setdefault(origin.port, origin.scheme)
        if known != origin.scheme:
            raise ValueError(
                f"port {origin.port} is used by both {known} and {origin.scheme} origins: "
                "one port can be mapped to one page server only"
            )
    rules = [f"MAP {API_HOST} 127.0.0.1", f"MAP {OTHER_API_HOST} 127.0.0.1:{api_port}"]
    for port in sorted(schemes):
        target = tls_port if schemes[port] == "https" else http_port
        rules.append(f"MAP *:{port} 127.0.0.1:{target}")
    rules.append("MAP * ~NOTFOUND")
    return ", ".join(rules)


@dataclass
class SeenRequest:
    """One request the API server received, and what the app answered."""

    method: str
    path: str
    query: str
    origin: Optional[str]
    acrm: Optional[str]
    acrh: Optional[str]
    status: Optional[int] = None
    response_headers: List[Tuple[str, str]] = field(default_factory=list)

    @property
    def is_preflight(self) -> bool:
        return self.method == "OPTIONS" and self.acrm is not None

    def run(self) -> Optional[int]:
        """The case run it belongs to (its unique query parameter), if any."""
        for name, value in parse_qsl(self.query, keep_blank_values=True):
            if name == RUN_PARAMETER and value.isdigit():
                return int(value)
        return None

    def describe(self) -> str:
        asked = f"{self.method} {self.path}"
        sent = [f"Origin={self.origin!r}"]
        if self.acrm is not None:
            sent.append(f"ACRM={self.acrm!r}")
        if self.acrh is not None:
            sent.append(f"ACRH={self.acrh!r}")
        cors = [
            f"{name}: {value}"
            for name, value in self.response_headers
            if name.lower().startswith("access-control-") or name.lower() == "vary"
        ]
        answer = f"{self.status} [{'; '.join(cors)}]" if self.status is not None else "no answer"
        return f"{asked} ({', '.join(sent)}) -> {answer}"


@dataclass(frozen=True)
class Attempt:
    """One fetch() as the page script saw it."""

    resolved: bool
    status: Optional[int] = None
    type: Optional[str] = None
    headers: Mapping[str, Optional[str]] = field(default_factory=dict)
    error: Optional[str] = None

    @classmethod
    def from_script(cls, raw: Mapping[str, Any]) -> Attempt:
        return cls(
            resolved=bool(raw["ok"]),
            status=raw.get("status"),
            type=raw.get("type"),
            headers=dict(raw.get("headers") or {}),
            error=raw.get("error"),
        )


@dataclass(frozen=True)
class Observation:
    """Everything one case run showed: each fetch, and the requests the app received."""

    attempts: Sequence[Attempt]
    requests: Sequence[SeenRequest]

    @property
    def preflights(self) -> int:
        return sum(1 for request in self.requests if request.is_preflight)

    @property
    def reached_server(self) -> bool:
        """Whether an actual request (anything but a preflight) reached the app. With
        fetch method OPTIONS the actual request is an OPTIONS without ACRM."""
        return any(not request.is_preflight for request in self.requests)


def judge_verdict(case: BrowserCase, observed: Observation) -> List[str]:
    """Everything in which what Chromium did differs from the case's verdict."""
    verdict = case.verdict
    problems: List[str] = []
    attempts = list(observed.attempts)
    if len(attempts) != case.times:
        problems.append(f"{len(attempts)} fetches ran, expected {case.times}")
    total = len(attempts)
    for number, attempt in enumerate(attempts, 1):
        which = f"fetch {number} of {total}" if total > 1 else "fetch"
        if verdict["outcome"] == "resolves" and not attempt.resolved:
            problems.append(f"{which} failed ({attempt.error}), expected it to resolve")
        if verdict["outcome"] == "fails" and attempt.resolved:
            problems.append(f"{which} resolved with status {attempt.status}, expected it to fail")

    resolved = [attempt for attempt in attempts if attempt.resolved]
    if "status" in verdict:
        for attempt in resolved:
            if attempt.status != verdict["status"]:
                problems.append(f"status {attempt.status}, expected {verdict['status']}")
    for name, value in verdict.get("readable", {}).items():
        for attempt in resolved:
            seen = attempt.headers.get(name)
            if seen != value:
                problems.append(f"{name}: script read {_js(seen)}, expected {value!r}")
    for name in verdict.get("unreadable", []):
        for attempt in resolved:
            seen = attempt.headers.get(name)
            if seen is not None:
                problems.append(f"{name}: script read {seen!r}, expected null (not exposed)")
    checks_response = "status" in verdict or "readable" in verdict or "unreadable" in verdict
    if checks_response and not resolved and verdict["outcome"] == "fails":
        problems.append("the verdict says what the response shows, but fetch fails")

    if observed.reached_server != verdict["reaches_server"]:
        if verdict["reaches_server"]:
            problems.append("the actual request never reached the app, expected it to")
        else:
            reached = [r.describe() for r in observed.requests if not r.is_preflight]
            problems.append(
                f"the actual request reached the app ({'; '.join(reached)}), expected it not to"
            )
    actual = sum(1 for request in observed.requests if not request.is_preflight)
    if actual not in (0, len(attempts)):
        problems.append(
            f"{len(attempts)} fetches but {_count(actual, 'actual request')} reached the app: "
            "a fetch sends its actual request every time or never (HTTP cache reuse?)"
        )
    if "preflights" in verdict and observed.preflights != verdict["preflights"]:
        problems.append(
            f"{_count(observed.preflights, 'preflight')} reached the app, "
            f"expected {verdict['preflights']}"
        )
    return problems


def check_consistency(case: BrowserCase, observed: Observation) -> List[str]:
    """Whether the browser sent what the case's header-level request says: the same Origin
    and path, and the same preflight (ACRM, ACRH names) or the same actual method."""
    problems: List[str] = []
    if case.core:
        return problems
    request = case.case.request
    headers = request.get("headers")
    origin = case.origin
    path = request["path"].split("?", 1)[0]
    for seen in observed.requests:
        if seen.origin != origin:
            problems.append(
                f"the browser sent {seen.method} with Origin {seen.origin!r}, "
                f"the case's Origin is {origin!r}"
            )
        if seen.path != path:
            problems.append(
                f"the browser sent {seen.method} to path {seen.path!r}, "
                f"the case's request path is {path!r}"
            )
    acrm = header(headers, "Access-Control-Request-Method")
    if request["method"] == "OPTIONS" and acrm is not None:
        preflights = [seen for seen in observed.requests if seen.is_preflight]
        if not preflights:
            problems.append(
                f"the case's request is a preflight (ACRM {acrm!r}) but the browser sent none"
            )
        wanted = header_names(header(headers, "Access-Control-Request-Headers"))
        for seen in preflights:
            if seen.acrm != acrm:
                problems.append(
                    f"the browser's preflight has ACRM {seen.acrm!r}, the case's {acrm!r}"
                )
            if header_names(seen.acrh) != wanted:
                problems.append(
                    f"the browser's preflight has ACRH {sorted(header_names(seen.acrh))}, "
                    f"the case's {sorted(wanted)}"
                )
    else:
        for seen in observed.requests:
            if not seen.is_preflight and seen.method != request["method"]:
                problems.append(
                    f"the browser's actual request is {seen.method}, "
                    f"the case's request is {request['method']}"
                )
    return [f"the case's request is not what the browser sends: {p}" for p in problems]


def describe_observation(browser: str, case: BrowserCase, observed: Observation) -> str:
    """One line: what the script saw and what reached the app, e.g. "chromium 156.0: fetch
    resolved 200; actual request reached server; 1 preflight; X-Total='5'"."""
    outcomes = []
    for attempt in observed.attempts:
        if attempt.resolved:
            outcomes.append(f"resolved {attempt.status}")
        else:
            outcomes.append(f"failed ({attempt.error})")
    parts = [f"fetch {', '.join(outcomes) or 'never ran'}"]
    actual = sum(1 for request in observed.requests if not request.is_preflight)
    if not actual:
        parts.append("actual request did not reach server")
    else:
        parts.append("actual request reached server" + (f" x{actual}" if actual > 1 else ""))
    parts.append(_count(observed.preflights, "preflight"))
    resolved = [attempt for attempt in observed.attempts if attempt.resolved]
    if resolved and case.read:
        last = resolved[-1]
        parts.append(", ".join(f"{name}={_js(last.headers.get(name))}" for name in case.read))
    return f"{browser}: {'; '.join(parts)}"


def failure_message(
    browser: str, case: BrowserCase, observed: Observation, problems: Sequence[str]
) -> str:
    """A readable report: the case, the fetch, the verdict, what happened, what differs."""
    lines = [f"case {case.id} ({case.case.file}): {case.case.description}"]
    if case.case.rule:
        lines.append(f"rule: {case.case.rule}")
    lines.append(f"page origin: {case.origin}")
    lines.append(f"fetch: {case.init()} x{case.times}")
    lines.append(f"verdict: {dict(case.verdict)}")
    lines.append(f"observed: {describe_observation(browser, case, observed)}")
    lines.append("requests the app received:")
    lines.extend(f"  {request.describe()}" for request in observed.requests)
    if not observed.requests:
        lines.append("  none")
    lines.append("problems:")
    lines.extend(f"  - {problem}" for problem in problems)
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _js(value: Optional[str]) -> str:
    return "null" if value is None else repr(value)


class BrowserResults:
    """Outcome of every case played in this session, for the report and the summary."""

    def __init__(self) -> None:
        self.implementation: Optional[str] = None
        self.version: Optional[str] = None
        self.browser: Optional[str] = None
        self.records: List[Dict[str, Any]] = []

    def record(self, case: BrowserCase, outcome: str, message: str) -> None:
        self.records.append(
            {
                "id": case.id,
                "level": case.case.level,
                "tags": list(case.case.tags),
                "outcome": outcome,
                "message": message,
            }
        )
