"""Load the spec's cases and judge an observed response against a case: the
implementation-neutral half of the conformance runner."""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

import yaml

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
CASES_DIR = SPEC_DIR / "cases"
SCHEMA_PATH = SPEC_DIR / "schema.json"
SOURCES_PATH = SPEC_DIR / "sources.yaml"

#: How binding a case is: required by the protocol, security practice, or one profile's choice.
LEVELS = ("must", "should", "profile")
#: The profiles whose exact answers a case may state: Flask-CORS 6, and this project.
PROFILES = ("flask-cors", "reference")
#: The derived kinds: "compat" (Flask-CORS 6 answers so too) or "hardening" (only this
#: project does). Cases no longer carry them as tags; a Case built without profiles (older
#: code) may still, and then its tag decides.
KINDS = ("compat", "hardening")

#: List-valued response headers compared as token sets, and whether their tokens are
#: case-sensitive (methods are; header names are not).
LIST_VALUED = {
    "allow": True,
    "access-control-allow-methods": True,
    "access-control-allow-headers": False,
    "access-control-expose-headers": False,
    "vary": False,
}


@dataclass(frozen=True)
class Case:
    """One spec case, as written in its YAML file."""

    id: str
    description: str
    tags: Tuple[str, ...]
    config: Mapping[str, Any]
    request: Mapping[str, Any]
    expect: Mapping[str, Any]
    app: Mapping[str, Any] = field(default_factory=dict)
    rule: Optional[str] = None
    file: str = ""
    #: "must", "should" or "profile" (LEVELS).
    level: str = "profile"
    #: The profiles whose exact answers the case states (PROFILES).
    profiles: Tuple[str, ...] = ()
    #: Further requests sent to the same app after the case's own, in order: each a
    #: mapping with ``request`` and ``expect`` (as the case's own) and, optionally,
    #: ``config_changes`` ({key: value} assigned in ``app.config`` first) and
    #: ``config_removals`` (as ``app.config_removals``, applied in place next).
    then: Tuple[Mapping[str, Any], ...] = ()

    @property
    def kind(self) -> str:
        """'compat' when Flask-CORS 6 answers so too (its profile is listed), else
        'hardening': a difference of this project's."""
        if self.profiles:
            return "compat" if "flask-cors" in self.profiles else "hardening"
        return next((tag for tag in self.tags if tag in KINDS), "hardening")

    @property
    def topics(self) -> Tuple[str, ...]:
        """The topic tags (a kind given as a tag by older code left out)."""
        return tuple(tag for tag in self.tags if tag not in KINDS)

    @property
    def topic(self) -> str:
        """The topic the id is filed under (the part before '/')."""
        return self.id.split("/", 1)[0]


@dataclass
class Observed:
    """What an implementation did with a case: a response, or a setup error."""

    status: int = 0
    headers: List[Tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: Log messages the implementation wrote while answering, or None if not captured.
    logs: Optional[List[str]] = None
    setup_error: Optional[BaseException] = None
    #: An exception that escaped while the request was answered (a crash, never a pass).
    request_error: Optional[BaseException] = None
    #: Milliseconds from sending the request to having the whole answer, if timed.
    elapsed_ms: Optional[float] = None
    #: Messages of the WARNING (or higher) records the implementation logged from the
    #: start of the app's setup to the end of the request (for a further request: from
    #: its config changes to its end), or None if not captured (``expect.warns``).
    warnings: Optional[List[str]] = None
    #: What each of the case's further requests (``Case.then``) got, in order, or None
    #: when the adapter did not play them.
    then: Optional[List[Observed]] = None


def read_yaml(path: Path) -> Any:
    """A YAML file's data, loaded safely: by libyaml where PyYAML was built with it (its
    wheels are), which reads the spec ten times faster than the pure-Python loader."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


def load_case_files(cases_dir: Path = CASES_DIR) -> Dict[Path, List[Dict[str, Any]]]:
    """Every case file's raw content, by path."""
    files = {}
    for path in sorted(cases_dir.glob("*.yaml")):
        files[path] = read_yaml(path)
    return files


def load_cases(cases_dir: Path = CASES_DIR) -> List[Case]:
    """All cases of all files, in file order."""
    cases = []
    for path, raw_cases in load_case_files(cases_dir).items():
        for raw in raw_cases or []:
            cases.append(
                Case(
                    id=raw["id"],
                    description=raw["description"],
                    tags=tuple(raw["tags"]),
                    config=raw.get("config") or {},
                    request=sent_request(raw["request"]),
                    expect=raw["expect"],
                    app=raw.get("app") or {},
                    rule=raw.get("rule"),
                    file=path.name,
                    level=raw.get("level", "profile"),
                    profiles=tuple(raw.get("profiles") or ()),
                    then=tuple(
                        {**step, "request": sent_request(step["request"])}
                        for step in raw.get("then") or ()
                    ),
                )
            )
    return cases


def sent_request(raw: Mapping[str, Any]) -> Dict[str, Any]:
    """A case's request with its header fields in both forms: ``header_lines``, the
    (name, value) field lines as sent, in order, a name possibly repeated (the spec may
    write them as a list of pairs), and ``headers``, one value per name, repeated lines
    joined by ", " in order as RFC 9110 section 5.3 lets a recipient combine them (the
    name spelled as on its first line). Adapters that write the request on the wire send
    the lines; those that hand an app a mapping (WSGI, a test client) get the same
    combined values a server would give it."""
    written = raw.get("header_lines") or raw.get("headers") or {}
    pairs = written if isinstance(written, list) else written.items()
    lines = [(name, value) for name, value in pairs]
    combined: Dict[str, str] = {}
    spelled: Dict[str, str] = {}
    for name, value in lines:
        first = spelled.setdefault(name.lower(), name)
        combined[first] = f"{combined[first]}, {value}" if first in combined else value
    return {**raw, "headers": combined, "header_lines": lines}


def allow_list(origins: Sequence[str]) -> Callable[[str], bool]:
    """The callable ``{$callable: [origin, ...]}`` stands for: given the request's Origin,
    True when it is one of ``origins`` (compared exactly, as sent), else False."""
    allowed = frozenset(origins)

    def allow_listed(origin: str) -> bool:
        return origin in allowed

    return allow_listed


class _AllowListObject:
    """A callable object (an instance, so it has no ``__qualname__`` of its own)."""

    def __init__(self, origins: Sequence[str]) -> None:
        self.allowed = frozenset(origins)

    def __call__(self, origin: str) -> bool:
        return origin in self.allowed


def _in_allow_list(allowed: FrozenSet[str], origin: str) -> bool:
    return origin in allowed


def callable_shape(shape: str, origins: Sequence[str]) -> Callable[..., Any]:
    """The callable ``{$callable: {shape: ..., allow: [origin, ...]}}`` stands for: the
    allow-list callable written another way, or a callable a user could wrongly pass."""
    allowed = frozenset(origins)
    if shape == "function":
        return allow_list(origins)
    if shape == "partial":  # functools.partial has no __qualname__
        return functools.partial(_in_allow_list, allowed)
    if shape == "object":
        return _AllowListObject(origins)
    if shape == "wrapped-loop":  # a __wrapped__ chain that loops (inspect.unwrap refuses it)
        function = allow_list(origins)
        function.__wrapped__ = function  # type: ignore[attr-defined]
        return function
    if shape == "raising":

        def raising(origin: str) -> bool:
            raise RuntimeError("the allow-list store is unreachable")

        return raising
    if shape == "non-boolean":

        def non_boolean(origin: str) -> Any:
            return "yes" if origin in allowed else ""

        return non_boolean
    if shape == "async":

        async def asynchronous(origin: str) -> bool:
            return origin in allowed

        return asynchronous
    if shape == "async-generator":

        async def asynchronous_generator(origin: str) -> Any:
            yield origin in allowed

        return asynchronous_generator
    if shape == "async-wrapped-loop":  # async, behind a __wrapped__ chain that loops

        async def wrapped_asynchronous(origin: str) -> bool:
            return origin in allowed

        wrapped_asynchronous.__wrapped__ = wrapped_asynchronous  # type: ignore[attr-defined]
        return wrapped_asynchronous
    if shape == "two-arguments":

        def two_arguments(origin: str, request: Any) -> bool:
            return origin in allowed

        return two_arguments
    raise ValueError(f"unknown $callable shape {shape!r}")


def decode_value(value: Any) -> Any:
    """Turn a spec option value into the Python value an adapter passes on: plain YAML
    stays as it is; ``{$regex: ...}``, ``{$timedelta: ...}``, ``{$set: ...}``,
    ``{$tuple: ...}`` and ``{$pairs: ...}`` become the Python types they name,
    ``{$callable: [origin, ...]}`` an allow-list callable (``allow_list``) and
    ``{$callable: {shape, allow}}`` one of the shapes of ``callable_shape``."""
    if isinstance(value, list):
        return [decode_value(item) for item in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "$regex":
                return re.compile(inner)
            if key == "$timedelta":
                return datetime.timedelta(seconds=inner)
            if key == "$set":
                return {decode_value(item) for item in inner}
            if key == "$tuple":
                return tuple(decode_value(item) for item in inner)
            if key == "$pairs":
                return {decode_value(k): decode_value(v) for k, v in inner}
            if key == "$callable":
                if isinstance(inner, Mapping):
                    return callable_shape(inner["shape"], inner.get("allow", ()))
                return allow_list(inner)
        return {key: decode_value(item) for key, item in value.items()}
    return value


def decode_options(options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """Decode every value of an options mapping."""
    return {name: decode_value(value) for name, value in (options or {}).items()}


def tokens(values: Sequence[str], case_sensitive: bool) -> List[str]:
    """The comma-separated tokens of one or more header values."""
    found = [token.strip() for value in values for token in value.split(",")]
    found = [token for token in found if token]
    return found if case_sensitive else [token.lower() for token in found]


def header_values(observed: Observed, name: str) -> List[str]:
    """Every value of a response header, header names compared case-insensitively."""
    wanted = name.lower()
    return [value for header, value in observed.headers if header.lower() == wanted]


def judge(case: Case, observed: Observed) -> List[str]:
    """Everything in which ``observed`` differs from the case's expectation: its own
    request's, then each further request's (``then``), prefixed ``then[N]:``."""
    wanted_error = case.expect.get("setup_error")
    if wanted_error is not None:
        return _judge_setup_error(wanted_error, observed.setup_error)
    if observed.setup_error is not None:
        error = observed.setup_error
        return [f"setup failed: {type(error).__name__}: {error}"]
    problems = judge_exchange(case.expect, observed)
    if not case.then:
        return problems
    played = observed.then
    if played is None or len(played) != len(case.then):
        count = "none" if played is None else len(played)
        problems.append(
            f"the adapter played {count} of the case's {len(case.then)} further requests (then)"
        )
        return problems
    for number, (step, answer) in enumerate(zip(case.then, played), start=1):
        problems.extend(
            f"then[{number}]: {problem}" for problem in judge_exchange(step["expect"], answer)
        )
    return problems


def judge_exchange(expect: Mapping[str, Any], observed: Observed) -> List[str]:
    """Everything in which one answer differs from one expectation (no setup_error)."""
    if observed.request_error is not None:
        error = observed.request_error
        return [f"the request raised {type(error).__name__}: {error}"]

    problems: List[str] = []
    status = expect.get("status")
    if isinstance(status, list):
        if not any(status_matches(observed.status, wanted) for wanted in status):
            wanted = ", ".join(str(item) for item in status)
            problems.append(f"status {observed.status}, expected one of {wanted}")
    elif status is not None and not status_matches(observed.status, status):
        problems.append(f"status {observed.status}, expected {status}")

    for name, expected in expect.get("headers", {}).items():
        values = header_values(observed, name)
        if len(values) != 1:
            problems.append(f"{name}: expected exactly one header {expected!r}, got {values!r}")
            continue
        case_sensitive = LIST_VALUED.get(name.lower())
        if case_sensitive is None:
            if values[0] != expected:
                problems.append(f"{name}: {values[0]!r}, expected {expected!r}")
        elif sorted(tokens(values, case_sensitive)) != sorted(tokens([expected], case_sensitive)):
            problems.append(f"{name}: {values[0]!r}, expected the tokens of {expected!r}")

    for name in expect.get("present", []):
        if not header_values(observed, name):
            problems.append(f"{name}: expected present, got nothing")

    for name in expect.get("absent", []):
        values = header_values(observed, name)
        if values:
            problems.append(f"{name}: expected absent, got {values!r}")

    vary = tokens(header_values(observed, "Vary"), case_sensitive=False)
    for token in expect.get("vary_includes", []):
        count = vary.count(token.lower())
        if count != 1:
            problems.append(f"Vary: expected {token!r} exactly once, got tokens {vary!r}")
    for token in expect.get("vary_excludes", []):
        if token.lower() in vary:
            problems.append(f"Vary: expected no {token!r}, got tokens {vary!r}")

    if "body" in expect:
        body = observed.body.decode("utf-8", "replace")
        if body != expect["body"]:
            problems.append(f"body {body!r}, expected {expect['body']!r}")

    bound = expect.get("answered_within_ms")
    if bound is not None:
        if observed.elapsed_ms is None:
            problems.append("the adapter did not time the request (answered_within_ms)")
        elif observed.elapsed_ms > bound:
            problems.append(f"answered in {observed.elapsed_ms:.0f} ms, expected within {bound} ms")

    if expect.get("log_safe"):
        raw = [message for message in observed.logs or [] if "\r" in message or "\n" in message]
        if raw:
            problems.append(f"log records with a raw CR or LF: {raw!r}")

    if "warns" in expect:
        problems.extend(_judge_warnings(expect["warns"], observed.warnings))
    return problems


def _judge_warnings(words: Sequence[str], warnings: Optional[Sequence[str]]) -> List[str]:
    """``warns: [word, ...]``: some warning contains every word; ``warns: []``: none at all."""
    if warnings is None:
        return ["the adapter did not capture warnings (warns)"]
    if not words:
        return [f"expected no warning, got {list(warnings)!r}"] if warnings else []
    if any(all(word in message for word in words) for message in warnings):
        return []
    return [f"expected a warning mentioning {list(words)!r}, got {list(warnings)!r}"]


def status_matches(actual: int, wanted: Any) -> bool:
    """Whether a status is the one wanted: an exact status, or a class such as '4xx'."""
    if isinstance(wanted, str):
        return str(actual)[0] == wanted[0]
    return actual == wanted


def _judge_setup_error(wanted: Mapping[str, Any], error: Optional[BaseException]) -> List[str]:
    if error is None:
        return [f"setup succeeded, expected a {wanted['type']} at setup"]
    problems = []
    # An instance of the class named, as `except ValueError:` around setup would catch it.
    raised = {cls.__name__ for cls in type(error).__mro__}
    if wanted["type"] != "any" and wanted["type"] not in raised:
        problems.append(f"setup raised {type(error).__name__}: {error}; expected {wanted['type']}")
    for word in wanted.get("mentions", []):
        if word not in str(error):
            problems.append(f"setup error {str(error)!r} does not mention {word!r}")
    return problems


def failure_message(case: Case, observed: Observed, problems: Sequence[str]) -> str:
    """A readable report: the case, the request, what was expected and what came back."""
    request = case.request
    lines = [f"case {case.id} ({case.file}): {case.description}"]
    if case.rule:
        lines.append(f"rule: {case.rule}")
    lines.append(f"request: {request['method']} {request['path']}")
    for name, value in sent_request(request)["header_lines"]:
        lines.append(f"  > {name}: {value!r}")
    lines.append("expected:")
    for key, value in case.expect.items():
        lines.append(f"  {key}: {value!r}")
    if observed.setup_error is not None:
        lines.append(
            f"actual: setup raised {type(observed.setup_error).__name__}: {observed.setup_error}"
        )
    else:
        lines.extend(_answer_lines(observed))
    played = observed.then or []
    for number, step in enumerate(case.then, start=1):
        request = step["request"]
        lines.append(f"then[{number}]:")
        for key, value in (step.get("config_changes") or {}).items():
            lines.append(f"  app.config[{key!r}] = {value!r}")
        for removal in step.get("config_removals") or []:
            lines.append(f"  app.config removal: {dict(removal)!r}")
        lines.append(f"  request: {request['method']} {request['path']}")
        for name, value in sent_request(request)["header_lines"]:
            lines.append(f"    > {name}: {value!r}")
        lines.append("  expected:")
        lines.extend(f"    {key}: {value!r}" for key, value in step["expect"].items())
        if number <= len(played):
            lines.extend("  " + line for line in _answer_lines(played[number - 1]))
    lines.append("problems:")
    lines.extend(f"  - {problem}" for problem in problems)
    return "\n".join(lines)


def _answer_lines(observed: Observed) -> List[str]:
    """The status and headers of one answer (or the error the request raised), and the
    warnings logged, when captured."""
    if observed.request_error is not None:
        error = observed.request_error
        lines = [f"actual: the request raised {type(error).__name__}: {error}"]
    else:
        lines = [f"actual: {observed.status}"]
        lines.extend(f"  < {name}: {value!r}" for name, value in observed.headers)
    if observed.warnings:
        lines.extend(f"  warning: {message!r}" for message in observed.warnings)
    return lines
