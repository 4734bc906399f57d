"""Property tests for the work a request costs (INV-17) and for app.config read by value
(INV-18), for drawn configurations, pathological regexes and attacker-sized requests.

Work is counted, not timed: which engine runs each configured regex (RE2's linear-time
guarantee), how many values reach the matchers per request and how many characters they
hold. Expectations come from the invariants' statements and README differences 28 to 30.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from flask_cors import CORS
from flask_cors.patterns import MAX_HEADER_NAME_LENGTH, MAX_ORIGIN_LENGTH
from flask_cors.policy import MAX_REQUESTED_HEADERS, MAX_REQUESTED_HEADERS_LENGTH
from flask_cors.regex import RegexSet
from strategies import invariant, origins

ACAO = "Access-Control-Allow-Origin"
ACAH = "Access-Control-Allow-Headers"

# ---------------------------------------------------------------------------------------
# Regexes as operators write them, and as attacks on backtracking engines are built:
# nested and overlapping repetition of classes that all match the same characters.

ATOMS = [r"[a-z0-9]", r"\w", r"[a-z]", r".", r"a", r"[^/]"]
#: On paths, \w is Unicode-wide in Python and ASCII in RE2: such a path pattern falls
#: back to re with a warning (README difference 28), so path patterns draw the others.
PATH_ATOMS = [atom for atom in ATOMS if atom != r"\w"]


@st.composite
def pathological(draw: st.DrawFn, atoms: List[str] = ATOMS) -> str:
    """A group that backtracks exponentially or polynomially in a backtracking engine."""
    atom = draw(st.sampled_from(atoms))
    other = draw(st.sampled_from(atoms))
    shapes = [
        f"({atom}+[-.]?)*",
        f"({atom}+)+",
        f"({atom}|{other})*",
        f"({atom}*)*",
        f"({atom}+\\.?)+",
        f"(.*{atom})*",
        f"{atom}*{atom}*{atom}*{atom}*",
        f"(-*{atom})*-*",
    ]
    return draw(st.sampled_from(shapes))


realistic = st.sampled_from(
    [
        r"https://[a-z0-9-]+\.example\.com",
        r"https://.*\.example\.com",
        r"https://(www|api|app)\.example\.(com|net)",
        r"https?://localhost(:\d+)?",
        r"https://[a-z]{2}\.tenant\d+\.example",
    ]
)
origin_regexes = st.one_of(
    realistic,
    st.builds(lambda group: rf"https://{group}\.example\.com", pathological()),
    st.builds(lambda group: rf"https://{group}example\.com", pathological()),
)
header_regexes = st.one_of(
    st.sampled_from([r"x-[a-z-]+", r"x-request-.*", r"content-.*"]),
    st.builds(lambda group: f"x-{group}-id", pathological()),
    st.just(r"x-.*-.*-.*-id"),
)

#: Characters a hostile value repeats: what the pathological groups all match.
FILLERS = st.sampled_from(["a", "-", "a-", "a.", "0", "_"])


@st.composite
def hostile_origins(draw: st.DrawFn) -> str:
    filler = draw(FILLERS)
    length = draw(st.integers(1, MAX_ORIGIN_LENGTH - 9))
    body = (filler * length)[:length]
    return "https://" + body + draw(st.sampled_from(["!", "", ".example.co", "\x7e"]))


@st.composite
def hostile_header_lists(draw: st.DrawFn) -> str:
    """Requested names shaped like the report's, up to and past the list bounds."""
    filler = draw(FILLERS)
    count = draw(st.integers(1, MAX_REQUESTED_HEADERS + 20))
    length = draw(st.integers(3, MAX_HEADER_NAME_LENGTH + 4))
    distinct = draw(st.integers(1, 5))
    names = [("x-" + f"{i % distinct}" + filler * length)[:length] + "z" for i in range(count)]
    return ", ".join(names)


class Work:
    """Every value handed to a RegexSet while one request is answered."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.values: List[str] = []
        monkeypatch.setattr(RegexSet, "matching", self._counting(RegexSet.matching))

    def _counting(self, original: Any) -> Any:
        def counting(regexes: RegexSet, value: str) -> Any:
            self.values.append(value)
            return original(regexes, value)

        return counting


def first_policy(app: Flask) -> Any:
    return app.extensions["cors"]["sources"][0].table(app).rules[0][1]


def fallbacks(notes: Tuple[str, ...]) -> List[str]:
    return [note for note in notes if "not RE2" in note]


@invariant("INV-17")
@given(
    origin_patterns=st.lists(origin_regexes, min_size=1, max_size=4),
    header_patterns=st.lists(header_regexes, min_size=1, max_size=3),
    path_group=pathological(PATH_ATOMS),
    origin=hostile_origins(),
    requested=hostile_header_lists(),
    path_filler=FILLERS,
)
def test_every_configured_regex_runs_in_linear_time_on_bounded_values(
    origin_patterns: List[str],
    header_patterns: List[str],
    path_group: str,
    origin: str,
    requested: str,
    path_filler: str,
) -> None:
    """Whatever regexes are configured, each runs on RE2 (linear in the value), no value
    longer than its bound reaches one, each distinct requested name is matched at most
    once, a list over the bounds is refused with no name matched, and a request hands the
    matchers at most one Origin, 100 names and one path."""
    resources = {rf"/api/{path_group}/": {}, r"/api/.*": {}}
    app = Flask(__name__)

    @app.route("/<path:path>", methods=["GET", "PUT"])
    def view(path: str) -> str:
        return "ok"

    CORS(
        app,
        resources=resources,
        origins=origin_patterns,
        allow_headers=header_patterns,
    )
    policy = first_policy(app)
    table = app.extensions["cors"]["sources"][0].table(app)
    # The engine's guarantee: no configured pattern falls back to a backtracking engine.
    assert fallbacks(policy.origins.notes) == []
    assert fallbacks(policy.allow_headers.notes) == []
    assert fallbacks(table.notes) == []

    with pytest.MonkeyPatch.context() as monkeypatch:
        work = Work(monkeypatch)
        path = "/api/" + path_filler * 200 + "!"
        response = app.test_client().options(
            path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": requested,
            },
        )
    assert response.status_code == 200
    paths = [value for value in work.values if value == path]
    origins_matched = [value for value in work.values if value == origin]
    names = [value for value in work.values if value not in (path, origin)]
    assert len(paths) <= 1
    assert len(origins_matched) <= 1
    assert all(len(value) <= MAX_ORIGIN_LENGTH for value in origins_matched)
    over_limit = (
        len(requested) > MAX_REQUESTED_HEADERS_LENGTH
        or requested.count(",") >= MAX_REQUESTED_HEADERS
    )
    if over_limit or ACAO not in response.headers:
        assert names == []
        assert ACAH not in response.headers
    else:
        distinct = {name.strip().lower() for name in requested.split(",")}
        assert len(names) == len({name.lower() for name in names}) <= len(distinct)
        assert all(len(name) <= MAX_HEADER_NAME_LENGTH for name in names)
        assert sum(map(len, names)) <= MAX_REQUESTED_HEADERS_LENGTH


# ---------------------------------------------------------------------------------------
# INV-18: app.config read by value.

ALLOW_LIST = st.lists(origins, min_size=1, max_size=5, unique=True)
Edit = Tuple[str, int, str]
edits = st.lists(
    st.tuples(
        st.sampled_from(["remove", "append", "replace", "clear"]), st.integers(0, 9), origins
    ),
    min_size=1,
    max_size=6,
)


def apply(edit: Edit, allow_list: List[str]) -> None:
    kind, index, origin = edit
    if kind == "remove" and allow_list:
        del allow_list[index % len(allow_list)]
    elif kind == "append":
        allow_list.append(origin)
    elif kind == "replace" and allow_list:
        allow_list[index % len(allow_list)] = origin
    elif kind == "clear":
        allow_list.clear()


def granted(app: Flask, origin: str) -> bool:
    response = app.test_client().get("/api/x", headers={"Origin": origin})
    return response.headers.get(ACAO) == origin


@invariant("INV-18")
@given(
    allow_list=ALLOW_LIST,
    edits=edits,
    asked=st.lists(origins, min_size=1, max_size=4),
    place=st.sampled_from(["origins", "resources"]),
)
def test_config_changed_in_place_answers_as_a_fresh_app_would(
    allow_list: List[str], edits: List[Edit], asked: List[str], place: str
) -> None:
    """After each in-place edit of the list in app.config, every Origin gets what an app
    set up from scratch with the same config gets: granted exactly when listed now."""
    live = list(allow_list)
    config: Dict[str, Any]
    if place == "origins":
        config = {"CORS_ORIGINS": live}
    else:
        config = {"CORS_RESOURCES": {r"/api/*": {"origins": live}}}
    app = Flask(__name__)
    app.config.update(config)

    @app.route("/api/<name>")
    def view(name: str) -> str:
        return "ok"

    CORS(app)
    for edit in edits:
        apply(edit, live)
        for origin in [*asked, *allow_list]:
            expected = origin.lower() in {listed.lower() for listed in live}
            assert granted(app, origin) is expected, (edit, origin, live)
