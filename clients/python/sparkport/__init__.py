"""Python client for Sparkport: sessions, statements and shared data over REST."""

from .errors import NetworkError, SparkportError
from .http import Http
from .shared import SharedRdd

__all__ = ["Http", "NetworkError", "SharedRdd", "SparkportError"]
