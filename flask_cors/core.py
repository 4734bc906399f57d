"""Public constants (CORS header names, default methods, option defaults) and the setup error."""

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

#: Every option's documented default, in documentation order (read-only).
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

#: Every option the extension and the decorator understand, in documentation order.
OPTION_NAMES = tuple(DEFAULT_OPTIONS)

#: The ``app.config`` key of each option: ``CORS_`` followed by its upper-cased name.
CONFIG_OPTIONS = tuple("CORS_" + name.upper() for name in OPTION_NAMES)


class ConfigError(ValueError, TypeError):
    """An invalid CORS option, raised at setup and naming the option: a ``ValueError`` as
    Flask-CORS raises, and a ``TypeError`` as earlier releases of this package raised."""
