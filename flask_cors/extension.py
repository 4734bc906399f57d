"""The CORS extension: applies per-resource policies to every response of an app or blueprint."""

from __future__ import annotations

from typing import Any, Optional, Union, cast

from flask import Blueprint, Flask, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from .binding import (
    FROM_EXCEPTION_KEY,
    HANDLED_KEY,
    LOG,
    PolicySource,
    apply_policy,
    mark_exception_responses,
)
from .options import CONSTRUCTOR_LAYER, INIT_APP_LAYER, parse_options


class CORS:
    """Cross-Origin Resource Sharing for a Flask application or blueprint.

    ``CORS(app, **options)`` enables CORS on ``app`` at once; ``CORS(**options)`` followed
    by ``init_app(app, **more_options)`` supports the application-factory pattern, and one
    object may serve several apps. The options are those of :func:`cross_origin` plus
    ``resources``: a dict mapping path patterns to their own options, a list of
    patterns, one pattern, or a compiled regex.

    Each option is taken, per resource, from the first of: the resource's dict,
    ``init_app`` keywords, constructor keywords, ``app.config["CORS_<NAME>"]``, the
    default. Invalid options raise ``TypeError`` or ``ValueError`` naming the option.
    """

    def __init__(self, app: Optional[Union[Flask, Blueprint]] = None, **kwargs: Any) -> None:
        self._options = parse_options(kwargs, "CORS()")
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Union[Flask, Blueprint], **kwargs: Any) -> None:
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
            source.validate()
            app.record_once(lambda state: _on_blueprint_registered(state, source))
        elif isinstance(app, Flask):
            source.table(app)
            mark_exception_responses(app)
        else:
            raise TypeError(f"CORS: app must be a Flask application or a Blueprint, got {app!r}")
        app.after_request(_after_request_hook(source))


def _on_blueprint_registered(state: BlueprintSetupState, source: PolicySource) -> None:
    app = cast(Flask, state.app)
    source.table(app)  # the app's CORS_* config as it is now fails here, at setup
    mark_exception_responses(app)


def _after_request_hook(source: PolicySource) -> Any:
    def add_cors_headers(response: Response) -> Response:
        environ = request.environ
        if environ.get(HANDLED_KEY):
            return response
        rule = source.table(current_app._get_current_object()).match(request.path)  # type: ignore[attr-defined]
        if rule is None:
            LOG.debug("CORS resource-not-matched: %r", request.path)
            return response
        pattern, policy = rule
        if environ.get(FROM_EXCEPTION_KEY) and not policy.intercept_exceptions:
            LOG.debug(
                "CORS exception-not-intercepted: %r (resource %r)", request.path, pattern.source
            )
            return response
        environ[HANDLED_KEY] = True
        return apply_policy(policy, response)

    return add_cors_headers
