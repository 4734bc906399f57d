"""The CORS extension: applies per-resource policies to every response of an app or blueprint."""

from __future__ import annotations

from typing import Any, Callable, cast

from flask import Blueprint, Flask, Response, current_app
from flask.blueprints import BlueprintSetupState

from .binding import answer, register
from .build import PolicySource
from .core import ConfigError
from .layers import CONSTRUCTOR_LAYER, INIT_APP_LAYER, parse_options


class CORS:
    """Cross-Origin Resource Sharing for a Flask application or blueprint.

    ``CORS(app, **options)`` enables CORS on ``app`` at once; ``CORS(**options)`` followed
    by ``init_app(app, **more_options)`` supports the application-factory pattern, and one
    object may serve several apps. The options are those of :func:`cross_origin` plus
    ``resources``: a dict mapping path patterns to their own options, a list of
    patterns, one pattern, or a compiled regex.

    Each option is taken, per resource, from the first of: the resource's dict,
    ``init_app`` keywords, constructor keywords, ``app.config["CORS_<NAME>"]``, the
    default. An invalid option raises :class:`~flask_cors.core.ConfigError` naming it.
    """

    def __init__(self, app: Flask | Blueprint | None = None, **kwargs: Any) -> None:
        self._options = parse_options(kwargs, "CORS()")
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask | Blueprint, **kwargs: Any) -> None:
        """Enable CORS on ``app`` (a Flask app or a Blueprint); keywords here take
        precedence over the constructor's."""
        source = PolicySource(
            [
                (INIT_APP_LAYER, parse_options(kwargs, "init_app()")),
                (CONSTRUCTOR_LAYER, self._options),
            ],
            label="CORS",
            with_resources=True,
        )
        if isinstance(app, Blueprint):
            source.blueprint = app
            source.validate()
            app.record_once(lambda state: _on_blueprint_registered(state, source))
            app.after_request(_blueprint_hook(source))
        elif isinstance(app, Flask):
            source.table(app)
            register(app, source, app_wide=True)
        else:
            raise ConfigError(f"CORS: app must be a Flask application or a Blueprint, got {app!r}")


def _on_blueprint_registered(state: BlueprintSetupState, source: PolicySource) -> None:
    app = cast(Flask, state.app)
    source.table(app)  # the app's CORS_* config as it is now fails here, at setup
    register(app, source, app_wide=False)


def _blueprint_hook(source: PolicySource) -> Callable[[Response], Response]:
    """A blueprint's after_request function: it answers for whichever app is serving."""

    def add_cors_headers(response: Response) -> Response:
        return answer(source, current_app._get_current_object(), response)  # type: ignore[attr-defined]

    return add_cors_headers
