"""Sparkport session driver: hosts one Spark driver and runs Livy-style statements.

The server talks to it over the line-delimited JSON protocol in PROTOCOL.md.
"""

__version__ = "0.1.0"
