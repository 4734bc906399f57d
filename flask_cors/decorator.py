"""The cross_origin decorator: one view's CORS policy, applied whatever the extension does."""

from __future__ import annotations

from functools import update_wrapper
from inspect import iscoroutinefunction
from types import MethodType
from typing import Any, Callable

from flask import Response, after_this_request, current_app, request
from flask.views import MethodView, View, http_method_funcs

from .binding import HANDLED_KEY, apply_policy
from .build import PolicySource
from .core import ACL_REQUEST_METHOD, ConfigError
from .layers import DECORATOR_LAYER, parse_options

HTTP_METHOD_NAMES = http_method_funcs  # those MethodView dispatches to a method of that name


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

    It decorates ``async def`` views (with Flask's ``async`` extra installed), and
    class-based views: list it in a ``View``'s ``decorators`` (last, so that it wraps
    the others and answers preflights before they run), or put it on the methods of a
    ``MethodView`` (or on a ``View``'s ``dispatch_request``). On a method, preflights are
    answered with the policy of the method the browser asks for.

    ``@cross_origin`` without parentheses works too.
    """
    if args:
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return cross_origin()(args[0])
        raise ConfigError(f"cross_origin() takes options as keywords only, got {args!r}")
    if "resources" in kwargs:
        raise ConfigError(
            "cross_origin: 'resources' only applies to CORS(); the decorator covers its own view"
        )
    options = parse_options(kwargs, "cross_origin()", nested=True)
    source = PolicySource([(DECORATOR_LAYER, options)], "cross_origin()", with_resources=False)
    source.validate()
    return lambda view: CrossOriginView(view, source, options.get("automatic_options", True))


class CrossOriginView:
    # Private state in slots, not copied by decorators applied above (they copy __dict__).
    __slots__ = ("_view", "_source", "_answers_options", "_async", "__dict__", "__weakref__")

    def __init__(self, view: Callable[..., Any], source: PolicySource, answers_options: bool):
        self._view = view
        self._source = source
        self._answers_options = answers_options
        self._async = iscoroutinefunction(view)  # what Flask's ensure_sync asks on every call
        update_wrapper(self, view)
        self.cors_source = source
        self.cors_wrapper = self  # copied by decorators above: how routes and explain find it
        if answers_options:
            self.required_methods = set(getattr(view, "required_methods", ())) | {"OPTIONS"}
            self.provide_automatic_options = False

    def __setattr__(self, name: str, value: Any) -> None:
        # View.as_view() sets it (to None) after decorating: Flask would answer preflights.
        if name == "provide_automatic_options" and self._answers_options:
            value = False
        object.__setattr__(self, name, value)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:  # binds as a function
        return self if instance is None else MethodType(self, instance)

    def __set_name__(self, owner: type, name: str) -> None:
        """Make a class-based view route preflights to this policy, not Flask's answer."""
        if not self._answers_options or not issubclass(owner, View):
            return
        method_view = issubclass(owner, MethodView)
        if name != "dispatch_request" and not (method_view and name in HTTP_METHOD_NAMES):
            return
        if method_view and not hasattr(owner, "options"):
            # MethodView routes OPTIONS to it (and lists it in methods the class does not set).
            owner.options = answer_class_preflight  # type: ignore[attr-defined]
        if not method_view or "methods" in owner.__dict__:
            owner.methods = {method.upper() for method in owner.methods or ("GET",)} | {"OPTIONS"}

    def __call__(self, *view_args: Any, **view_kwargs: Any) -> Response:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        environ = request._get_current_object().environ  # type: ignore[attr-defined]
        policy = self._source.table(app).rules[0][1]  # the one rule of a source without resources
        if self._answers_options and environ.get("REQUEST_METHOD", "GET").upper() == "OPTIONS":
            response: Response = app.make_default_options_response()
            if not policy.automatic_options:  # turned off in the app's config
                return response
            environ[HANDLED_KEY] = True
            return apply_policy(policy, response, environ, self._source, None)
        environ[HANDLED_KEY] = True
        try:
            view = app.ensure_sync(self._view) if self._async else self._view
            rv = view(*view_args, **view_kwargs)
        except Exception:
            if policy.intercept_exceptions:
                after_this_request(
                    lambda response: apply_policy(policy, response, environ, self._source, None)
                )
            raise
        return apply_policy(policy, app.make_response(rv), environ, self._source, None)


def method_policy_view(view_class: Any, method: str) -> CrossOriginView | None:
    """The decorated method a MethodView runs for ``method`` (``get`` for HEAD if no ``head``)."""
    name = method.strip(" \t").lower()
    handler = getattr(view_class, name, None) if name in HTTP_METHOD_NAMES else None
    if handler is None and name == "head":
        handler = getattr(view_class, "get", None)
    handler = getattr(handler, "__func__", handler)  # on an instance, a bound method
    return handler if isinstance(handler, CrossOriginView) else None


def answer_class_preflight(view: Any, *args: Any, **kwargs: Any) -> Response:
    """A MethodView's ``options``: a preflight gets the answer of the method it asks about."""
    decorated = method_policy_view(view, request.headers.get(ACL_REQUEST_METHOD, ""))
    if decorated is not None and decorated._answers_options:
        return decorated(view, *args, **kwargs)  # on OPTIONS it answers, never running the view
    return current_app.make_default_options_response()
