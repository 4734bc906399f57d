"""Configured regular expressions, matched by RE2 in time linear in the input's length."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import re2

_ESCAPES = {"Z": r"\z"}  # Python's \Z is RE2's \z
# Escapes whose meaning is Unicode-wide in Python's re but ASCII-only in RE2 (\d has an
# exact RE2 spelling, \p{Nd}; the others do not).
_UNICODE_ESCAPES = {**_ESCAPES, "d": r"\p{Nd}", "D": r"\P{Nd}"}
_UNICODE_ONLY = frozenset("wWsSbB")
#: What to_re2 reads at a time: an escape, Python's {,n}, a named group's opening, or
#: one character.
_UNIT = re.compile(r"\\.|\{,(?P<max>[0-9]+)\}|\(\?P<[A-Za-z_][A-Za-z0-9_]*>|.", re.DOTALL)
_FLAG_SPELLINGS = ((re.IGNORECASE, "i"), (re.DOTALL, "s"), (re.MULTILINE, "m"))
_OPTIONS = re2.Options()  # RE2 copies its options, so one object serves every pattern
_OPTIONS.log_errors = False  # a refused pattern is reported once, as a setup warning
_OPTIONS.never_capture = True


def to_re2(pattern: re.Pattern[str], ascii_input: bool) -> tuple[str | None, str]:
    """The RE2 spelling of ``pattern`` with Python's meaning, or None and why there is
    none. ``ascii_input``: the values matched are known to be visible ASCII, where
    Python's Unicode classes and RE2's ASCII ones agree."""
    if pattern.flags & re.VERBOSE:
        return None, "re.VERBOSE has no RE2 equivalent"
    unicode_input = not ascii_input and not pattern.flags & re.ASCII
    escapes = _UNICODE_ESCAPES if unicode_input else _ESCAPES
    text = pattern.pattern
    out: list[str] = []
    in_class, body = False, 0
    for unit in _UNIT.finditer(text):
        token, start = unit.group(), unit.start()
        if token.startswith("\\"):
            if unicode_input and token[1:] in _UNICODE_ONLY:
                return None, f"{token} is Unicode-wide in Python and ASCII-only in RE2"
            token = escapes.get(token[1:], token)
        elif in_class:
            if token == "[" and text.startswith(":", start + 1):
                return None, "'[:' inside a class is literal in Python, a POSIX class in RE2"
            if token == "]" and start != body:  # first in the class, ']' is a literal
                in_class = False
        elif token == "[":
            in_class = True
            body = start + 2 if text.startswith("^", start + 1) else start + 1
        elif unit.group("max"):  # RE2 reads Python's {,n} literally
            token = "{0," + unit.group("max") + "}"
        elif token.startswith("(?P<"):  # repeated names would clash in a set
            token = "(?:"
        out.append(token)
    flags = "".join(letter for flag, letter in _FLAG_SPELLINGS if pattern.flags & flag)
    translated = (f"(?{flags})" if flags else "") + "".join(out)
    try:
        re2.compile(translated, _OPTIONS)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        # google-re2 gives its parser's message as bytes.
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        return None, f"RE2 cannot run it: {text}"
    return translated, ""


class RegexSet:
    """Regexes matched in one pass, each against the whole value if ``whole`` (origins,
    header names) else a prefix (paths): by RE2 in linear time where it keeps Python's
    meaning, else by Python's ``re`` (named in ``notes``, which callers log at setup)."""

    __slots__ = ("patterns", "notes", "_set", "_indices", "_fallback")

    def __init__(
        self, patterns: Sequence[re.Pattern[str]], whole: bool, ascii_input: bool, where: str
    ) -> None:
        self.patterns = tuple(patterns)
        engine = (re2.Set.FullMatchSet if whole else re2.Set.MatchSet)(_OPTIONS)
        indices: list[int] = []
        fallback: list[tuple[int, Callable[[str], object]]] = []
        notes: list[str] = []
        for index, pattern in enumerate(self.patterns):
            translated, reason = to_re2(pattern, ascii_input)
            if translated is None:
                fallback.append((index, pattern.fullmatch if whole else pattern.match))
                notes.append(
                    f"{where}: the regex {pattern.pattern!r} is matched by Python's re, not "
                    f"RE2 ({reason}), so its matching time is not guaranteed to be linear; "
                    "avoid nested repetition such as (a+)+ in it"
                )
            else:
                engine.Add(translated)
                indices.append(index)
        if indices:
            engine.Compile()
        self._set = engine if indices else None
        self._indices = tuple(indices)
        self._fallback = tuple(fallback)
        self.notes = tuple(notes)

    def matching(self, value: str) -> list[int]:
        """The indices, in ``patterns``, of every pattern matching ``value``, ascending."""
        # Plain loops: on the request path, generators and sorted() cost a microsecond.
        found = [self._indices[hit] for hit in self._set.Match(value) or ()] if self._set else []
        for index, match in self._fallback:
            if match(value):
                found.append(index)
        found.sort()
        return found
