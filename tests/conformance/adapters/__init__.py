"""The adapter interface: how the runner plays a spec case against one CORS implementation."""

from __future__ import annotations

import importlib
from typing import Any, Dict

from cors_spec import Case, Observed

try:
    from typing import Protocol
except ImportError:  # pragma: no cover - Python < 3.8
    from typing_extensions import Protocol  # type: ignore[assignment]


class SkipCase(Exception):
    """Raised by an adapter for a case its implementation cannot express; the message
    says why (e.g. "blueprints are a Flask feature")."""


class Adapter(Protocol):
    """One CORS implementation, seen by the runner.

    ``run`` builds the app the case describes (its ``config`` and ``app`` sections),
    sends the case's ``request`` and returns what came back. A configuration the
    implementation refuses is returned as ``Observed(setup_error=...)``, not raised.
    """

    #: Implementation name and version, for reports.
    name: str
    version: str

    def run(self, case: Case) -> Observed:
        """Play one case; raise SkipCase if the implementation cannot express it."""
        ...


#: Adapters known by a short name; anything else is given as "module:attribute".
REGISTRY: Dict[str, str] = {
    "flask_cors": "adapters.flask_api:FlaskCorsApiAdapter",
}


def load_adapter(spec: str) -> Adapter:
    """The adapter named ``spec``: a registry name or "module:attribute", where the
    attribute is an adapter object, or a class or factory called without arguments."""
    target = REGISTRY.get(spec, spec)
    module_name, _, attribute = target.partition(":")
    if not attribute:
        raise ValueError(
            f"--cors-adapter {spec!r}: expected a name from {sorted(REGISTRY)} or module:attribute"
        )
    found: Any = getattr(importlib.import_module(module_name), attribute)
    adapter = found() if isinstance(found, type) or not hasattr(found, "run") else found
    return adapter  # type: ignore[no-any-return]
