"""Python client for Sparkport (and any Livy server): sessions, statements, batches, shared data.

    from sparkport import Client
    with Client("http://localhost:8998").session(kind="pyspark") as s:
        print(s.run("spark.range(10).count()").text)
"""

from .client import Client
from .errors import NetworkError, SparkportError
from .http import Http
from .session import Session
from .shared import SharedRdd
from .sse import Event
from .statement import Statement, StatementError

__all__ = [
    "Client", "Event", "Http", "NetworkError", "Session", "SharedRdd", "SparkportError", "Statement", "StatementError",
]
