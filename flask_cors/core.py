"""Public constants (CORS header names, the default methods, option defaults) and the
setup error."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

ACL_ORIGIN = "Access-Control-Allow-Origin"
ACL_METHODS = "Access-Control-Allow-Methods"
ACL_ALLOW_HEADERS = "Access-Control-Allow-Headers"
ACL_EXPOSE_HEADERS = "Access-Control-Expose-Headers"
ACL_CREDENTIALS = "Access-Control-Allow-Credentials"
ACL_MAX_AGE = "Access-Control-Max-Age"
ACL_RESPONSE_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"

ACL_REQUEST_METHOD = "Access-Control-Request-Method"
ACL_REQUEST_HEADERS = "Access-Control-Request-Headers"
ACL_REQUEST_HEADER_PRIVATE_NETWORK = "Access-Control-Request-Private-Network"

ALL_METHODS = ["GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"]

#: Every option the extension and the decorator understand, in documentation order.
OPTION_NAMES = (
    "resources",
    "origins",
    "methods",
    "expose_headers",
    "allow_headers",
    "supports_credentials",
    "max_age",
    "send_wildcard",
    "vary_header",
    "automatic_options",
    "always_send",
    "intercept_exceptions",
    "allow_private_network",
)

#: The ``app.config`` key of each option: ``CORS_`` followed by its upper-cased name.
CONFIG_OPTIONS = tuple("CORS_" + name.upper() for name in OPTION_NAMES)

#: Documented defaults (read-only: copy it before changing anything).
DEFAULT_OPTIONS: Mapping[str, Any] = MappingProxyType(
    {
        "resources": r"/*",
        "origins": "*",
        "methods": tuple(ALL_METHODS),
        "expose_headers": None,
        "allow_headers": "*",
        "supports_credentials": False,
        "max_age": None,
        "send_wildcard": False,
        "vary_header": True,
        "automatic_options": True,
        "always_send": True,
        "intercept_exceptions": True,
        "allow_private_network": False,
    }
)


class ConfigError(ValueError, TypeError):
    """An invalid CORS option, raised at setup; its message names the option.

    It is a ``ValueError``, which Flask-CORS raises for a bad ``resources`` value or
    regex, so code that catches that keeps working; and a ``TypeError``, which earlier
    releases of this package raised for a value of the wrong type.
    """


__all__ = [
    "ACL_ALLOW_HEADERS",
    "ACL_CREDENTIALS",
    "ACL_EXPOSE_HEADERS",
    "ACL_MAX_AGE",
    "ACL_METHODS",
    "ACL_ORIGIN",
    "ACL_REQUEST_HEADERS",
    "ACL_REQUEST_HEADER_PRIVATE_NETWORK",
    "ACL_REQUEST_METHOD",
    "ACL_RESPONSE_PRIVATE_NETWORK",
    "ALL_METHODS",
    "CONFIG_OPTIONS",
    "ConfigError",
    "DEFAULT_OPTIONS",
    "OPTION_NAMES",
]
