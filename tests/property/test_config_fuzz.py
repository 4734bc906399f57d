"""Configuration fuzzing (INV-14): each option, in each place, refused naming it or meant."""

from __future__ import annotations

import functools
import logging
import re
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Set, Tuple

import pytest
from flask import Blueprint, Flask, abort, request
from hypothesis import given, note
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from flask_cors import CORS, cross_origin
from strategies import invariant

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"

#: README option table, in its order (written out here, not imported from flask_cors).
OPTION_NAMES = (
    "resources", "origins", "methods", "expose_headers", "allow_headers",
    "supports_credentials", "max_age", "send_wildcard", "vary_header", "automatic_options",
    "always_send", "intercept_exceptions", "allow_private_network",
)  # fmt: skip
BOOLEAN_OPTIONS = OPTION_NAMES[5:6] + OPTION_NAMES[7:]
DEFAULT_METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"})
MAX_AGE_LIMIT = 2**31  # README difference 5: above 2^31 is refused
A = "https://a.example"
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def config_key(name: str) -> str:
    return "CORS_" + name.upper()


# ---------------------------------------------------------------------------------------
# Cases: a value and what the README says setup must do with it

REJECT, ACCEPT, EITHER = "reject", "accept", "either"
UNCHECKED = object()
ANY = "any"  # meaning of methods/allow_headers '*'


class Case(NamedTuple):
    value: Any
    verdict: str
    #: What an accepted value means, checked through requests (UNCHECKED: not checked).
    meaning: Any = UNCHECKED
    #: Names a refusal must mention, when not just the option's own.
    names: Tuple[str, ...] = ()
    #: Text of the one setup warning an accepted value must cause (README difference 8).
    warns: Optional[str] = None


def reject(value: Any, *names: str) -> Case:
    return Case(value, REJECT, UNCHECKED, names)


def accept(value: Any, meaning: Any = UNCHECKED, warns: Optional[str] = None) -> Case:
    return Case(value, ACCEPT, meaning, (), warns)


def either(value: Any, meaning: Any = UNCHECKED) -> Case:
    """Values the README does not rule on: refused naming the option, or harmless."""
    return Case(value, EITHER, meaning)


#: Every value listed by hand, by option ("boolean": any boolean option; "any": every
#: option): besides being drawn, each is run once by test_each_listed_value_...
LISTED: Dict[str, List[Case]] = {}


def listed(option: str, *cases: Case) -> st.SearchStrategy[Case]:
    LISTED.setdefault(option, []).extend(cases)
    return st.sampled_from(cases)


def rejects(option: str, *values: Any) -> st.SearchStrategy[Case]:
    return listed(option, *(reject(value) for value in values))


#: Wrong types for every option (README difference 5).
COMMON_WRONG = rejects("any", 1.5, float("nan"), b"x", object(), 1 + 2j, {"k": "v"}, [["x"]])


def forms(items: List[str], comma: bool = True) -> st.SearchStrategy[Any]:
    """The documented spellings of a list option: list, tuple, set, comma-separated string."""
    choices: List[Any] = [list(items), tuple(items), set(items)]
    if comma:
        choices += [", ".join(items), ",".join(items)]
    return st.sampled_from(choices)


def huge(make: str, bad: Optional[List[Any]], meaning: Any) -> st.SearchStrategy[Case]:
    """Thousands of entries ``make.format(i)``, built cheaply; with one of ``bad`` inserted
    somewhere, refused."""

    @st.composite
    def build(draw: st.DrawFn) -> Case:
        size = draw(st.integers(min_value=1000, max_value=3000))
        items = [make.format(i) for i in range(size)]
        if bad is None:
            return accept(items, meaning(items) if callable(meaning) else meaning)
        items.insert(draw(st.integers(min_value=0, max_value=size)), draw(st.sampled_from(bad)))
        return reject(items)

    return build()


@st.composite
def with_bad_item(draw: st.DrawFn, items: st.SearchStrategy[List[str]], bad: List[Any]) -> Case:
    """A valid list with one bad item inserted, as a list or (for a str) a comma string."""
    values: List[Any] = list(draw(items))
    wrong = draw(st.sampled_from(bad))
    values.insert(draw(st.integers(min_value=0, max_value=len(values))), wrong)
    if isinstance(wrong, str) and "[" not in "".join(values) and draw(st.booleans()):
        return reject(", ".join(values))
    return reject(values)


class Cases(NamedTuple):
    """An option's values in two groups, each given its own examples: values README
    refuses, and values it accepts (or does not rule on)."""

    refused: st.SearchStrategy[Case]
    accepted: st.SearchStrategy[Case]


# --- booleans (README difference 6)


def spelled_bool(text: str) -> Case:
    spellings = {"true": True, "1": True, "false": False, "0": False}
    if text.isascii() and text.lower() in spellings:
        return accept(text, spellings[text.lower()])
    stripped = text.strip()
    if stripped.isascii() and stripped.lower() in spellings:
        return either(text, spellings[stripped.lower()])  # surrounding blanks: lenient or not
    return reject(text)


BOOL_CASES = Cases(
    refused=st.one_of(
        rejects("boolean", "yes", "no", "on", "off", "", "maybe", "2", "-1", "00", "1.0", "truee"),
        rejects("boolean", "tru\u0435", "\uff54rue", "true\x00", "false\n\x00", "\u0131"),
        rejects("boolean", None, 2, -1, 0.0, 1.0, ["true"], ("false",), 7),
        st.text(alphabet="trueTRUEfalsFALS01yno \t\n", max_size=7).map(spelled_bool),
        COMMON_WRONG,
    ),
    accepted=st.one_of(
        listed("boolean", accept(True, True), accept(False, False)),
        listed(
            "boolean",
            *map(spelled_bool, ["true", "TRUE", "True", "1", "false", "FALSE", "fAlSe", "0"]),
        ),
        listed("boolean", either(0, False), either(1, True), either(" false ", False)),
        st.sampled_from(["true", "false", "1", "0"]).flatmap(
            lambda word: st.sampled_from([" ", "\t", "\n", "\r\n"]).map(
                lambda blank: spelled_bool(word + blank)
            )
        ),
    ),
)

# --- max_age

_seconds = st.integers(min_value=0, max_value=MAX_AGE_LIMIT)
_negative = st.integers(max_value=-1)
#: timedelta's own range is about +-8.6e13 seconds; beyond it the value cannot be built.
_negative_timedelta = st.integers(min_value=-(10**12), max_value=-1)
_too_big = st.integers(min_value=MAX_AGE_LIMIT + 1, max_value=10**12)
MAX_AGE_CASES = Cases(
    refused=st.one_of(
        st.one_of(_negative, _too_big).map(reject),
        st.one_of(_negative, _too_big).map(lambda n: reject(str(n))),
        st.floats().map(reject),  # 600.0 included: a float is refused
        st.one_of(_negative_timedelta, _too_big).map(lambda n: reject(timedelta(seconds=n))),
        rejects("max_age", True, False),
        rejects("max_age", "3.5", "1e3", "", " ", "0x10", "+5", "1_000", "7\x00", "six", [600]),
        COMMON_WRONG,
    ),
    accepted=st.one_of(
        st.just(accept(None, None)),
        _seconds.flatmap(
            lambda n: st.sampled_from([n, str(n), timedelta(seconds=n)]).map(
                lambda value: accept(value, n)
            )
        ),
        st.tuples(_seconds, st.integers(min_value=0, max_value=999_999)).map(
            lambda t: accept(timedelta(seconds=t[0], microseconds=t[1]), t[0])
        ),
        listed(
            "max_age",
            accept(MAX_AGE_LIMIT, MAX_AGE_LIMIT),
            accept(str(MAX_AGE_LIMIT), MAX_AGE_LIMIT),
            accept(timedelta(days=2), 172800),
            accept(timedelta(seconds=1.5), 1),
            either(" 7 ", 7),
            either("\u0663", 3),  # ARABIC-INDIC DIGIT THREE
            either("\u00b2"),  # SUPERSCRIPT TWO: isdigit() but not int()
            either(timedelta(microseconds=-1), 0),
        ),
    ),
)

# --- methods

METHOD_TOKENS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PURGE", "get", "Post", "X-CUSTOM"]
BAD_METHODS = ["G ET", "GET\r\n", "", "G\u00c9T", "GET POST", "GET;POST", "GET\x00", "(GET)"]
_methods = st.lists(st.sampled_from(METHOD_TOKENS), min_size=1, max_size=5)

METHODS_CASES = Cases(
    refused=st.one_of(
        rejects("methods", *BAD_METHODS, "GET,", ",GET", "GET,,POST", "\u0413ET"),
        rejects("methods", re.compile("GET"), True, 7),
        with_bad_item(_methods, [*BAD_METHODS, 3, None, b"POST", ["GET"]]),
        huge("M{}", ["G ET", "", "\u0413ET"], None),
        COMMON_WRONG,
    ),
    accepted=st.one_of(
        _methods.flatmap(
            lambda items: forms(items).map(
                lambda value: accept(value, frozenset(m.upper() for m in items))
            )
        ),
        listed(
            "methods",
            accept("*", ANY),
            accept(["*"], ANY),
            accept(None, DEFAULT_METHODS),  # README difference 19
            either([], frozenset()),
            either(" GET ", frozenset({"GET"})),
            either("GET\t", frozenset({"GET"})),
        ),
        huge("M{}", None, frozenset),
    ),
)

# --- expose_headers and allow_headers

HEADER_TOKENS = ["X-A", "X-Total", "Content-Range", "x-lower", "X_Under", "X!#%&'+.`|~"]
NON_TOKENS = ["X A", "", "X:Y", "X\r\nY", "\u00dcn", "X-A,", "X-A\x00"]
_headers = st.lists(st.sampled_from(HEADER_TOKENS), min_size=1, max_size=4)

EXPOSE_CASES = Cases(
    refused=st.one_of(
        rejects("expose_headers", re.compile("X-.*"), [re.compile("X")], True, 7),
        with_bad_item(_headers, [1, None, b"X", re.compile("X")]),
        huge("X-H{}", [1, None], None),
        COMMON_WRONG,
    ),
    accepted=st.one_of(
        _headers.flatmap(
            lambda items: forms(items).map(
                lambda value: accept(value, frozenset(h.lower() for h in items))
            )
        ),
        listed("expose_headers", accept(None, None), accept("*", frozenset({"*"}))),
        listed("expose_headers", *(either(v) for v in [*NON_TOKENS, ["X-A", ""], ["X-A", "X B"]])),
        huge("X-H{}", None, lambda items: frozenset(h.lower() for h in items)),
    ),
)


@st.composite
def allow_header_lists(draw: st.DrawFn) -> Case:
    items = draw(_headers)
    probes = [(h, True) for h in items] + [(items[0].lower(), True), ("X-Not-Listed", False)]
    return accept(draw(forms(items)), tuple(probes))


ANY_HEADER = (("X-A", True), ("Content-Type", True), ("X-Whatever-9", True))
ALLOW_HEADERS_CASES = Cases(
    refused=st.one_of(
        rejects(
            "allow_headers", "[", "(", "*+", "X-(", "X-[a", "X\\", "(?<=a+)b", "(?P<n>a)(?P<n>b)"
        ),
        rejects("allow_headers", True, 7, [1], [b"X"]),
        with_bad_item(_headers, ["[", "X-(", 1, None]),
        huge("X-H{}", ["[", 2], None),
        COMMON_WRONG,
    ),
    accepted=st.one_of(
        allow_header_lists(),
        listed(
            "allow_headers",
            accept("*", ANY_HEADER),
            accept(["*"], ANY_HEADER),
            accept("X-[A-Za-z]+", (("X-Abc", True), ("X-1", False), ("Y-X-Abc", False))),
            accept(["X-A", r"X-\d+"], (("X-A", True), ("X-12", True), ("X-12a", False))),
            accept(
                re.compile(r"x-(a|b)", re.I),
                (("X-A", True), ("x-b", True), ("x-c", False), ("x-ab", False)),
            ),
        ),
        listed("allow_headers", *(either(v) for v in [*NON_TOKENS, None, re.compile(b"x")])),
        huge("X-H{}", None, (("X-H0", True), ("X-Nope", False))),
    ),
)

# --- origins

ORIGIN_POOL = [A, "http://b.example:8080", "https://c.example", "http://[::1]:8080"]
BAD_ORIGINS = [
    "https://a.example/", "https://a.example/path", "a.example", "localhost:3000",
    "https://\u00e4.example", "https://b\u00fccher.de", "", "https://", "https:// a.example",
    "https://a.example\r\n",
]  # fmt: skip
_origins = st.lists(st.sampled_from(ORIGIN_POOL), min_size=1, max_size=4)


@st.composite
def origin_lists(draw: st.DrawFn) -> Case:
    items = draw(_origins)
    probes = [(o, True) for o in items] + [(o.upper(), True) for o in items]
    probes += [(o + ".evil.net", False) for o in items] + [("https://never.example", False)]
    # A comma string holding '[' has regex characters (README difference 7): lists only.
    value = draw(forms(items, comma=not any("[" in o for o in items)))
    return accept(value, tuple(probes))


WILDCARD_PROBES = ((A, True), ("https://anything.test", True))
ORIGINS_CASES = Cases(
    refused=st.one_of(
        rejects("origins", *BAD_ORIGINS),
        rejects(
            "origins", "https://(a", "[", "(?P<x>a)(?P<x>b)", "https://a\\", True, 7, [1], [b"x"]
        ),
        with_bad_item(_origins, [*BAD_ORIGINS, "[", 1, None]),
        huge("https://h{}.example", ["localhost:3000", "https://h.example/", "[", ""], None),
        COMMON_WRONG,
    ),
    accepted=st.one_of(
        origin_lists(),
        listed(
            "origins",
            accept("*", WILDCARD_PROBES),
            accept(".*", WILDCARD_PROBES),
            accept(["*"], WILDCARD_PROBES),
            accept("HTTPS://A.EXAMPLE", ((A, True), ("https://b.example", False))),
            accept("http://[::1]:8080", (("http://[::1]:8080", True), ("http://1:8080", False))),
            accept("null", (("null", True), (A, False)), warns="null"),
            accept(
                r"https://[a-z]+\.example\.com",
                (("https://x.example.com", True), ("https://x.example.com.evil.net", False)),
            ),
            accept(
                r"^https://api.example.com$",
                (("https://api.example.com", True), ("https://apiXexample.com", True)),
                warns="api.example.com",
            ),
            accept(re.compile(r"https://a\.example"), ((A, True), (A + ".evil.net", False))),
            accept([r"https://[a-z]\.test", A], ((A, True), ("https://q.test", True))),
            either(None),
            either(re.compile(b"x")),
            either([], ((A, False),)),
            either("http://a.example:99999"),
        ),
        huge(
            "https://h{}.example",
            None,
            lambda items: ((items[0], True), (items[-1], True), ("https://h.example", False)),
        ),
    ),
)

# --- resources (probes: path -> covered by CORS)

PATHS = ["/api/x", "/api/x/y", "/other", "/third", "/p0"]


def nested(name: str, case: Case) -> Case:
    """``case`` for option ``name`` inside resources={"/api/*": {...}}."""
    value = {r"/api/*": {name: case.value}}
    if case.verdict == REJECT:
        return reject(value, *(case.names or (name,)))
    return Case(value, case.verdict)


def nested_cases(group: str) -> st.SearchStrategy[Case]:
    return st.deferred(
        lambda: st.sampled_from(OPTION_NAMES[1:]).flatmap(
            lambda name: getattr(OPTION_CASES[name], group).map(lambda case: nested(name, case))
        )
    )


BAD_RESOURCES = [
    "api", "", "other", "[", "(", "/api/(", ["/api/*", "api"], ["/api/*", 5], [None],
    {"api": {}}, {5: {}}, {None: {}}, {"/api/*": "x"}, {"/api/*": ["origins"]}, {"/api/*": 5},
    {"/api/*": True}, True, 7,
]  # fmt: skip
RESOURCES_CASES = Cases(
    refused=st.one_of(
        rejects("resources", *BAD_RESOURCES),
        listed(
            "resources",
            reject({"/api/*": {"resources": "/x"}}, "resources"),
            reject({"/api/*": {"orign": "*"}}, "orign"),
            reject(
                {"/api/*": {"send_wildcard": True, "supports_credentials": True}},
                "send_wildcard",
                "supports_credentials",
                "origins",
            ),
        ),
        huge("/p{}", ["api", 3, "["], None),
        nested_cases("refused"),
        COMMON_WRONG,
    ),
    accepted=st.one_of(
        listed(
            "resources",
            accept(r"/api/*", (("/api/x", True), ("/api/x/y", True), ("/other", False))),
            accept("/api/x", (("/api/x", True), ("/api/x/y", False), ("/other", False))),
            accept(["/api/*", "/other"], (("/api/x", True), ("/other", True), ("/third", False))),
            accept(("/other",), (("/other", True), ("/api/x", False))),
            accept("*", tuple((p, True) for p in PATHS)),
            accept(re.compile(r"/api/.*"), (("/api/x", True), ("/other", False))),
            accept(re.compile(r"/(other|third)"), (("/other", True), ("/api/x", False))),
            accept(
                {"/other": {"origins": "https://b.example"}, "/api/*": {}},
                (("/api/x", True), ("/other", False), ("/third", False)),
            ),
            accept({"/api/*": {"max_age": "10", "supports_credentials": "false"}}),
        ),
        listed(
            "resources",
            either(None),
            either([], tuple((p, False) for p in PATHS)),
            either({}, tuple((p, False) for p in PATHS)),
            either({"/api/*": None}),
            either(re.compile(b"/api")),
            either("api/*"),
        ),
        huge("/p{}", None, (("/p0", True), ("/other", False))),
        nested_cases("accepted"),
    ),
)

OPTION_CASES: Dict[str, Cases] = {
    "resources": RESOURCES_CASES,
    "origins": ORIGINS_CASES,
    "methods": METHODS_CASES,
    "expose_headers": EXPOSE_CASES,
    "allow_headers": ALLOW_HEADERS_CASES,
    "max_age": MAX_AGE_CASES,
    **{name: BOOL_CASES for name in BOOLEAN_OPTIONS},
}


# ---------------------------------------------------------------------------------------
# Apps: the places an option can be set


class Setup(NamedTuple):
    mode: str  # "extension", "decorator" or "blueprint"
    keywords: Dict[str, Any]  # CORS(...) / cross_origin(...) / CORS(bp, ...) keywords
    init_app: Optional[Dict[str, Any]] = None  # None: CORS(app, **keywords)
    resource: Optional[Dict[str, Any]] = None  # options of resources={"/api/*": ...}
    config: Optional[Dict[str, Any]] = None
    config_after: bool = False  # app.config set after CORS(app)


PLACES = [
    "constructor", "factory", "init_app", "config", "config_after", "resource", "decorator",
    "config_decorator", "blueprint",
]  # fmt: skip
#: Places where the README (Options) says the value is first seen when a request comes in.
REQUEST_TIME_PLACES = ("config_after", "config_decorator")
CONFIG_PLACES = ("config", "config_after", "config_decorator")
DECORATOR_PLACES = ("decorator", "config_decorator")


def setup_for(place: str, name: str, value: Any) -> Setup:
    one = {name: value}
    return {
        "constructor": Setup("extension", one),
        "factory": Setup("extension", one, init_app={}),
        "init_app": Setup("extension", {}, init_app=one),
        "config": Setup("extension", {}, config={config_key(name): value}),
        "config_after": Setup("extension", {}, config={config_key(name): value}, config_after=True),
        "resource": Setup("extension", {}, resource=one),
        "decorator": Setup("decorator", one),
        "config_decorator": Setup("decorator", {}, config={config_key(name): value}),
        "blueprint": Setup("blueprint", one),
    }[place]


def api_view() -> Any:
    if request.args.get("fail"):
        abort(404)
    if request.args.get("raise"):  # unhandled: what intercept_exceptions=False leaves alone
        raise RuntimeError("unhandled")
    return "api"


def plain_view() -> Any:
    return "plain"


def build(setup: Setup) -> Flask:
    """Run the setup (everything up to the first request) for ``setup``."""
    app = Flask(__name__)
    app.testing = True  # anything the extension raises reaches the test
    if setup.config and not setup.config_after:
        app.config.update(setup.config)
    for path in PATHS[2:]:
        app.add_url_rule(path, path, plain_view, methods=["GET", "POST"])
    keywords = dict(setup.keywords)
    if setup.resource is not None:
        keywords["resources"] = {r"/api/*": setup.resource}
    if setup.mode == "decorator":
        view = cross_origin(**keywords)(api_view)
        app.add_url_rule("/api/x", "api", view, methods=["GET", "POST"])
        app.add_url_rule("/api/x/y", "api_y", view, methods=["GET", "POST"])
    elif setup.mode == "blueprint":
        bp = Blueprint("bp", __name__, url_prefix="/api")
        bp.add_url_rule("/x", "api", api_view, methods=["GET", "POST"])
        bp.add_url_rule("/x/y", "api_y", api_view, methods=["GET", "POST"])
        CORS(bp, **keywords)
        app.register_blueprint(bp)
    else:
        app.add_url_rule("/api/x", "api", api_view, methods=["GET", "POST"])
        app.add_url_rule("/api/x/y", "api_y", api_view, methods=["GET", "POST"])
        if setup.init_app is None:
            CORS(app, **keywords)
        else:
            CORS(**keywords).init_app(app, **setup.init_app)
    if setup.config and setup.config_after:
        app.config.update(setup.config)
    return app


class Req(NamedTuple):
    method: str
    path: str
    origin: Optional[str] = None
    acrm: Optional[str] = None
    acrh: Optional[str] = None
    acpn: Optional[str] = None
    query: str = ""


def send(app: Flask, req: Req) -> TestResponse:
    """One request, its CORS headers passed raw through the environ (CR/LF included)."""
    environ = {}
    for key, value in (
        ("HTTP_ORIGIN", req.origin),
        ("HTTP_ACCESS_CONTROL_REQUEST_METHOD", req.acrm),
        ("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", req.acrh),
        ("HTTP_ACCESS_CONTROL_REQUEST_PRIVATE_NETWORK", req.acpn),
    ):
        if value is not None:
            environ[key] = value.encode("utf-8").decode("latin-1")  # as a WSGI server would
    return app.test_client().open(
        req.path, method=req.method, query_string=req.query, environ_overrides=environ
    )


#: Requests every accepted configuration must answer: (request, status routing gives).
BATCH = [
    (Req("GET", "/api/x", A), 200),
    (Req("GET", "/api/x"), 200),
    (Req("POST", "/api/x", "null"), 200),
    (Req("GET", "/api/x", "https://evil.example"), 200),
    (Req("GET", "/api/x", A + "\r\nX-Injected: 1"), 200),
    (Req("GET", "/api/x", "https://\u00e9vil.example"), 200),
    (Req("GET", "/api/x", A + ", https://b.example"), 200),
    (Req("GET", "/api/x", ""), 200),
    (Req("GET", "/api/x", "https://" + "a" * 3000 + ".example"), 200),
    (Req("OPTIONS", "/api/x", A, "GET", "X-A, Content-Type, x-lower"), 200),
    (Req("OPTIONS", "/api/x", A, "G ET", "bad name,,x\x00y"), 200),
    (Req("OPTIONS", "/api/x", A, "PUT\r\n", "X-A\r\nX-B: 1"), 200),
    (Req("OPTIONS", "/api/x", A, "PURGE", None, "true"), 200),
    (Req("OPTIONS", "/api/x", A, ""), 200),
    (Req("OPTIONS", "/api/x", "null", "GET"), 200),
    (Req("PUT", "/api/x", A), 405),
    (Req("GET", "/api/x", A, query="fail=1"), 404),
    (Req("GET", "/missing", A), 404),
    (Req("GET", "/other", A), 200),
]
odd_requests = st.builds(
    Req,
    st.sampled_from(["GET", "OPTIONS"]),
    st.just("/api/x"),
    st.one_of(st.none(), st.text(max_size=30)),
    st.one_of(st.none(), st.text(max_size=8)),
    st.one_of(st.none(), st.text(max_size=20)),
)


def check_clean(response: TestResponse, req: Req) -> None:
    """INV-09, INV-01, INV-02, INV-03 on one response."""
    for name, value in response.headers.items():
        assert not CONTROL.search(value), (req, name, value)
    acao = response.headers.getlist(ACAO)
    assert len(acao) <= 1, (req, acao)
    if ACAC in response.headers:
        assert response.headers.getlist(ACAC) == ["true"], req
        assert acao and acao != ["*"], (req, acao)


#: Some of BATCH and maybe an odd request: every request of BATCH is sent in some example.
request_batches = st.tuples(
    st.lists(st.sampled_from(BATCH), min_size=3, max_size=5),
    st.lists(odd_requests.map(lambda req: (req, 200)), max_size=1),
).map(lambda pair: pair[0] + pair[1])


def answer_batch(app: Flask, batch: List[Tuple[Req, int]]) -> None:
    for req, status in batch:
        response = send(app, req)
        assert response.status_code == status, (req, response.status_code)
        check_clean(response, req)


def tokens(response: TestResponse, name: str) -> Set[str]:
    return {
        token.strip().lower()
        for value in response.headers.getlist(name)
        for token in value.split(",")
        if token.strip()
    }


def check_meaning(app: Flask, name: str, meaning: Any) -> None:
    """Assert /api/x answers as the README says option ``name`` meaning ``meaning`` does
    (every other option at its default)."""
    preflight = Req("OPTIONS", "/api/x", A, "GET")
    if name == "origins":
        for origin, allowed in meaning:
            response = send(app, Req("GET", "/api/x", origin))
            assert response.headers.getlist(ACAO) == ([origin] if allowed else []), origin
    elif name == "resources":
        for path, covered in meaning:
            response = send(app, Req("GET", path, A))
            assert response.headers.getlist(ACAO) == ([A] if covered else []), path
    elif name == "methods":
        if meaning == ANY:
            response = send(app, preflight._replace(acrm="PURGE"))
            assert tokens(response, ACAM) == {"purge"}
            return
        if meaning:
            response = send(app, preflight._replace(acrm=min(meaning)))
            assert tokens(response, ACAM) == {m.lower() for m in meaning}
        response = send(app, preflight._replace(acrm="NOT-CONFIGURED"))
        assert ACAM not in response.headers
    elif name == "expose_headers":
        response = send(app, Req("GET", "/api/x", A))
        assert tokens(response, ACEH) == (meaning or set())
    elif name == "allow_headers":
        asked = ", ".join(header for header, _ in meaning)
        response = send(app, preflight._replace(acrh=asked))
        assert tokens(response, ACAH) == {h.lower() for h, allowed in meaning if allowed}
    elif name == "max_age":
        response = send(app, preflight)
        assert response.headers.getlist(ACMA) == ([] if meaning is None else [str(meaning)])
    elif name == "supports_credentials":
        response = send(app, Req("GET", "/api/x", A))
        assert response.headers.getlist(ACAC) == (["true"] if meaning else [])
        assert response.headers.getlist(ACAO) == [A]
    elif name == "send_wildcard":
        response = send(app, Req("GET", "/api/x", A))
        assert response.headers.getlist(ACAO) == ["*" if meaning else A]
    elif name == "vary_header":
        response = send(app, Req("GET", "/api/x", A))
        assert ("origin" in tokens(response, "Vary")) == meaning
    elif name == "always_send":
        response = send(app, Req("GET", "/api/x"))
        assert response.headers.getlist(ACAO) == (["*"] if meaning else [])
    elif name == "intercept_exceptions":
        app.config["PROPAGATE_EXCEPTIONS"] = False  # this probe wants Flask's own 500
        app.logger.disabled = True
        response = send(app, Req("GET", "/api/x", A, query="raise=1"))
        assert response.status_code == 500
        assert response.headers.getlist(ACAO) == ([A] if meaning else [])
    elif name == "allow_private_network":
        response = send(app, preflight._replace(acpn="true"))
        assert response.headers.getlist(ACAPN) == ["true" if meaning else "false"]
    elif name == "automatic_options":
        response = send(app, preflight)
        assert response.status_code == 200
        assert response.headers.getlist(ACAO) == ([A] if meaning else [])


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: List[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def warnings_logged() -> Iterator[List[str]]:
    """The WARNING messages of the 'flask_cors' logger while the block runs."""
    logger = logging.getLogger("flask_cors")
    handler = _Records()
    previous = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def check_refusal(error: Exception, names: Tuple[str, ...], config: bool) -> None:
    """A refusal is a TypeError or ValueError naming each of ``names`` (or, for app.config,
    its CORS_ key)."""
    assert isinstance(error, (TypeError, ValueError)), f"{type(error).__name__}: {error}"
    message = str(error)
    for name in names:
        assert name in message or (config and config_key(name) in message), (name, message)


# ---------------------------------------------------------------------------------------
# Every option, every place


def run_case(
    name: str, case: Case, place: str, batch: List[Tuple[Req, int]], say: Any = note
) -> None:
    """Set option ``name`` to ``case.value`` in ``place`` and check what README says: a
    refusal is a TypeError/ValueError naming the option (at setup, or for app.config the
    extension first reads at request time, on that request); an accepted value means what
    README says, and the app answers ``batch`` with clean headers, one ACAO and the status
    routing gives."""
    meaning, names = case.meaning, case.names or (name,)
    if name == "resources" and place in ("decorator", "resource"):
        # README: the decorator takes every option except resources; a resource's own
        # dict holds options for that resource, and 'resources' is not one of them.
        case, names = reject(case.value), ("resources",)
    if name == "resources" and place == "config_decorator" and case.verdict == REJECT:
        case = case._replace(verdict=EITHER)  # the decorator ignores resources: may ignore it
    if (name == "resources" and place in ("blueprint", "config_decorator")) or (
        name == "automatic_options" and place not in DECORATOR_PLACES
    ):
        meaning = UNCHECKED  # no observable effect there (README table)
    phase = "setup"
    with warnings_logged() as logged:
        try:
            app = build(setup_for(place, name, case.value))
            phase = "request"
            first = send(app, Req("GET", "/api/x", A))
        except Exception as error:
            say(f"refused at {phase}: {type(error).__name__}: {error}")
            assert case.verdict != ACCEPT, f"README accepts {case.value!r}: {error!r}"
            if phase == "request":
                assert place in REQUEST_TIME_PLACES, f"not refused at setup: {error!r}"
            check_refusal(error, names, place in CONFIG_PLACES)
            return
        assert case.verdict != REJECT, f"{name}={case.value!r} accepted in {place}"
        check_clean(first, Req("GET", "/api/x", A))
        answer_batch(app, batch)
        if meaning is not UNCHECKED:
            check_meaning(app, name, meaning)
    if case.warns is not None:
        about = [message for message in logged if case.warns in message]
        assert len(about) == 1, logged  # README difference 8: warned once


@pytest.mark.parametrize("group", ["refused", "accepted"])
@pytest.mark.parametrize("option", [*OPTION_NAMES[:5], "max_age", "a boolean option"])
@invariant("INV-14", "INV-09", "INV-01", "INV-02", "INV-03")
@given(data=st.data())
def test_option_value_is_refused_naming_it_or_means_what_the_readme_says(
    option: str, group: str, data: st.DataObject
) -> None:
    """A value aimed at the option's failure modes (README refuses it, or accepts it, or
    does not say), set in any of the places README lists: see run_case."""
    name = option
    if option == "a boolean option":
        name = data.draw(st.sampled_from(BOOLEAN_OPTIONS), label="name")
    case = data.draw(getattr(OPTION_CASES[name], group), label="case")
    place = data.draw(st.sampled_from(PLACES), label="place")
    run_case(name, case, place, data.draw(request_batches, label="requests"))


def listed_runs() -> List[Any]:
    """Each listed value once (a value listed for "any" option once per option), with
    the boolean options, the places and the requests in rotation."""
    runs = []
    for option, cases in LISTED.items():
        for case in cases:
            if option == "any":
                names: Tuple[str, ...] = OPTION_NAMES
            elif option == "boolean":
                names = (BOOLEAN_OPTIONS[len(runs) % len(BOOLEAN_OPTIONS)],)
            else:
                names = (option,)
            for name in names:
                index = len(runs)
                place = PLACES[index % len(PLACES)]
                batch = [BATCH[index % len(BATCH)], BATCH[(index * 7 + 3) % len(BATCH)]]
                runs.append(pytest.param(name, case, place, batch, id=f"{name}-{index}-{place}"))
    return runs


@invariant("INV-14", "INV-09", "INV-01", "INV-02", "INV-03")
@pytest.mark.parametrize(("name", "case", "place", "batch"), listed_runs())
def test_each_listed_value_is_refused_naming_it_or_means_what_the_readme_says(
    name: str, case: Case, place: str, batch: List[Tuple[Req, int]]
) -> None:
    """Every hand-listed value, run once (the derandomized ci profile's 60 draws would
    miss some): the same contract as the property test above."""
    run_case(name, case, place, batch, say=print)


# ---------------------------------------------------------------------------------------
# Misspelled option names (README difference 5 and the Options section)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and
    adjacent transpositions each cost 1."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(
                d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def fold(name: str) -> str:
    return name.lower().replace("-", "_")


def edits(name: str, kind: str) -> List[str]:
    """Every misspelling of ``name`` of one kind."""
    n = len(name)
    if kind == "drop":
        return [name[:i] + name[i + 1 :] for i in range(n)]
    if kind == "duplicate":
        return [name[: i + 1] + name[i:] for i in range(n)]
    if kind == "swap":
        return [name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in range(n - 1)]
    if kind == "case":
        flipped = [name[:i] + name[i].swapcase() + name[i + 1 :] for i in range(n)]
        return [name.swapcase(), name.capitalize(), name.title(), *flipped]
    assert kind == "hyphen"
    return [name.replace("_", "-")] + [
        name[:i] + "-" + name[i + 1 :] for i in range(n) if name[i] == "_"
    ]


EDIT_KINDS = ["drop", "duplicate", "swap", "case", "hyphen"]


@functools.cache
def far_apart(a: str, b: str) -> bool:
    """Whether two folded names are three or more edits apart."""
    return abs(len(a) - len(b)) >= 3 or edit_distance(a, b) >= 3


def misspellings(kind: str, spell: Any = str) -> List[Tuple[str, str]]:
    """(real, misspelled) pairs of one kind that are unambiguous by construction: not a real
    name, one edit (ignoring case and '-' vs '_') from the real one, three or more from
    every other one."""
    spelled = {spell(name) for name in OPTION_NAMES}
    pairs = set()
    for real in OPTION_NAMES:
        for wrong in edits(spell(real), kind):
            if wrong in spelled or edit_distance(fold(wrong), real) > 1:
                continue
            if all(far_apart(fold(wrong), other) for other in OPTION_NAMES if other != real):
                pairs.add((real, wrong))
    return sorted(pairs)


KEYWORD_FORMS = ["constructor", "factory", "init_app", "resource", "decorator", "blueprint"]
#: A valid value of each option, so that only the name is wrong.
VALID_VALUES: Dict[str, Any] = {
    "resources": {r"/api/*": {}}, "origins": A, "methods": ["GET"], "expose_headers": "X-A",
    "allow_headers": ["X-A"], "max_age": 5, **{name: True for name in BOOLEAN_OPTIONS},
}  # fmt: skip
#: kind -> (real, misspelled) keyword pairs; resource dicts and the decorator take every
#: option but 'resources', so they get the pairs of the other options.
KEYWORD_MISSPELLINGS = {kind: misspellings(kind) for kind in EDIT_KINDS}
#: kind -> (real CORS_ key, misspelled CORS_ key); the 'CORS_' prefix is kept.
CONFIG_MISSPELLINGS = {
    kind: [(config_key(real), "CORS_" + wrong) for real, wrong in misspellings(kind, str.upper)]
    for kind in EDIT_KINDS
}


def quoted(name: str, message: str) -> bool:
    return re.search(r"[\"'`]" + re.escape(name) + r"[\"'`]", message) is not None


@pytest.mark.parametrize("kind", EDIT_KINDS)
@invariant("INV-14")
@given(data=st.data())
def test_misspelled_option_keyword_is_refused_suggesting_the_right_one(
    kind: str, data: st.DataObject
) -> None:
    """A misspelled keyword (dropped, doubled or swapped letters, wrong case, '-' for '_')
    to CORS(), init_app(), a resource's dict, @cross_origin or CORS(bp) raises TypeError
    naming it and suggesting the one option it is a misspelling of, and no other."""
    form = data.draw(st.sampled_from(KEYWORD_FORMS), label="form")
    pairs = KEYWORD_MISSPELLINGS[kind]
    if form in ("resource", "decorator"):
        pairs = [pair for pair in pairs if pair[0] != "resources"]
    real, wrong = data.draw(st.sampled_from(pairs), label="misspelling")
    with pytest.raises(TypeError) as raised:
        build(setup_for(form, wrong, VALID_VALUES[real]))
    message = str(raised.value)
    assert wrong in message, message
    assert quoted(real, message), message
    assert not [name for name in OPTION_NAMES if name != real and quoted(name, message)]


@pytest.mark.parametrize("kind", EDIT_KINDS)
@invariant("INV-14")
@given(data=st.data())
def test_misspelled_config_key_is_logged_suggesting_the_right_key_and_ignored(
    kind: str, data: st.DataObject
) -> None:
    """app.config['CORS_ORGINS'] (any misspelling of a CORS_ key) does not raise: it is
    logged once as a WARNING naming the key and suggesting the right CORS_ key, and the
    app answers as it does without it (README difference 5: other code shares the CORS_
    namespace)."""
    real_key, wrong_key = data.draw(st.sampled_from(CONFIG_MISSPELLINGS[kind]), label="keys")
    mode = data.draw(st.sampled_from(["extension", "decorator", "blueprint"]), label="mode")
    # If it were read, this value would refuse https://a.example or change the answer.
    value = (
        "https://b.example" if real_key == "CORS_ORIGINS" else VALID_VALUES[real_key[5:].lower()]
    )
    reference = build(Setup(mode, {}))
    with warnings_logged() as logged:
        app = build(Setup(mode, {}, config={wrong_key: value}))
        for req in (Req("GET", "/api/x", A), Req("OPTIONS", "/api/x", A, "GET", "X-A")):
            response, expected = send(app, req), send(reference, req)
            assert response.status_code == expected.status_code
            assert sorted(response.headers.items()) == sorted(expected.headers.items()), req
    about = [message for message in logged if wrong_key in message]
    assert len(about) == 1, logged
    assert quoted(real_key, about[0]), about[0]
    others = [key for key in map(config_key, OPTION_NAMES) if key != real_key]
    assert not [key for key in others if quoted(key, about[0])], about[0]


@invariant("INV-14")
@given(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_0123456789", min_size=1, max_size=12).map(
        lambda text: "zz" + text
    ),
    st.sampled_from(KEYWORD_FORMS),
    st.sampled_from([None, True, "*", 5, object()]),
)
def test_unknown_option_keyword_is_refused_naming_it(name: str, form: str, value: Any) -> None:
    """Any keyword that is not an option (whatever its value) raises TypeError naming it."""
    with pytest.raises(TypeError) as raised:
        build(setup_for(form, name, value))
    assert name in str(raised.value)


# ---------------------------------------------------------------------------------------
# send_wildcard + '*' + supports_credentials, across layers

#: Layers of each mode, most important first (README Options: resource dict, init_app,
#: constructor, app.config; the decorator: its keywords, app.config).
LAYERS = {
    "extension": ("resource", "init_app", "constructor", "config"),
    "blueprint": ("resource", "constructor", "config"),
    "decorator": ("constructor", "config"),
}
TRIO = ("origins", "supports_credentials", "send_wildcard")
#: (value, whether it allows every origin / its boolean meaning)
ORIGIN_VALUES = [
    ("*", True), (".*", True), (["*"], True), (["https://b.example", "*"], True), (A, False),
    (re.compile(r"https://a\.example"), False), (A + ", https://b.example", False),
]  # fmt: skip
BOOL_VALUES = [(True, True), ("true", True), ("TRUE", True), ("1", True), (False, False),
               ("false", False), ("0", False)]  # fmt: skip


@st.composite
def layered_trios(draw: st.DrawFn) -> Tuple[str, Dict[str, Dict[str, Tuple[Any, bool]]]]:
    """A mode and, per layer, some of the three options with a value and its meaning: the
    layer that wins for each option is drawn uniformly (or none: the default), and layers
    below it may set it too, to be overridden."""
    mode = draw(st.sampled_from(sorted(LAYERS)))
    order = LAYERS[mode]
    layers: Dict[str, Dict[str, Tuple[Any, bool]]] = {layer: {} for layer in order}
    for option in TRIO:
        pool = ORIGIN_VALUES if option == "origins" else BOOL_VALUES
        top = draw(st.integers(min_value=0, max_value=len(order)))
        for index, layer in enumerate(order[top:]):
            if index == 0 or draw(st.booleans()):
                layers[layer][option] = draw(st.sampled_from(pool))
    return mode, layers


@invariant("INV-14", "INV-02", "INV-10")
@given(layered_trios())
def test_wildcard_credentials_conflict_is_refused_in_any_layers_and_only_then(
    trio: Tuple[str, Dict[str, Dict[str, Tuple[Any, bool]]]],
) -> None:
    """send_wildcard + origins '*' + supports_credentials, each taken from whichever layer
    wins by README precedence, is refused naming all three (at setup; for the decorator
    with a part from app.config or the default origins, at the first request); any other
    combination is accepted and answered as its effective values say, with the '*' +
    credentials warning (README difference 8) exactly when origins '*' and credentials
    are in effect."""
    mode, layers = trio
    order = LAYERS[mode]
    effective, source = {}, {}
    for option in TRIO:
        setting = next((layer for layer in order if option in layers[layer]), "default")
        source[option] = setting
        effective[option] = (
            layers[setting][option][1] if setting != "default" else option == "origins"
        )
    conflict = all(effective.values())
    raw = {layer: {k: v for k, (v, _) in options.items()} for layer, options in layers.items()}
    setup = Setup(
        mode,
        raw["constructor"],
        init_app=raw.get("init_app"),
        resource=raw.get("resource"),
        config={config_key(k): v for k, v in raw["config"].items()},
    )
    phase = "setup"
    with warnings_logged() as logged:
        try:
            app = build(setup)
            phase = "request"
            response = send(app, Req("GET", "/api/x", A))
        except Exception as error:
            note(f"refused at {phase}: {error!r}")
            assert conflict, f"refused, but effective values are {effective}: {error!r}"
            # A decorator only sees app.config at its first request: a part from there,
            # or the default origins (which app.config may still replace), is judged then.
            late_ok = mode == "decorator" and (
                "config" in source.values() or source["origins"] == "default"
            )
            assert phase == "setup" or late_ok, f"not refused at setup: {error!r}"
            check_refusal(error, TRIO, config=True)
            return
    note(f"effective {effective} from {source}; {list(response.headers.items())}")
    assert not conflict, f"accepted send_wildcard + '*' + credentials from {source}"
    wildcard_answer = effective["origins"] and effective["send_wildcard"]
    assert response.headers.getlist(ACAO) == ["*" if wildcard_answer else A]
    assert response.headers.getlist(ACAC) == (["true"] if effective["supports_credentials"] else [])
    risky = effective["origins"] and effective["supports_credentials"]
    about = [message for message in logged if "supports_credentials" in message]
    assert len(about) == (1 if risky else 0), logged


@invariant("INV-14", "INV-10")
@given(
    st.sampled_from(["decorator", "blueprint", "extension"]),
    st.sampled_from(BOOL_VALUES[:4]),
    st.one_of(st.none(), st.sampled_from(BOOL_VALUES[:4])),
    st.sampled_from([value for value, wildcard in ORIGIN_VALUES if not wildcard]),
)
def test_origins_from_app_config_count_when_judging_credentials_in_code(
    mode: str,
    credentials: Tuple[Any, bool],
    send_wildcard: Optional[Tuple[Any, bool]],
    origins: Any,
) -> None:
    """supports_credentials (and send_wildcard) in code with the trusted origins listed in
    app.config: README precedence makes the origins those of app.config (blueprints and
    the decorator included, README difference 17), so this is neither the refused
    send_wildcard + '*' + credentials nor the '*' + credentials that warns; it is accepted
    silently and the allowed origin gets credentials."""
    keywords = {"supports_credentials": credentials[0]}
    if send_wildcard is not None:
        keywords["send_wildcard"] = send_wildcard[0]
    with warnings_logged() as logged:
        app = build(
            Setup(mode, keywords, init_app={} if mode == "extension" else None,
                  config={"CORS_ORIGINS": origins})
        )  # fmt: skip
        allowed = send(app, Req("GET", "/api/x", A))
        refused = send(app, Req("GET", "/api/x", "https://evil.example"))
    assert allowed.headers.getlist(ACAO) == [A]
    assert allowed.headers.getlist(ACAC) == ["true"]
    assert ACAO not in refused.headers and ACAC not in refused.headers
    assert logged == []
