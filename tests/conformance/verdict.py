"""What a browser's fetch() makes of a cross-origin API's answers, per the WHATWG Fetch Standard."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, List, Optional, Tuple, Union
from urllib.parse import urljoin, urlsplit

from fetch_terms import (
    TOKEN,
    Fetch,
    Grant,
    Headers,
    NetworkError,
    Request,
    Response,
    Send,
    Verdict,
    byte_lower,
    get,
    is_forbidden_method,
    is_forbidden_request_header,
    is_safelisted_method,
    is_safelisted_request_header,
    normalize_method,
    token_list,
    unsafe_request_header_names,
)

#: Fetch, CORS-preflight fetch: the user agent's "imposed limit" on max-age. This is Chromium's
#: (the harness's browser); Firefox's is 24 hours.
MAX_AGE_LIMIT = 7200
#: Fetch, CORS-preflight fetch: the max-age of an absent or unparsable Access-Control-Max-Age.
DEFAULT_MAX_AGE = 5
#: Fetch, HTTP-redirect fetch: the redirect count at which one more redirect is a network error.
REDIRECT_LIMIT = 20
#: The API server's host, as the browser harness names it (tests/browser/harness.py).
API_HOST = "api.test"
_NO_CORS_NAMES = {"accept", "accept-language", "content-language", "content-type"}
_SAFELISTED_RESPONSE = frozenset(
    {"cache-control", "content-language", "content-length", "content-type", "expires"}
    | {"last-modified", "pragma"}
)
_REQUEST_BODY_NAMES = {"content-encoding", "content-language", "content-location", "content-type"}


def cors_check(origin: str, credentials_include: bool, response_headers: Headers) -> Optional[str]:
    """Fetch, "CORS check": None on success, else why it fails. `origin` is the request's
    serialized origin ("null" for an opaque one)."""
    allowed = get(response_headers, "Access-Control-Allow-Origin")
    if allowed is None:
        return "CORS check: no Access-Control-Allow-Origin"
    if not credentials_include and allowed == "*":
        return None
    if allowed != origin:
        literal = " (credentials mode 'include' takes '*' literally)" if allowed == "*" else ""
        return f"CORS check: ACAO {allowed!r} is not the request's origin {origin!r}{literal}"
    credentials = get(response_headers, "Access-Control-Allow-Credentials")
    if credentials_include and credentials != "true":
        return f"CORS check: credentials mode 'include' needs ACAC 'true', got {credentials!r}"
    return None


def max_age(response_headers: Headers, limit: int = MAX_AGE_LIMIT) -> int:
    """Fetch, CORS-preflight fetch: Access-Control-Max-Age, capped at `limit`. Its ABNF is one
    header of delta-seconds (digits), so anything else (a second header, "-1", "1.5") is a
    failure, which counts as 5 seconds just like an absent header."""
    values = [
        value for key, value in response_headers if byte_lower(key) == "access-control-max-age"
    ]
    valid = len(values) == 1 and re.fullmatch("[0-9]+", values[0])
    return min(int(values[0]) if valid else DEFAULT_MAX_AGE, limit)


def preflight_check(
    origin: str, method: str, headers: Headers, credentials_include: bool, response: Response
) -> Union[Grant, str]:
    """Fetch, CORS-preflight fetch, from the response on: what to cache, or why the preflight
    is a network error. `headers` is the header list of the request being preflighted."""
    if not 200 <= response.status <= 299:
        return f"CORS-preflight fetch: status {response.status} is not an ok status (200-299)"
    failed = cors_check(origin, credentials_include, response.headers)
    if failed:
        return f"CORS-preflight fetch: {failed}"
    try:
        methods = token_list(response.headers, "Access-Control-Allow-Methods") or []
        names = token_list(response.headers, "Access-Control-Allow-Headers") or []
    except ValueError as error:
        return f"CORS-preflight fetch: {error}"
    # `*` is a wildcard only without credentials; with them it is just a method or name.
    any_method = "*" in methods and not credentials_include
    if method not in methods and not is_safelisted_method(method) and not any_method:
        return f"CORS-preflight fetch: method {method!r} is not in ACAM {methods}"
    allowed = {byte_lower(name) for name in names}
    if "authorization" in {byte_lower(name) for name, _ in headers} - allowed:
        return "CORS-preflight fetch: Authorization is not named in ACAH ('*' does not cover it)"
    any_name = "*" in names and not credentials_include
    for name in unsafe_request_header_names(headers):
        if name not in allowed and not any_name:
            return f"CORS-preflight fetch: request header {name!r} is not in ACAH {names}"
    return Grant(tuple(methods), tuple(names), max_age(response.headers))


@dataclass
class _Entry:
    origin: str
    url: str
    credentials: bool
    method: Optional[str]
    header: Optional[str]
    max_age: int
    stored: float


class PreflightCache:
    """Fetch, CORS-preflight cache: an entry per granted method or header name, for a request
    origin, URL and credentials, removed `max_age` seconds after it was stored. `now` is a
    clock in seconds that only `advance` moves: play()'s repeats take no time."""

    def __init__(self) -> None:
        self.now = 0.0
        self._entries: List[_Entry] = []

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def _find(self, origin: str, url: str, include: bool, kind: str, key: str) -> Optional[_Entry]:
        self._entries = [e for e in self._entries if self.now - e.stored < e.max_age]
        for e in self._entries:
            # "cache entry match": one stored without credentials serves only requests without.
            if (e.origin, e.url) != (origin, url) or (include and not e.credentials):
                continue
            if kind == "method" and e.method in (key, "*"):  # methods are case-sensitive
                return e
            # "header-name cache entry match": names are case-insensitive, `*` skips Authorization.
            name = byte_lower(key)
            if kind == "header" and e.header is not None and byte_lower(e.header) == name:
                return e
            if kind == "header" and e.header == "*" and name != "authorization":
                return e
        return None

    def method_match(self, origin: str, url: str, include: bool, method: str) -> bool:
        """Fetch, "method cache entry match"."""
        return self._find(origin, url, include, "method", method) is not None

    def header_match(self, origin: str, url: str, include: bool, name: str) -> bool:
        """Fetch, "header-name cache entry match"."""
        return self._find(origin, url, include, "header", name) is not None

    def store(self, origin: str, url: str, include: bool, grant: Grant) -> None:
        """Fetch, CORS-preflight fetch, last steps: set the max-age of matching entries, create
        the others. An updated entry counts as stored now (browsers replace the entry)."""
        methods = [("method", method) for method in grant.methods]
        for kind, value in methods + [("header", name) for name in grant.header_names]:
            entry = self._find(origin, url, include, kind, value)
            if entry is None:
                method, header = (value, None) if kind == "method" else (None, value)
                entry = _Entry(origin, url, include, method, header, 0, 0.0)
                self._entries.append(entry)
            entry.max_age, entry.stored = grant.max_age, self.now

    def clear(self, origin: str, url: str) -> None:
        """Fetch, "clear cache entries": main fetch does so when a preflighted fetch fails."""
        self._entries = [e for e in self._entries if (e.origin, e.url) != (origin, url)]


def exposed_header_names(response_headers: Headers, credentials_include: bool) -> FrozenSet[str]:
    """Fetch, main fetch and "CORS filtered response": the byte-lowercased response header
    names a script can read. Set-Cookie never; an Access-Control-Expose-Headers that is not a
    list of tokens (a failure) exposes nothing beyond the CORS-safelisted response-header names."""
    try:
        listed = token_list(response_headers, "Access-Control-Expose-Headers") or []
    except ValueError:
        listed = []
    if not credentials_include and "*" in listed:
        listed = [name for name, _ in response_headers]
    names = {byte_lower(name) for name in listed} - {"set-cookie", "set-cookie2"}
    return frozenset(names | _SAFELISTED_RESPONSE)


def _construct(fetch: Fetch) -> Tuple[str, Headers]:
    """Fetch, Request constructor and Headers "append": the method and header list fetch()
    builds, or a NetworkError for the TypeError it throws instead (nothing is sent)."""

    def reject(why: str) -> NetworkError:
        return NetworkError(f"Request constructor: {why}, so fetch() rejects with a TypeError")

    if not TOKEN.fullmatch(fetch.method) or is_forbidden_method(fetch.method):
        raise reject(f"{fetch.method!r} is not a method or is a forbidden method")
    method, no_cors = normalize_method(fetch.method), fetch.mode == "no-cors"
    if no_cors and not is_safelisted_method(method):
        raise reject(f"no-cors mode needs a CORS-safelisted method, not {method!r}")
    headers: Headers = ()
    for name, raw in fetch.headers:
        value = raw.strip("\t\n\r ")  # header value "normalize"
        if not TOKEN.fullmatch(name) or re.search(r"[\x00\r\n]|[^\x00-\xff]", value):
            raise reject(f"({name!r}, {raw!r}) is not a valid header")
        if is_forbidden_request_header(name, value):
            continue
        # Guard "request-no-cors": only no-CORS-safelisted headers, judged on combined values.
        combined = ", ".join(v for v in (get(headers, name), value) if v is not None)
        if no_cors and not (
            byte_lower(name) in _NO_CORS_NAMES and is_safelisted_request_header(name, combined)
        ):
            continue
        # Header list "append" reuses the casing of a header already there by that name.
        first = next((n for n, _ in headers if byte_lower(n) == byte_lower(name)), name)
        headers += ((first, value),)
    if fetch.body is not None:
        if method in {"GET", "HEAD"}:
            raise reject(f"a {method} request cannot have a body")
        if get(headers, "Content-Type") is None:  # the type of a string body (BodyInit extract)
            headers += (("Content-Type", "text/plain;charset=UTF-8"),)
    return method, headers


def _next_url(url: str, locations: List[str], cors: bool, redirects: int) -> str:
    """Fetch, HTTP-redirect fetch: the absolute URL the redirect from ``url`` goes to, or a
    NetworkError."""
    if len(locations) > 1:
        raise NetworkError(f"HTTP-redirect fetch: {len(locations)} Location headers are a failure")
    try:
        target = urlsplit(urljoin(url, locations[0]))
        target.port  # noqa: B018 -- parsing an out-of-range port raises ValueError
    except ValueError:
        raise NetworkError(f"HTTP-redirect fetch: Location {locations[0]!r} is no URL") from None
    if target.scheme not in {"http", "https"}:
        raise NetworkError(f"HTTP-redirect fetch: Location {locations[0]!r} is not HTTP(S)")
    if redirects == REDIRECT_LIMIT:
        raise NetworkError(f"HTTP-redirect fetch: more than {REDIRECT_LIMIT} redirects")
    if cors and (target.username is not None or target.password is not None):
        raise NetworkError(f"HTTP-redirect fetch: Location {locations[0]!r} includes credentials")
    return target.geturl()


def url_origin(url: str) -> Tuple[str, str, int]:
    """A URL's (tuple) origin: scheme, host and port, the scheme's default port filled in."""
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname or "", parts.port or default


def _target(url: str) -> str:
    """What the implementation is asked for: every host is the API server (the harness
    serves one app under several names), so the path and query."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _fetch_once(fetch: Fetch, send: Send, cache: PreflightCache, sent: List[Request]) -> Response:
    """One fetch(): main fetch, HTTP fetch and HTTP-redirect fetch from a page cross-origin to
    the API. Returns what the script sees (no-cors: an opaque response, status 0, no headers)."""
    method, headers = _construct(fetch)
    cors, include, origin = fetch.mode == "cors", fetch.credentials == "include", fetch.origin
    url, redirects, preflighted = f"https://{API_HOST}{fetch.path}", 0, False
    try:
        while True:
            # Fetch, fetching: `Accept: */*` joins a list without one, so it counts toward 1024.
            listed = (
                headers if get(headers, "Accept") is not None else (*headers, ("Accept", "*/*"))
            )
            unsafe = unsafe_request_header_names(listed)
            safe_method = is_safelisted_method(method)
            if cors and (unsafe or not safe_method):  # main fetch: the preflight branch
                preflighted = True
                missing = [n for n in unsafe if not cache.header_match(origin, url, include, n)]
                cached = safe_method or cache.method_match(origin, url, include, method)
                if missing or not cached:
                    acrh = (("Access-Control-Request-Headers", ",".join(unsafe)),) if unsafe else ()
                    asked = (("Origin", origin), ("Access-Control-Request-Method", method), *acrh)
                    sent.append(Request("OPTIONS", _target(url), asked, True, False))
                    answer = _received(send(sent[-1]))
                    grant = preflight_check(origin, method, listed, include, answer)
                    if isinstance(grant, str):
                        raise NetworkError(grant)
                    cache.store(origin, url, include, grant)
            # Origin goes on every cors request, and on no-cors ones but for GET and HEAD.
            with_origin = cors or method not in {"GET", "HEAD"}
            wire = (("Origin", origin), *headers) if with_origin else headers
            sent.append(Request(method, _target(url), wire, False, include))
            response = _received(send(sent[-1]))
            failed = cors_check(origin, include, response.headers) if cors else None
            if failed:  # HTTP fetch: the CORS check runs on every response, redirects too
                raise NetworkError(failed)
            locations = [value for key, value in response.headers if byte_lower(key) == "location"]
            if response.status not in {301, 302, 303, 307, 308} or not locations:
                break
            previous, url = url, _next_url(url, locations, cors, redirects)
            redirects += 1
            if url_origin(url) != url_origin(previous):
                if url_origin(url) == url_origin(fetch.origin):
                    raise ValueError(f"a redirect to the page's own origin ({url}) is not modelled")
                # Serializing a request origin: once the chain has left the API's origin for
                # another, the redirect-taint is no longer "same-origin", and Origin is "null".
                # HTTP-redirect fetch: a new origin drops the CORS non-wildcard request-header
                # names (Authorization).
                origin = "null"
                headers = tuple(h for h in headers if byte_lower(h[0]) != "authorization")
            if (response.status in {301, 302} and method == "POST") or (
                response.status == 303 and method not in {"GET", "HEAD"}
            ):
                method = "GET"
                headers = tuple(h for h in headers if byte_lower(h[0]) not in _REQUEST_BODY_NAMES)
    except NetworkError:
        if preflighted:  # main fetch: a preflighted fetch that fails clears its cache entries
            cache.clear(origin, url)
        raise
    if not cors:
        return Response(0, ())
    exposed = exposed_header_names(response.headers, include)
    return Response(
        response.status, tuple(h for h in response.headers if byte_lower(h[0]) in exposed)
    )


def _received(response: Response) -> Response:
    # An HTTP parser drops the whitespace around a field value (RFC 9112, field-line).
    return Response(response.status, tuple((k, v.strip(" \t")) for k, v in response.headers))


def play(fetch: Fetch, send: Send, cache: Optional[PreflightCache] = None) -> Verdict:
    """Run `fetch` `times` times against `send`, the repeats sharing one CORS-preflight cache (a
    fresh one unless given). `status`, `readable` and `unreadable` describe the last repeat that
    resolved, and stay None/empty when none did; `failures` has one line per failed repeat."""
    if fetch.mode not in {"cors", "no-cors"}:
        raise ValueError(f"mode {fetch.mode!r} is not modeled: the page is cross-origin to the API")
    if fetch.credentials not in {"omit", "same-origin", "include"}:
        raise ValueError(f"credentials {fetch.credentials!r} is not a credentials mode")
    if fetch.times < 1:
        raise ValueError(f"times must be at least 1, not {fetch.times}")
    cache = cache if cache is not None else PreflightCache()
    verdict = Verdict("fails", None, False, 0, {}, [])
    resolved = 0
    for number in range(1, fetch.times + 1):
        try:
            seen = _fetch_once(fetch, send, cache, verdict.sent)
        except NetworkError as error:
            which = f"fetch {number} of {fetch.times}: " if fetch.times > 1 else ""
            verdict.failures.append(f"{which}{error}")
            continue
        resolved += 1
        verdict.status = seen.status
        values = {name: get(seen.headers, name) for name in fetch.read}
        verdict.readable = {name: value for name, value in values.items() if value is not None}
        verdict.unreadable = [name for name, value in values.items() if value is None]
    if resolved:
        verdict.outcome = "resolves" if resolved == fetch.times else "mixed"
    verdict.reaches_server = any(not request.preflight for request in verdict.sent)
    verdict.preflights = sum(request.preflight for request in verdict.sent)
    return verdict
