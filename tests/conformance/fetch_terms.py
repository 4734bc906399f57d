"""The Fetch Standard's vocabulary for what a script fetches and what it sees: methods,
header lists, safelisted and forbidden request headers, and the shapes verdict.py uses."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

Headers = Tuple[Tuple[str, str], ...]

TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: methods, header names
_UNSAFE_BYTE = re.compile(r'[\x00-\x08\x0a-\x1f"():<>?@\[\\\]{}\x7f]')
_LANGUAGE = re.compile(r"[0-9A-Za-z *,\-.;=]*")
_RANGE = re.compile(r"bytes=([0-9]+)-([0-9]*)")  # a single range with a start, no whitespace
_FORBIDDEN_REQUEST = re.compile(  # Fetch, "forbidden request-header", matched byte-lowercased
    r"accept-(charset|encoding)|access-control-request-(headers|method)|connection|content-length"
    r"|cookie2?|date|dnt|expect|host|keep-alive|origin|referer|set-cookie|te|trailer"
    r"|transfer-encoding|upgrade|via|proxy-.*|sec-.*"
)
_METHOD_OVERRIDES = {"x-http-method", "x-http-method-override", "x-method-override"}
_SAFELISTED_MIME = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


@dataclass(frozen=True)
class Fetch:
    """The page script's fetch(apiBase + path, init), repeated `times` times."""

    origin: str
    path: str = "/"
    method: str = "GET"
    headers: Headers = ()
    credentials: str = "same-origin"
    mode: str = "cors"
    body: Optional[str] = None
    read: Tuple[str, ...] = ()
    times: int = 1


@dataclass(frozen=True)
class Request:
    """What the browser puts on the wire (its CORS-relevant parts)."""

    method: str
    path: str
    headers: Headers
    preflight: bool
    credentials: bool


@dataclass(frozen=True)
class Response:
    status: int
    headers: Headers


Send = Callable[[Request], Response]


@dataclass
class Verdict:
    """What the script saw, summarized as tests/browser/harness.py does. `outcome` is "resolves"
    or "fails" when every repeat did so, else "mixed", which no harness verdict accepts."""

    outcome: str
    status: Optional[int]
    reaches_server: bool
    preflights: int
    readable: Dict[str, str]
    unreadable: List[str]
    sent: List[Request] = field(default_factory=list)
    failures: List[str] = field(default_factory=list)


@dataclass(frozen=True)
class Grant:
    """What a passed CORS-preflight fetch puts in the CORS-preflight cache."""

    methods: Tuple[str, ...]
    header_names: Tuple[str, ...]
    max_age: int


class NetworkError(Exception):
    """fetch() rejects; the message says which Fetch step failed and why."""


def byte_lower(text: str) -> str:
    return text.translate(_LOWER)  # byte-lowercase: ASCII letters only, as Fetch compares names


def get(headers: Headers, name: str) -> Optional[str]:
    """Fetch, header list "get": every value of `name`, in order, joined with ", "; or None."""
    values = [value for key, value in headers if byte_lower(key) == byte_lower(name)]
    return ", ".join(values) if values else None


def token_list(headers: Headers, name: str) -> Optional[List[str]]:
    """Fetch, "extract header list values" for a `#token` header (ACAM, ACAH, ACEH): None when
    absent; a ValueError (failure) when an element is not a token. Empty elements are allowed."""
    lines = [value for key, value in headers if byte_lower(key) == byte_lower(name)]
    if not lines:
        return None
    items = [item.strip(" \t") for line in lines for item in line.split(",")]
    if any(item and not TOKEN.fullmatch(item) for item in items):
        raise ValueError(f"{name} {get(headers, name)!r} is not a list of tokens")
    return [item for item in items if item]


def normalize_method(method: str) -> str:
    """Fetch, "normalize" a method: only DELETE, GET, HEAD, OPTIONS, POST and PUT are
    byte-uppercased; any other method keeps its case (`patch` stays `patch`)."""
    upper = method.translate(_UPPER)
    return upper if upper in {"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"} else method


def is_safelisted_method(method: str) -> bool:
    """Fetch, "CORS-safelisted method": GET, HEAD or POST, case-sensitively."""
    return method in {"GET", "HEAD", "POST"}


def is_forbidden_method(method: str) -> bool:
    """Fetch, "forbidden method": CONNECT, TRACE or TRACK, in any case."""
    return byte_lower(method) in {"connect", "trace", "track"}


def is_forbidden_request_header(name: str, value: str) -> bool:
    """Fetch, "forbidden request-header": fetch() silently leaves such a header out."""
    lower = byte_lower(name)
    # A method override naming a forbidden method would smuggle it past fetch()'s method check.
    overrides = lower in _METHOD_OVERRIDES and any(
        is_forbidden_method(item.strip(" \t")) for item in value.split(",")
    )
    return bool(_FORBIDDEN_REQUEST.fullmatch(lower)) or overrides


def _mime_essence(value: str) -> Optional[str]:
    """MIME Sniffing, "parse a MIME type", as far as the essence: None for a failure."""
    kind, slash, rest = value.strip(" \t\r\n").partition("/")
    subtype = rest.split(";", 1)[0].rstrip(" \t\r\n")
    if not slash or not TOKEN.fullmatch(kind) or not TOKEN.fullmatch(subtype):
        return None
    return byte_lower(f"{kind}/{subtype}")


def is_safelisted_request_header(name: str, value: str) -> bool:
    """Fetch, "CORS-safelisted request-header". A header value is a byte sequence: one byte
    per character here (isomorphic encoding), so the 128 limit counts characters."""
    lower = byte_lower(name)
    if len(value) > 128:
        return False
    if lower == "accept":
        return not _UNSAFE_BYTE.search(value)
    if lower in {"accept-language", "content-language"}:
        return bool(_LANGUAGE.fullmatch(value))
    if lower == "content-type":
        return not _UNSAFE_BYTE.search(value) and _mime_essence(value) in _SAFELISTED_MIME
    match = _RANGE.fullmatch(value) if lower == "range" else None
    return match is not None and (not match[2] or int(match[1]) <= int(match[2]))


def unsafe_request_header_names(headers: Headers) -> List[str]:
    """Fetch, "CORS-unsafe request-header names": byte-lowercased, unique, sorted; every name
    counts once the safelisted values add up to more than 1024 bytes."""
    safe = [(name, value) for name, value in headers if is_safelisted_request_header(name, value)]
    unsafe = [name for name, value in headers if (name, value) not in safe]
    if sum(len(value) for _, value in safe) > 1024:
        unsafe = [name for name, _ in headers]
    return sorted({byte_lower(name) for name in unsafe})
