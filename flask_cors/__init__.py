"""Cross-Origin Resource Sharing for Flask: Flask-CORS's API, hardened."""

from .core import ConfigError
from .decorator import cross_origin
from .extension import CORS

__version__ = "0.1.0"

__all__ = ["CORS", "ConfigError", "cross_origin", "__version__"]
