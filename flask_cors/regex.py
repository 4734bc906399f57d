"""Configured regular expressions, matched by RE2 in time linear in the input's length."""

from __future__ import annotations

import re
from collections.abc import Sequence
from re import Pattern

import re2

# Escapes whose meaning is Unicode-wide in Python's re but ASCII-only in RE2 (\d has an
# exact RE2 spelling, \p{Nd}; the others do not).
_UNICODE_CLASSES = {"d": r"\p{Nd}", "D": r"\P{Nd}"}
_UNICODE_ONLY = frozenset("wWsSbB")
_EMPTY_MIN = re.compile(r"\{,([0-9]+)\}")
_NAMED_GROUP = re.compile(r"\(\?P<[A-Za-z_][A-Za-z0-9_]*>")
_FLAG_SPELLINGS = ((re.IGNORECASE, "i"), (re.DOTALL, "s"), (re.MULTILINE, "m"))


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # a refused pattern is reported once, as a setup warning
    options.never_capture = True
    return options


def to_re2(pattern: Pattern[str], ascii_input: bool) -> tuple[str | None, str]:
    """The RE2 spelling of ``pattern`` with Python's meaning, or None and why there is
    none. ``ascii_input``: the values matched are known to be visible ASCII, where
    Python's Unicode classes and RE2's ASCII ones agree."""
    if pattern.flags & re.VERBOSE:
        return None, "re.VERBOSE has no RE2 equivalent"
    unicode_input = not ascii_input and not pattern.flags & re.ASCII
    text = pattern.pattern
    out: list[str] = []
    in_class = False
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            if escaped == "Z":  # Python's \Z is RE2's \z
                out.append(r"\z")
            elif unicode_input and escaped in _UNICODE_CLASSES:
                out.append(_UNICODE_CLASSES[escaped])
            elif unicode_input and escaped in _UNICODE_ONLY:
                return None, f"\\{escaped} is Unicode-wide in Python and ASCII-only in RE2"
            else:
                out.append(text[index : index + 2])
            index += 2
            continue
        if in_class:
            if char == "[" and text.startswith(":", index + 1):
                return None, "'[:' inside a class is literal in Python, a POSIX class in RE2"
            if char == "]" and not _class_start(text, index):
                in_class = False
        elif char == "[":
            in_class = True
        elif char == "{":
            empty_min = _EMPTY_MIN.match(text, index)
            if empty_min:  # Python's {,n} is {0,n}; RE2 would read it literally
                out.append("{0," + empty_min.group(1) + "}")
                index = empty_min.end()
                continue
        elif char == "(":
            named = _NAMED_GROUP.match(text, index)
            if named:  # names are never used here, and repeated names would clash in a set
                out.append("(?:")
                index = named.end()
                continue
        out.append(char)
        index += 1
    flags = "".join(letter for flag, letter in _FLAG_SPELLINGS if pattern.flags & flag)
    translated = "".join(out)
    translated = f"(?{flags}){translated}" if flags else translated
    try:
        re2.compile(translated, _options())
    except re2.error as error:
        reason = error.args[0] if error.args else error
        # google-re2 gives its parser's message as bytes.
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        return None, f"RE2 cannot run it: {text}"
    return translated, ""


def _class_start(text: str, index: int) -> bool:
    """Whether the ']' at ``index`` is the literal first character of a class ('[]' or
    '[^]')."""
    return text[index - 1] == "[" or (text[index - 2 : index] == "[^" and index >= 2)


class RegexSet:
    """Configured regexes matched in one pass over the value: RE2 runs every pattern it
    can run with Python's meaning, in time linear in the value's length; the rest (named
    in ``notes``, which callers log as setup warnings) run on Python's ``re``."""

    __slots__ = ("patterns", "notes", "_set", "_indices", "_fallback", "_whole")

    def __init__(
        self, patterns: Sequence[Pattern[str]], whole: bool, ascii_input: bool, where: str
    ) -> None:
        """``whole``: a pattern must match the whole value (origins, header names), else
        a prefix of it (paths)."""
        self.patterns = tuple(patterns)
        self._whole = whole
        notes: list[str] = []
        indices: list[int] = []
        fallback: list[int] = []
        engine = (re2.Set.FullMatchSet if whole else re2.Set.MatchSet)(_options())
        for index, pattern in enumerate(self.patterns):
            translated, reason = to_re2(pattern, ascii_input)
            if translated is None:
                fallback.append(index)
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
        found: list[int] = []
        if self._set is not None:
            hits = self._set.Match(value)
            if hits:
                found.extend(self._indices[hit] for hit in hits)
        for index in self._fallback:
            pattern = self.patterns[index]
            matched = pattern.fullmatch(value) if self._whole else pattern.match(value)
            if matched:
                found.append(index)
        found.sort()
        return found
