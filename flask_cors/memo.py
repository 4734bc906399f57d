"""The one bounded memory of answers the package keeps for the whole process."""

from __future__ import annotations

from typing import Any

#: Bounds of the one memory of answers the package keeps for the whole process (the rule
#: for a path, the decision for a request shape): at most ``MEMO_ENTRIES`` entries whose
#: keys hold at most ``MEMO_CHARACTERS`` characters in all. Past either it starts afresh,
#: so hostile input costs a miss, never memory, however many apps, blueprints, resources
#: and decorated views there are.
MEMO_ENTRIES = 4096
MEMO_CHARACTERS = 1 << 20
#: Longest key remembered; longer requests are answered without being remembered.
CACHEABLE_LENGTH = 2048


class Memo:
    """Answers that are pure functions of their key, remembered within fixed bounds."""

    __slots__ = ("entries", "characters")

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], Any] = {}
        self.characters = 0

    def remember(self, key: tuple[Any, ...], value: Any, size: int) -> None:
        """Keep ``value`` under ``key`` (whose strings hold ``size`` characters) unless
        the key is over ``CACHEABLE_LENGTH``."""
        if size > CACHEABLE_LENGTH:
            return
        if len(self.entries) >= MEMO_ENTRIES or self.characters + size > MEMO_CHARACTERS:
            self.entries.clear()
            self.characters = 0
        self.entries[key] = value
        self.characters += size


#: The process's memo; keys start with the table or policy they answer for.
MEMO = Memo()
