"""The `livy` package (pylivy), unchanged, against Sparkport: server version, a session it
creates and waits for, code, errors, DataFrames read back and sent in, SQL output, listing,
closing, and batches (one that succeeds, one that fails).

Usage: python pylivy_flow.py URL BATCH_DIR, BATCH_DIR being a directory the server allows batch
files from. Prints one "ok: …" line per check; exits non-zero on the first failure.
"""

import contextlib
import io
import os
import sys
import warnings

import pandas as pd

from livy import LivyBatch, LivySession, SessionKind, SessionState
from livy.client import LivyClient
from livy.models import SparkRuntimeError, StatementKind, StatementState
from livy.session import _dataframe_from_json_output

URL, BATCH_DIR = sys.argv[1], sys.argv[2]


def ok(what):
    print(f"ok: {what}", flush=True)


client = LivyClient(URL)
version = client.server_version()
assert not client.legacy_server(), version
ok(f"GET /version parses as a Livy version ({version})")

session = LivySession.create(URL, kind=SessionKind.PYSPARK, name="pylivy", spark_conf={"spark.sql.shuffle.partitions": "2"},
                             echo=False)
try:
    # pylivy waits while the state is not_started or starting, and goes on from anything else.
    with session:
        assert session.state == SessionState.IDLE, session.state
        ok(f"session {session.session_id} created and waited for until idle")

        out = session.run("print('hello from pylivy')\n6 * 7")
        assert out.text == "hello from pylivy\n42", out
        ok("run: text output")

        try:
            session.run("raise ValueError('nope')")
            raise AssertionError("no SparkRuntimeError")
        except SparkRuntimeError as e:
            assert e.ename == "ValueError" and e.evalue == "nope" and e.traceback, e
        ok("run: a failure raises SparkRuntimeError with ename, evalue, traceback")

        session.run("df = spark.range(5).selectExpr('id', 'id * id AS square', \"concat('n', id) AS name\")")
        df = session.download("df")
        assert list(df.columns) == ["id", "square", "name"] and df["square"].tolist() == [0, 1, 4, 9, 16], df
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            assert session.read("df").equals(df)
        ok("download/read: a Spark DataFrame comes back as pandas")

        local = pd.DataFrame({"state": ["ak", "hi", "ca"], "population": [733, 1455, 39538]})
        session.upload("uploaded", local)
        back = session.download("uploaded").sort_values("state").reset_index(drop=True)
        assert back["population"].tolist() == [733, 39538, 1455], back
        ok("upload: a pandas DataFrame becomes a Spark DataFrame")

        # SQL through the client (what download_sql does in a sql session), parsed by pylivy itself.
        st = client.create_statement(session.session_id, "SELECT id, id * 10 AS tens FROM range(3)", StatementKind.SQL)
        while st.state in (StatementState.WAITING, StatementState.RUNNING):
            st = client.get_statement(session.session_id, st.statement_id)
        sql_df = _dataframe_from_json_output(st.output.json)
        assert sql_df["tens"].tolist() == [0, 10, 20], sql_df
        ok("a sql statement's application/json parses into a DataFrame")

        assert any(s.session_id == session.session_id and s.kind == SessionKind.PYSPARK for s in client.list_sessions())
        assert len(client.list_statements(session.session_id)) >= 6
        ok("list_sessions and list_statements")

        echoed = io.StringIO()
        with contextlib.redirect_stdout(echoed):
            LivySession(URL, session.session_id, echo=True).run("print('echo')")
        assert echoed.getvalue() == "echo\n", echoed.getvalue()
        ok("attaching to an existing session by id")
    assert client.get_session(session.session_id) is None
    ok("closing the session: DELETE, then 404 (get_session is None)")
finally:
    if client.get_session(session.session_id) is not None:
        client.delete_session(session.session_id)

# Batches
job = os.path.join(BATCH_DIR, "pylivy_job.py")
with open(job, "w") as f:
    f.write(
        "import sys\n"
        "from pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "print('PYLIVY_BATCH_SUM=%d' % spark.range(int(sys.argv[1])).selectExpr('sum(id) AS s').first()['s'])\n"
        "spark.stop()\n")
failing = os.path.join(BATCH_DIR, "pylivy_fail.py")
with open(failing, "w") as f:
    f.write("import sys\nprint('PYLIVY_FAILING')\nsys.exit(3)\n")

lean = {"spark.ui.showConsoleProgress": "false", "spark.sql.shuffle.partitions": "1"}
batch = LivyBatch.create(URL, job, args=["100"], name="pylivy-batch", driver_memory="512m", spark_conf=lean)
bad = LivyBatch.create(URL, failing, driver_memory="512m", spark_conf=lean)
try:
    assert batch.wait() == SessionState.SUCCESS, batch.log()
    log = batch.log(from_=0, size=10000)
    assert "PYLIVY_BATCH_SUM=4950" in log, log
    info = client.get_batch(batch.batch_id)
    assert info.app_id and isinstance(info.log, list), info
    assert any(b.batch_id == batch.batch_id for b in client.list_batches())
    ok("a batch runs to success; its log, appId and the batch list")

    assert bad.wait() == SessionState.DEAD, bad.log()
    assert "PYLIVY_FAILING" in bad.log(from_=0, size=10000)
    ok("a failing batch ends dead")
finally:
    for b in (batch, bad):
        b.kill()
assert client.get_batch(batch.batch_id) is None
ok("kill: DELETE, then the batch is gone")
print("pylivy: all checks passed")
