"""The cross_origin decorator: one view's CORS policy, applied whatever the extension does."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any, Callable, TypeVar

from flask import Response, after_this_request, current_app, request

from .binding import HANDLED_KEY, STUB_VIEW_KEY, PolicySource, apply_policy
from .options import DECORATOR_LAYER, parse_options

F = TypeVar("F", bound=Callable[..., Any])


def cross_origin(*args: Any, **kwargs: Any) -> Any:
    """Enable CORS on one view; put it below ``@app.route(...)``.

    Takes the options of :class:`CORS` except ``resources``: ``origins``, ``methods``,
    ``expose_headers``, ``allow_headers``, ``supports_credentials``, ``max_age``,
    ``send_wildcard``, ``vary_header``, ``automatic_options``, ``always_send``,
    ``intercept_exceptions`` and ``allow_private_network``. Options not given here come
    from ``app.config["CORS_<NAME>"]``, read at request time, then the defaults.

    With ``automatic_options`` (the default) the decorator answers OPTIONS requests
    itself, so preflights get this view's CORS headers. Its policy wins over the
    extension's on this route, and errors raised by the view get its headers while
    ``intercept_exceptions`` is on.

    ``@cross_origin`` without parentheses works too.
    """
    if args:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return cross_origin()(args[0])
        raise TypeError(f"cross_origin() takes options as keywords only, got {args!r}")
    if "resources" in kwargs:
        raise TypeError(
            "cross_origin: 'resources' only applies to CORS(); the decorator covers its own view"
        )
    options = parse_options(kwargs, "cross_origin()", allow_resources=False)
    source = PolicySource(
        [(DECORATOR_LAYER, options)], label="cross_origin()", with_resources=False
    )
    source.validate()
    answers_options = options.get("automatic_options", True)

    def decorator(view: F) -> F:
        def wrapped_view(*view_args: Any, **view_kwargs: Any) -> Response:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            environ = request._get_current_object().environ  # type: ignore[attr-defined]
            policy = source.table(app).rules[0][1]
            if answers_options and environ.get("REQUEST_METHOD", "GET").upper() == "OPTIONS":
                response: Response = app.make_default_options_response()
                if not policy.automatic_options:
                    return response
            else:
                environ[HANDLED_KEY] = True
                try:
                    if environ.get(STUB_VIEW_KEY):  # `flask cors explain`: no side effects
                        rv = ""
                    else:
                        rv = app.ensure_sync(view)(*view_args, **view_kwargs)
                except Exception:
                    if policy.intercept_exceptions:
                        after_this_request(
                            lambda error_response: apply_policy(
                                policy, error_response, environ, source
                            )
                        )
                    raise
                response = app.make_response(rv)
            environ[HANDLED_KEY] = True
            return apply_policy(policy, response, environ, source)

        update_wrapper(wrapped_view, view)
        # For `flask cors routes` and `flask cors explain`: this view's own policy, and
        # this wrapper (functools.wraps copies both onto decorators applied above it).
        wrapped_view.cors_source = source  # type: ignore[attr-defined]
        wrapped_view.cors_wrapper = wrapped_view  # type: ignore[attr-defined]
        if answers_options:
            # Flask reads these when the route is registered: route OPTIONS to this view
            # instead of answering it with its own automatic response.
            wrapped_view.required_methods = set(getattr(view, "required_methods", ())) | {"OPTIONS"}  # type: ignore[attr-defined]
            wrapped_view.provide_automatic_options = False  # type: ignore[attr-defined]
        return wrapped_view  # type: ignore[return-value]

    return decorator
