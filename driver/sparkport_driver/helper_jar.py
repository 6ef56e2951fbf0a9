"""Classes of the Scala helper jar (driver/scala, `sparkport.*`), reached through py4j."""

from __future__ import annotations

from typing import Any


def helper_class(spark: Any, name: str) -> Any:
    """A class of the Scala helper jar (sparkport.*) through py4j, or None when the jar is not
    on the JVM's class path (py4j then answers with a package of that name)."""
    from py4j.java_gateway import JavaClass

    cls = spark._jvm
    for part in name.split("."):
        cls = getattr(cls, part)
    return cls if isinstance(cls, JavaClass) else None


def not_on_class_path(name: str) -> str:
    return (
        f"{name} is not on the driver's class path (build it with `npm run setup`; "
        "the server passes driver/scala/target/sparkport-scala.jar with --jars)"
    )
