"""The cross_origin decorator: one view's CORS policy, applied whatever the extension does."""

from __future__ import annotations

from functools import update_wrapper
from inspect import iscoroutinefunction
from types import MethodType
from typing import Any, Callable

from flask import Response, after_this_request, current_app, request
from flask.views import MethodView, View

from .binding import HANDLED_KEY, apply_policy
from .build import PolicySource
from .core import ACL_REQUEST_METHOD, ConfigError
from .layers import DECORATOR_LAYER, parse_options

#: The methods a MethodView dispatches to a method of the same name (lower-cased).
HTTP_METHOD_NAMES = frozenset(("get", "post", "head", "options", "delete", "put", "trace", "patch"))


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
    source = PolicySource(
        [(DECORATOR_LAYER, options)], label="cross_origin()", with_resources=False
    )
    source.validate()
    answers_options = bool(options.get("automatic_options", True))

    def decorator(view: Callable[..., Any]) -> CrossOriginView:
        return CrossOriginView(view, source, answers_options)

    return decorator


class CrossOriginView:
    """A view decorated with :func:`cross_origin`: called like the view, it returns the
    view's response with this view's CORS answer added.

    It behaves as the function it wraps would (``functools`` metadata, binding as a
    method), and in three ways it knows about Flask:

    - ``required_methods`` includes OPTIONS and ``provide_automatic_options`` stays False
      (even when ``View.as_view`` resets it after running a class's ``decorators``), so
      Flask routes preflights to it instead of answering them itself;
    - put on a method of a class-based view, it makes the class route OPTIONS too (see
      ``__set_name__``);
    - ``cors_source`` and ``cors_wrapper`` tell ``flask cors routes`` and ``flask cors
      explain`` this view's policy (``functools.wraps`` above copies both).
    """

    # Internal state lives in slots, so decorators applied above, which copy __dict__,
    # copy only the public attributes.
    __slots__ = ("_view", "_source", "_answers_options", "_async", "__dict__", "__weakref__")
    _view: Callable[..., Any]
    _source: PolicySource
    _answers_options: bool
    _async: bool

    def __init__(self, view: Callable[..., Any], source: PolicySource, answers_options: bool):
        object.__setattr__(self, "_view", view)
        object.__setattr__(self, "_source", source)
        object.__setattr__(self, "_answers_options", answers_options)
        # Flask's ensure_sync asks the same question on every call; the answer is fixed.
        object.__setattr__(self, "_async", iscoroutinefunction(view))
        update_wrapper(self, view)
        self.cors_source = source
        self.cors_wrapper = self
        if answers_options:
            self.required_methods = set(getattr(view, "required_methods", ())) | {"OPTIONS"}
            self.provide_automatic_options = False

    def __setattr__(self, name: str, value: Any) -> None:
        # View.as_view() copies the class's provide_automatic_options (None) onto the view
        # after decorating it; Flask would then answer preflights without calling it.
        if name == "provide_automatic_options" and self._answers_options:
            value = False
        object.__setattr__(self, name, value)

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        """Bind to an instance as the decorated function would (a class-based view's
        methods)."""
        return self if instance is None else MethodType(self, instance)

    def __set_name__(self, owner: type, name: str) -> None:
        """Make a class-based view route OPTIONS when this decorates one of its methods,
        so that preflights reach this policy instead of Flask's automatic answer."""
        if not self._answers_options or not issubclass(owner, View):
            return
        if issubclass(owner, MethodView):
            if name not in HTTP_METHOD_NAMES and name != "dispatch_request":
                return
            if not hasattr(owner, "options"):
                # MethodView dispatches OPTIONS to this method and, since it now exists,
                # lists OPTIONS among the class's methods (unless the class sets them).
                owner.options = answer_class_preflight  # type: ignore[attr-defined]
            if "methods" not in owner.__dict__:
                return
        elif name != "dispatch_request":
            return
        methods = getattr(owner, "methods", None) or ("GET",)
        owner.methods = {method.upper() for method in methods} | {"OPTIONS"}

    def __call__(self, *view_args: Any, **view_kwargs: Any) -> Response:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        environ = request._get_current_object().environ  # type: ignore[attr-defined]
        if self._answers_options and environ.get("REQUEST_METHOD", "GET").upper() == "OPTIONS":
            return self.answer_options()
        policy = self._source.view_policy(app)
        environ[HANDLED_KEY] = True
        try:
            view = app.ensure_sync(self._view) if self._async else self._view
            rv = view(*view_args, **view_kwargs)
        except Exception:
            if policy.intercept_exceptions:
                source = self._source
                after_this_request(
                    lambda error_response: apply_policy(policy, error_response, environ, source)
                )
            raise
        return apply_policy(policy, app.make_response(rv), environ, self._source)

    def answer_options(self) -> Response:
        """Flask's default answer to the current OPTIONS request, with this view's CORS
        headers (unless ``automatic_options`` is off in the app's config)."""
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        environ = request._get_current_object().environ  # type: ignore[attr-defined]
        policy = self._source.view_policy(app)
        response: Response = app.make_default_options_response()
        if not policy.automatic_options:
            return response
        environ[HANDLED_KEY] = True
        return apply_policy(policy, response, environ, self._source)


def method_policy_view(view_class: Any, method: str) -> CrossOriginView | None:
    """The decorated method a ``MethodView`` dispatches ``method`` to (``get`` for HEAD
    when it has no ``head``), if that method is decorated."""
    name = method.strip(" \t").lower()
    if name not in HTTP_METHOD_NAMES:
        return None
    handler = getattr(view_class, name, None)
    if handler is None and name == "head":
        handler = getattr(view_class, "get", None)
    # On an instance the attribute is a bound method of the decorated object.
    handler = getattr(handler, "__func__", handler)
    return handler if isinstance(handler, CrossOriginView) else None


def answer_class_preflight(view: Any, *args: Any, **kwargs: Any) -> Response:
    """The ``options`` method given to a class-based view whose methods are decorated:
    a preflight gets the CORS answer of the method it asks about (``get`` for HEAD, as
    MethodView dispatches), any other OPTIONS request Flask's default answer."""
    decorated = method_policy_view(view, request.headers.get(ACL_REQUEST_METHOD, ""))
    if decorated is not None and decorated._answers_options:
        return decorated.answer_options()
    return current_app.make_default_options_response()
