"""Property tests of the pure CORS decision (flask_cors.policy.decide), no Flask: INV-01..09, 14.

Every expectation comes from an independent model of the options written here from the
README's option table and Flask-CORS's documented rules (a string is a regex when it holds
one of ``* \\ ] ? $ ^ [ ( )``, string regexes ignore case as in Flask-CORS, compiled ones keep
their own flags, literals are compared ignoring ASCII case, ``"*"``/``".*"`` allow every origin,
literal strings are comma lists), never from flask_cors's own matchers.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any, Dict, List, Optional, Pattern, Set, Tuple

from hypothesis import event, given, note
from hypothesis import strategies as st

from flask_cors.policy import Decision, decide
from strategies import (
    HEADER_NAMES,
    METHOD_NAMES,
    allow_headers_options,
    header_names,
    invariant,
    is_rejected_combination,
    max_age_options,
    methods_options,
    near_misses,
    option_sets,
    origin_options,
    origins,
    policy_from,
    private_network_headers,
    request_header_lists,
    request_method_headers,
    request_methods,
    request_origins,
    tokens,
)

ACAO = "Access-Control-Allow-Origin"
ACAC = "Access-Control-Allow-Credentials"
ACAM = "Access-Control-Allow-Methods"
ACAH = "Access-Control-Allow-Headers"
ACEH = "Access-Control-Expose-Headers"
ACMA = "Access-Control-Max-Age"
ACAPN = "Access-Control-Allow-Private-Network"
GRANTING = (ACAO, ACAC, ACAM, ACAH, ACEH, ACMA, ACAPN)
PREFLIGHT_ONLY = (ACAM, ACAH, ACMA)

# ---------------------------------------------------------------------------------------
# An independent model of the options (README option table and Flask-CORS's rules)

REGEX_CHARACTERS = frozenset("*\\]?$^[()")
WILDCARD_SPELLINGS = ("*", ".*")
DEFAULT_METHODS = ("GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE")
#: RFC 9110 token: 1*tchar.
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: README difference 4: echoable Origins are visible ASCII without commas, <= 1024 chars.
ECHOABLE_ORIGIN = re.compile(r"[\x21-\x2b\x2d-\x7e]{1,1024}")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(value: str) -> str:
    """Lower-case ASCII letters only: INV-05 ignores ASCII case, nothing else."""
    return value.translate(_ASCII_LOWER)


def is_token(value: str) -> bool:
    return TOKEN.fullmatch(value) is not None


class NamesModel:
    """What an origins or allow_headers value allows: '*', literals, whole-value regexes."""

    def __init__(self, value: Any) -> None:
        self.wildcard = False
        self.literals: List[str] = []
        self.regexes: List[Pattern[str]] = []
        raw = [value] if isinstance(value, (str, re.Pattern)) else list(value)
        for item in raw:
            if isinstance(item, re.Pattern):
                self.regexes.append(item)
            elif item in WILDCARD_SPELLINGS:
                self.wildcard = True
            elif any(character in REGEX_CHARACTERS for character in item):
                self.regexes.append(re.compile(item, re.IGNORECASE))
            else:
                self.literals.extend(part.strip(" \t") for part in item.split(","))
        self.folded = {ascii_lower(literal) for literal in self.literals}

    def allows(self, value: str) -> bool:
        return (
            self.wildcard
            or ascii_lower(value) in self.folded
            or any(regex.fullmatch(value) is not None for regex in self.regexes)
        )


class Model:
    """The effective configuration of one layer of options over the README defaults."""

    def __init__(self, options: Dict[str, Any]) -> None:
        self.options = options
        self.origins = NamesModel(options.get("origins", "*"))
        self.allow_headers = NamesModel(options.get("allow_headers", "*"))
        methods = options.get("methods", ",".join(DEFAULT_METHODS))
        items = [methods] if isinstance(methods, str) else list(methods)
        names = [part.strip(" \t") for item in items for part in item.split(",")]
        self.any_method = "*" in names
        self.methods = {name.upper() for name in names}
        max_age = options.get("max_age")
        if isinstance(max_age, timedelta):
            max_age = int(max_age.total_seconds())
        self.max_age: Optional[str] = None if max_age is None else str(int(max_age))
        self.credentials = bool(options.get("supports_credentials", False))
        self.send_wildcard = bool(options.get("send_wildcard", False))
        self.always_send = bool(options.get("always_send", True))
        self.vary_header = bool(options.get("vary_header", True))

    @property
    def star_for_everyone(self) -> bool:
        """origins '*' with send_wildcard: '*' answers every Origin (INV-04's exception)."""
        return self.origins.wildcard and self.send_wildcard

    def origin_allowed(self, origin: str) -> bool:
        return self.origins.allows(origin)

    def rejects(self, origin: Optional[str]) -> bool:
        """INV-04's premise: an Origin (a non-empty one: empty counts as absent, spec case
        always-send/empty-origin-counts-as-absent) the policy does not allow."""
        return bool(origin) and not self.origin_allowed(origin) and not self.star_for_everyone

    def from_allowed_origin(self, origin: Optional[str]) -> bool:
        """The origin side of INV-07: a request with an Origin that the policy allows."""
        return bool(origin) and (self.star_for_everyone or self.origin_allowed(origin))

    def answers(self, origin: Optional[str]) -> bool:
        """An allowed Origin the policy can answer: '*' for everyone, or one that may be
        echoed (visible ASCII without commas, README difference 4)."""
        if not self.from_allowed_origin(origin):
            return False
        assert origin is not None
        return self.star_for_everyone or ECHOABLE_ORIGIN.fullmatch(origin) is not None

    def method_allowed(self, request_method: Optional[str]) -> bool:
        if request_method is None:
            return False
        asked = request_method.strip(" \t")
        # Fetch's "normalize": only these six are upper-cased; `patch` is not PATCH.
        upper = asked.upper()
        sent = upper if upper in {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"} else asked
        return is_token(asked) and (self.any_method or sent in self.methods)


def run(
    options: Dict[str, Any],
    method: str,
    origin: Optional[str],
    request_method: Optional[str] = None,
    request_headers: Optional[str] = None,
    private_network: Optional[str] = None,
) -> Tuple[Model, Decision, Dict[str, List[str]]]:
    """Decide one request; return the model, the decision and its headers by name."""
    decision = decide(
        policy_from(options), method, origin, request_method, request_headers, private_network
    )
    note(f"decision: {decision!r}")
    by_name: Dict[str, List[str]] = {}
    for name, value in decision.headers:
        by_name.setdefault(name.lower(), []).append(value)
    return Model(options), decision, by_name


def values(headers: Dict[str, List[str]], name: str) -> List[str]:
    return headers.get(name.lower(), [])


def one(headers: Dict[str, List[str]], name: str) -> Optional[str]:
    """The single value of a header, or None; fails if the header appears several times."""
    found = values(headers, name)
    assert len(found) <= 1, f"{name} appears {len(found)} times: {found!r}"
    return found[0] if found else None


def split_list(value: str) -> List[str]:
    """A comma list header value as its elements, optional whitespace removed."""
    return [part.strip(" \t") for part in value.split(",") if part.strip(" \t")]


def control_characters(value: str) -> List[str]:
    return [character for character in value if unicodedata.category(character) == "Cc"]


# ---------------------------------------------------------------------------------------
# Strategies of this file


@st.composite
def options_with_origins(draw: st.DrawFn) -> Tuple[Dict[str, Any], List[str]]:
    """option_sets() that always configure origins, with origins they allow."""
    options, examples = draw(option_sets())
    if "origins" not in options:
        options["origins"], examples = draw(origin_options())
        if is_rejected_combination(options):
            options["send_wildcard"] = False
    return options, examples


def edits(origin: str) -> st.SearchStrategy[str]:
    """INV-05's derived values: something appended, something prepended, one character
    changed."""
    added = st.one_of(
        st.sampled_from([".evil.net", "evil.com", ".", ":8080", "/", "a", "\t", "%00"]),
        st.text(min_size=1, max_size=8),
    )
    characters = st.one_of(
        st.sampled_from(list("aAzZ.-:/0_%@\u0430\u212a\u017f")),
        st.characters(blacklist_categories=("Cs",)),
    )

    def changed(index: int, character: str) -> str:
        return origin[:index] + character + origin[index + 1 :]

    return st.one_of(
        added.map(lambda suffix: origin + suffix),
        added.map(lambda prefix: prefix + origin),
        st.builds(changed, st.integers(0, len(origin) - 1), characters),
    ).filter(lambda value: value != origin)


def folded_origins(allowed: List[str]) -> st.SearchStrategy[str]:
    """Two or three Origin headers folded into one comma list (README difference 3)."""
    some = st.one_of(st.sampled_from(allowed), origins) if allowed else origins
    return st.builds(
        lambda values, separator: separator.join(values),
        st.lists(some, min_size=2, max_size=3),
        st.sampled_from([",", ", "]),
    )


def any_origins(allowed: List[str]) -> st.SearchStrategy[Optional[str]]:
    """Origins for any request: the shared strategy plus edits of the allowed ones and
    folded lists."""
    choices = [request_origins(allowed), st.text(), folded_origins(allowed)]
    if allowed:
        choices.append(st.sampled_from(allowed).flatmap(edits))
    return st.one_of(choices)


def present_origins(allowed: List[str]) -> st.SearchStrategy[str]:
    """Non-empty Origin values: allowed ones, their edits and near misses, any text."""
    return st.one_of(
        st.sampled_from(allowed or ["https://a.example"]),
        st.sampled_from(allowed or ["https://a.example"]).flatmap(edits),
        st.sampled_from(allowed or ["https://a.example"]).flatmap(near_misses),
        folded_origins(allowed),
        origins,
        st.text(min_size=1),
    )


def method_variants(method: str) -> st.SearchStrategy[str]:
    """Values close to a method: other case, blanks around it (allowed), a substring
    ("ET": README difference 11), or the method inside a value that is no token."""
    return st.sampled_from(
        [
            method.lower(),
            f" {method}\t",
            method[1:],
            method[:-1],
            method[1:-1],
            method[:2],
            method + "\r\n",
            method + ", PUT",
            method + "\x00",
            f"({method})",
            method + " X",
            method.replace("T", "\u0162"),
        ]
    ).filter(bool)


#: Access-Control-Request-Method values of any kind: the shared ones, variants of known
#: methods, any token, any text.
acrm_values = st.one_of(
    request_method_headers,
    st.sampled_from(METHOD_NAMES).flatmap(method_variants),
    tokens,
    st.text(max_size=12),
)

#: Header names a client may request: known ones in any case, any token.
_requested_names = st.one_of(
    header_names,
    st.sampled_from(HEADER_NAMES).map(str.upper),
    st.sampled_from(HEADER_NAMES).map(str.lower),
)
#: Names that are not tokens, which '*' or a permissive regex would match; the first ones
#: a too generous strip() (more than spaces and tabs) would turn into tokens.
NON_TOKEN_NAMES = [
    "\r\nX-Token", "x-custom\r\n", "\x0bX-A", "X-A\x0c", "\u00a0X-A", "X-A\u2028",
    "bad name", "X-A B", "x:y", "x@y", "(x)", "x\x00y", "x\ty", "\u00e9", "X-\u00e9",
]  # fmt: skip
_non_token_names = st.one_of(
    st.sampled_from(NON_TOKEN_NAMES[:6]),
    st.sampled_from(NON_TOKEN_NAMES[6:]),
    st.builds(
        lambda before, bad, after: before + bad + after,
        st.text(max_size=4),
        st.sampled_from(list(' :@()[]{}=?;/\\"\x00\x7f\u00e9')),
        st.text(max_size=4),
    ),
)
_separators = st.sampled_from([",", ", ", " ,", ",\t", " , "])


def _with_case_duplicates(names: List[str], count: int) -> List[str]:
    """The names followed by differently-cased copies of the first ``count`` of them."""
    return names + [name.swapcase() for name in names[:count]]


#: Lists mixing names with non-tokens, empty elements and differently-cased copies.
_mixed_names = st.builds(
    _with_case_duplicates,
    st.lists(
        st.one_of(_non_token_names, _requested_names, _requested_names, st.just("")),
        min_size=1,
        max_size=6,
    ),
    st.integers(1, 3),
)
#: Access-Control-Request-Headers values: mixed lists (first: hypothesis favours the first
#: branches of one_of), lists of names as browsers and scripts send them, the shared ones.
acrh_values = st.one_of(
    st.builds(lambda names, separator: separator.join(names), _mixed_names, _separators),
    st.builds(
        lambda names, separator: separator.join(names),
        st.lists(_requested_names, min_size=1, max_size=6),
        _separators,
    ),
    request_header_lists,
)


@st.composite
def preflights(
    draw: st.DrawFn, options: Dict[str, Any], examples: List[str], origin_kind: str = "any"
) -> Tuple[str, Optional[str], Optional[str], Optional[str], Optional[str]]:
    """Requests aimed at the preflight path, asking for a configured method, a variant of
    one or anything else. ``origin_kind`` "any": mostly OPTIONS from an allowed Origin or
    any non-empty one; "allowed": OPTIONS from an Origin the options allow; "none": mostly
    OPTIONS without an Origin (absent or empty)."""
    candidates = st.sampled_from(examples or ["https://a.example", "https://b.test:8080"])
    if origin_kind == "allowed":
        method, origin = "OPTIONS", draw(candidates)
    else:
        method = draw(st.sampled_from(["OPTIONS", "OPTIONS", "OPTIONS", "OPTIONS", "GET", "POST"]))
        origin = draw(
            st.sampled_from([None, ""])
            if origin_kind == "none"
            else st.one_of(candidates, candidates, present_origins(examples))
        )
    methods = st.sampled_from(sorted(Model(options).methods - {"*"}) or METHOD_NAMES)
    variants = methods.flatmap(method_variants)
    return (
        method,
        origin,
        draw(st.one_of(methods, methods, variants, variants, acrm_values)),
        draw(acrh_values),
        draw(private_network_headers),
    )


@st.composite
def preflight_option_sets(draw: st.DrawFn) -> Tuple[Dict[str, Any], List[str]]:
    """option_sets() that set the preflight options (methods, allow_headers, max_age) more
    often than not."""
    options, examples = draw(option_sets())
    for name, strategy in (
        ("methods", methods_options),
        ("allow_headers", allow_headers_options),
        ("max_age", max_age_options),
    ):
        if name not in options and draw(st.booleans()):
            options[name] = draw(strategy)
    return options, examples


# ---------------------------------------------------------------------------------------
# INV-01, INV-09: one valid ACAO, no control characters


@invariant("INV-01", "INV-09")
@given(
    data=st.data(),
    setup=option_sets(),
    method=request_methods,
    request_method=acrm_values,
    request_headers=acrh_values,
    private_network=private_network_headers,
)
def test_acao_is_absent_star_or_the_origin_and_values_are_clean(
    data: st.DataObject,
    setup: Tuple[Dict[str, Any], List[str]],
    method: str,
    request_method: Optional[str],
    request_headers: Optional[str],
    private_network: Optional[str],
) -> None:
    """Whatever the options and request, each header name appears once, ACAO is '*' or the
    Origin byte for byte (without an Origin: '*' or a configured literal), and no value
    holds a control character."""
    options, examples = setup
    origin = data.draw(any_origins(examples), label="origin")
    model, decision, headers = run(
        options, method, origin, request_method, request_headers, private_network
    )
    names = [name.lower() for name, _ in decision.headers]
    assert len(names) == len(set(names)), f"a header name repeats: {decision.headers!r}"
    acao = one(headers, ACAO)
    if acao is not None:
        if origin:
            assert acao in ("*", origin), f"ACAO {acao!r} for Origin {origin!r}"
            # README difference 3: a folded Origin (a list) is never echoed.
            assert "," not in acao
        else:
            assert acao == "*" or acao in model.origins.literals, (
                f"ACAO {acao!r} without Origin is neither '*' nor one of {model.origins.literals!r}"
            )
    for name, value in decision.headers:
        bad = control_characters(value)
        assert not bad, f"{name}: {value!r} holds control characters {bad!r}"


# ---------------------------------------------------------------------------------------
# INV-02, INV-03: credentials


@invariant("INV-02", "INV-03")
@given(
    data=st.data(),
    setup=option_sets(),
    method=request_methods,
    request_method=request_method_headers,
    private_network=private_network_headers,
)
def test_credentials_header_is_true_beside_a_non_wildcard_acao(
    data: st.DataObject,
    setup: Tuple[Dict[str, Any], List[str]],
    method: str,
    request_method: Optional[str],
    private_network: Optional[str],
) -> None:
    """ACAC appears at most once, only as 'true', exactly on the responses that carry ACAO
    when supports_credentials is on, and never beside ACAO '*'."""
    options, examples = setup
    origin = data.draw(any_origins(examples), label="origin")
    model, _, headers = run(options, method, origin, request_method, None, private_network)
    acao = one(headers, ACAO)
    acac = one(headers, ACAC)
    if acac is not None:
        assert acac == "true"
        assert acao is not None, "ACAC without ACAO"
        assert acao != "*", "ACAC with ACAO '*'"
    assert (acac is not None) == (model.credentials and acao is not None)


@invariant("INV-02", "INV-03")
@given(
    data=st.data(),
    setup=option_sets(),
    always_send=st.booleans(),
    method=request_methods,
    request_method=request_method_headers,
)
def test_credentials_on_never_meet_a_star(
    data: st.DataObject,
    setup: Tuple[Dict[str, Any], List[str]],
    always_send: bool,
    method: str,
    request_method: Optional[str],
) -> None:
    """With supports_credentials on, whatever the origins option (including '*' and its
    spellings), every response with ACAO has ACAC 'true' and an ACAO other than '*'."""
    options, examples = setup
    options = dict(options, supports_credentials=True, always_send=always_send)
    if is_rejected_combination(options):
        options["send_wildcard"] = False
    origin = data.draw(any_origins(examples), label="origin")
    _, _, headers = run(options, method, origin, request_method)
    acao = one(headers, ACAO)
    assert acao != "*", "ACAO '*' with supports_credentials"
    assert one(headers, ACAC) == ("true" if acao is not None else None)


# ---------------------------------------------------------------------------------------
# INV-04, INV-05: rejected origins, whole-value matching


@invariant("INV-04")
@given(
    data=st.data(),
    setup=option_sets(),
    method=request_methods,
    request_method=acrm_values,
    request_headers=acrh_values,
    private_network=private_network_headers,
)
def test_rejected_origin_gets_nothing_that_grants_access(
    data: st.DataObject,
    setup: Tuple[Dict[str, Any], List[str]],
    method: str,
    request_method: Optional[str],
    request_headers: Optional[str],
    private_network: Optional[str],
) -> None:
    """An Origin that no configured literal equals (ignoring ASCII case), no configured
    regex fullmatches and no wildcard allows gets none of the access-granting headers."""
    options, examples = setup
    origin = data.draw(any_origins(examples), label="origin")
    model, decision, headers = run(
        options, method, origin, request_method, request_headers, private_network
    )
    event(f"origin rejected: {model.rejects(origin)}")
    if model.rejects(origin):
        leaked = [name for name in GRANTING if values(headers, name)]
        assert not leaked, f"rejected Origin {origin!r} got {decision.headers!r}"


@invariant("INV-04", "INV-05")
@given(
    data=st.data(),
    setup=options_with_origins(),
    method=request_methods,
    request_method=request_method_headers,
    private_network=private_network_headers,
)
def test_near_misses_of_an_allowed_origin_are_rejected(
    data: st.DataObject,
    setup: Tuple[Dict[str, Any], List[str]],
    method: str,
    request_method: Optional[str],
    private_network: Optional[str],
) -> None:
    """Attacker variants of an allowed origin (case, prefix, suffix, port, scheme, path,
    lookalikes, injected bytes) get nothing unless the model allows them themselves."""
    options, examples = setup
    model = Model(options)
    allowed = data.draw(st.sampled_from(examples), label="allowed")
    assert model.origin_allowed(allowed), f"the strategy's example {allowed!r} is not allowed"
    origin = data.draw(near_misses(allowed), label="near miss")
    _, decision, headers = run(options, method, origin, request_method, "x-a", private_network)
    if model.rejects(origin):
        leaked = [name for name in GRANTING if values(headers, name)]
        assert not leaked, f"near miss {origin!r} of {allowed!r} got {decision.headers!r}"


@invariant("INV-05")
@given(
    data=st.data(),
    setup=options_with_origins(),
    method=request_methods,
)
def test_edits_of_an_allowed_origin_are_rejected_unless_allowed(
    data: st.DataObject, setup: Tuple[Dict[str, Any], List[str]], method: str
) -> None:
    """Appending to, prefixing or changing one character of an allowed origin gives an
    Origin that is echoed only if a literal equals it (ASCII case aside), a regex
    fullmatches it or the policy allows every origin."""
    options, examples = setup
    model = Model(options)
    allowed = data.draw(st.sampled_from(examples), label="allowed")
    assert model.origin_allowed(allowed), f"the strategy's example {allowed!r} is not allowed"
    origin = data.draw(edits(allowed), label="edited")
    _, _, headers = run(options, method, origin)
    acao = one(headers, ACAO)
    event(f"edit allowed: {model.origin_allowed(origin)}, ACAO: {acao is not None}")
    if acao is not None and acao != "*":
        assert model.origin_allowed(origin), f"{origin!r} (from {allowed!r}) was echoed"
    if model.rejects(origin):
        assert acao is None, f"{origin!r} (from {allowed!r}) got ACAO {acao!r}"


@invariant("INV-05")
@given(
    data=st.data(),
    setup=option_sets(),
    method=request_methods,
)
def test_an_origin_is_echoed_exactly_when_it_is_allowed(
    data: st.DataObject, setup: Tuple[Dict[str, Any], List[str]], method: str
) -> None:
    """An echoed Origin is allowed by a literal, a fullmatching regex or '*'; conversely an
    allowed Origin that can be echoed (visible ASCII, no comma, README difference 4) gets
    ACAO: itself, or '*' under send_wildcard."""
    options, examples = setup
    origin = data.draw(present_origins(examples), label="origin")
    model, _, headers = run(options, method, origin)
    acao = one(headers, ACAO)
    if acao is not None and acao != "*":
        assert model.origin_allowed(origin)
    if model.star_for_everyone:
        assert acao == "*"
    elif model.origin_allowed(origin) and ECHOABLE_ORIGIN.fullmatch(origin):
        assert acao == origin, f"allowed Origin {origin!r} got ACAO {acao!r}"


# ---------------------------------------------------------------------------------------
# INV-06: the vary flag


@st.composite
def vary_option_sets(draw: st.DrawFn) -> Tuple[Dict[str, Any], List[str]]:
    """option_sets() with the options INV-06 turns on (origins '*' or not, send_wildcard,
    always_send, vary_header) each set, or left to its default, with even odds."""
    options, examples = draw(option_sets())
    if draw(st.booleans()):
        options["origins"] = draw(st.sampled_from(["*", ".*", ["*"]]))
    for name in ("send_wildcard", "always_send", "vary_header"):
        flag = draw(st.sampled_from([None, True, False]))
        if flag is None:
            options.pop(name, None)
        else:
            options[name] = flag
    if is_rejected_combination(options):
        options["supports_credentials"] = False
    return options, examples


@invariant("INV-06")
@given(
    data=st.data(),
    setup=vary_option_sets(),
    method=request_methods,
    request_method=request_method_headers,
)
def test_vary_origin_flag_unless_everyone_gets_star(
    data: st.DataObject,
    setup: Tuple[Dict[str, Any], List[str]],
    method: str,
    request_method: Optional[str],
) -> None:
    """For allowed, rejected and Origin-less requests alike, the decision asks for
    'Vary: Origin' exactly when vary_header is on and the policy is not origins '*' with
    send_wildcard and always_send."""
    options, examples = setup
    origin = data.draw(any_origins(examples), label="origin")
    model, decision, _ = run(options, method, origin, request_method)
    same_star_for_all = model.origins.wildcard and model.send_wildcard and model.always_send
    assert decision.vary_origin is (model.vary_header and not same_star_for_all)


# ---------------------------------------------------------------------------------------
# INV-07, INV-08: preflights


def check_preflight_headers(
    model: Model,
    method: str,
    origin: Optional[str],
    acrm: Optional[str],
    decision: Decision,
    headers: Dict[str, List[str]],
) -> None:
    """INV-07 for one request: preflight headers only on a granted preflight; there, ACAM
    lists the configured methods (the requested one for '*') and ACMA is max_age."""
    preflight = method == "OPTIONS" and model.method_allowed(acrm)
    present = [name for name in PREFLIGHT_ONLY if values(headers, name)]
    if not (preflight and model.from_allowed_origin(origin)):
        assert not present, f"not a granted preflight, yet {decision.headers!r}"
        return
    if not model.answers(origin):
        return
    event("granted preflight")
    assert acrm is not None
    acam = one(headers, ACAM)
    assert acam is not None, "a granted preflight without ACAM"
    if model.any_method:
        assert acam == acrm.strip(" \t")
    else:
        assert set(split_list(acam)) == model.methods
    assert one(headers, ACMA) == model.max_age


@invariant("INV-07")
@given(data=st.data(), setup=preflight_option_sets())
def test_preflight_headers_only_on_granted_preflights(
    data: st.DataObject, setup: Tuple[Dict[str, Any], List[str]]
) -> None:
    """ACAM, ACAH and ACMA appear only on OPTIONS with an ACRM that is a configured method
    (upper-cased; any token for '*') from an allowed Origin; a granted preflight then has
    ACAM listing the configured methods (the requested one for '*') and ACMA = max_age."""
    options, examples = setup
    method, origin, acrm, acrh, private_network = data.draw(preflights(options, examples))
    model, decision, headers = run(options, method, origin, acrm, acrh, private_network)
    check_preflight_headers(model, method, origin, acrm, decision, headers)


@invariant("INV-07")
@given(data=st.data(), setup=preflight_option_sets())
def test_preflights_from_an_allowed_origin_are_granted_for_allowed_methods_only(
    data: st.DataObject, setup: Tuple[Dict[str, Any], List[str]]
) -> None:
    """From an allowed Origin, an OPTIONS request gets ACAM, ACAH or ACMA only if its ACRM
    is a configured method (not a substring, not inside a non-token value; any token for
    '*'), and then ACAM and ACMA are as configured."""
    options, examples = setup
    method, origin, acrm, acrh, private_network = data.draw(
        preflights(options, examples, origin_kind="allowed")
    )
    model, decision, headers = run(options, method, origin, acrm, acrh, private_network)
    event(f"ACRM allowed: {model.method_allowed(acrm)}")
    check_preflight_headers(model, method, origin, acrm, decision, headers)


@invariant("INV-07")
@given(data=st.data(), setup=option_sets())
def test_origin_less_options_get_preflight_headers_only_beside_always_send(
    data: st.DataObject, setup: Tuple[Dict[str, Any], List[str]]
) -> None:
    """An OPTIONS request with an ACRM but no Origin (absent or empty) is not a browser
    preflight: it gets ACAM, ACAH or ACMA only beside the ACAO that always_send answers
    (Flask-CORS's behaviour, INV-07), and only for an allowed method."""
    options, examples = setup
    method, origin, acrm, acrh, private_network = data.draw(
        preflights(options, examples, origin_kind="none")
    )
    model, decision, headers = run(options, method, origin, acrm, acrh, private_network)
    present = [name for name in PREFLIGHT_ONLY if values(headers, name)]
    if present:
        assert one(headers, ACAO) is not None, f"{present} without ACAO: {decision.headers!r}"
        assert model.method_allowed(acrm), f"ACRM {acrm!r}: {decision.headers!r}"


def check_allowed_headers(
    model: Model,
    method: str,
    origin: Optional[str],
    acrm: Optional[str],
    acrh: Optional[str],
    headers: Dict[str, List[str]],
) -> None:
    """INV-08 for one request: ACAH names are requested names as sent, tokens, allowed
    by allow_headers, unique ignoring case; on a granted preflight, every requested token
    name that allow_headers allows is there (docs/usage.md: "the allowed ones are echoed")."""
    acah = one(headers, ACAH)
    requested = split_list(acrh or "")
    granted = set()
    if acah is not None:
        granted_names = split_list(acah)
        for name in granted_names:
            assert name in requested, f"{name!r} was not requested in {acrh!r}"
            assert is_token(name), f"{name!r} is not a token"
            assert model.allow_headers.allows(name), f"{name!r} is not allowed"
        granted = {ascii_lower(name) for name in granted_names}
        assert len(granted) == len(granted_names), f"ACAH repeats a name: {acah!r}"
    if method == "OPTIONS" and model.method_allowed(acrm) and model.answers(origin):
        expected: Set[str] = {
            ascii_lower(name)
            for name in requested
            if is_token(name) and model.allow_headers.allows(name)
        }
        event(f"granted preflight, ACAH names: {min(len(expected), 2)}")
        assert granted == expected, f"ACAH {acah!r} for ACRH {acrh!r}"


@invariant("INV-08")
@given(data=st.data(), setup=preflight_option_sets())
def test_allowed_headers_are_a_subset_of_the_requested_ones(
    data: st.DataObject, setup: Tuple[Dict[str, Any], List[str]]
) -> None:
    """For any request, each ACAH name is one of the ACRH names as sent, an HTTP token
    allowed by allow_headers, and appears once ignoring case."""
    options, examples = setup
    method, origin, acrm, acrh, private_network = data.draw(preflights(options, examples))
    model, _, headers = run(options, method, origin, acrm, acrh, private_network)
    check_allowed_headers(model, method, origin, acrm, acrh, headers)


@invariant("INV-08")
@given(data=st.data(), setup=preflight_option_sets())
def test_allowed_headers_on_preflights_from_an_allowed_origin(
    data: st.DataObject, setup: Tuple[Dict[str, Any], List[str]]
) -> None:
    """On preflights from an allowed Origin, with lists mixing names, differently-cased
    copies, non-tokens and empty elements, ACAH holds requested tokens allowed by
    allow_headers, as sent, once each ignoring case."""
    options, examples = setup
    _, origin, acrm, acrh, private_network = data.draw(
        preflights(options, examples, origin_kind="allowed")
    )
    model = Model(options)
    acrm = data.draw(
        st.sampled_from(sorted(model.methods - {"*"}) or ["GET"]) | st.just(acrm),
        label="ACRM",
    )
    _, _, headers = run(options, "OPTIONS", origin, acrm, acrh, private_network)
    check_allowed_headers(model, "OPTIONS", origin, acrm, acrh, headers)


# ---------------------------------------------------------------------------------------
# INV-14 at the policy level: decide is total


@invariant("INV-14", "INV-09")
@given(
    setup=option_sets(),
    method=st.one_of(request_methods, st.text()),
    origin=st.one_of(st.none(), st.text()),
    request_method=st.one_of(st.none(), st.text()),
    request_headers=st.one_of(st.none(), st.text()),
    private_network=st.one_of(st.none(), st.text()),
)
def test_decide_never_raises_on_any_text(
    setup: Tuple[Dict[str, Any], List[str]],
    method: str,
    origin: Optional[str],
    request_method: Optional[str],
    request_headers: Optional[str],
    private_network: Optional[str],
) -> None:
    """decide returns a Decision for any strings, control characters and unicode
    included, and writes no control character into any header value."""
    options, _ = setup
    decision = decide(
        policy_from(options), method, origin, request_method, request_headers, private_network
    )
    assert isinstance(decision, Decision)
    for name, value in decision.headers:
        assert isinstance(name, str)
        assert isinstance(value, str)
        assert not control_characters(value), f"{name}: {value!r}"
