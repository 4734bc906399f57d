"""The CORS extension: applies per-resource policies to every response of an app or blueprint."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask, current_app

from .binding import answer, register
from .build import PolicySource
from .core import ConfigError
from .layers import CONSTRUCTOR_LAYER, INIT_APP_LAYER, Layer, parse_options


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
        options = parse_options(kwargs, "init_app()")
        layers: list[Layer] = [(INIT_APP_LAYER, options), (CONSTRUCTOR_LAYER, self._options)]
        source = PolicySource(layers, label="CORS", with_resources=True)
        if isinstance(app, Blueprint):
            source.blueprint = app
            source.validate()
            app.record_once(lambda state: register(cast(Flask, state.app), source, app_wide=False))
            app.after_request(
                lambda response: answer(source, current_app._get_current_object(), response)  # type: ignore[attr-defined]
            )
        elif isinstance(app, Flask):
            register(app, source, app_wide=True)
        else:
            raise ConfigError(f"CORS: app must be a Flask application or a Blueprint, got {app!r}")
