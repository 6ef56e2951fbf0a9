"""Statement progress polled through the helper jar: one py4j call a poll, however many jobs."""

from __future__ import annotations

import pytest

from sparkport_driver.progress import ProgressReporter

pytestmark = pytest.mark.spark

GROUP = "sparkport-progress-test"


def test_a_poll_is_one_py4j_call_whatever_the_number_of_jobs(spark):
    sc = spark.sparkContext
    sc.setJobGroup(GROUP, "many small jobs")
    try:
        for _ in range(40):
            sc.parallelize([1, 2, 3], 3).count()
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
    sc._jsc.sc().listenerBus().waitUntilEmpty()  # the tracker hears of tasks through the listener bus
    reporter = ProgressReporter(sc, lambda msg: None)
    try:
        assert reporter._poll(GROUP) == reporter._poll_here(GROUP) == 1.0
        client = sc._gateway._gateway_client
        calls = []
        original = client.send_command
        client.send_command = lambda *a, **k: calls.append(a) or original(*a, **k)
        try:
            assert reporter._poll(GROUP) == 1.0
            assert reporter._poll("sparkport-no-such-group") is None
        finally:
            del client.send_command
        assert len(calls) == 2, calls
    finally:
        reporter.close()
