"""sparkmagic's Livy client, unchanged, against Sparkport: what `%spark add`, `%%spark`,
`%%spark -c sql`, `%%spark -o`, `%%send_to_spark`, `%spark info`, `%spark logs`, an interrupted cell
and `%spark delete` do, through the same classes the magics call (SparkController, Command,
SQLQuery, SparkStoreCommand, SendPandasDfToSparkCommand), read back the way sparkmagic reads them.

Usage: python sparkmagic_flow.py URL. Prints one "ok: …" line per check; exits non-zero on the
first failure. SPARKMAGIC_CONF_DIR should point at a scratch directory (its config and logs).
"""

import json
import sys
import time

import pandas as pd
import requests

# Watch the wire without changing the client: every request sparkmagic sends, with its answer.
wire = []
_send = requests.Session.send


def _recording_send(self, request, **kw):
    r = _send(self, request, **kw)
    wire.append((request.method, request.path_url, r.status_code, request.headers, request.body))
    return r


requests.Session.send = _recording_send

from hdijupyterutils.ipythondisplay import IpythonDisplay  # noqa: E402
from sparkmagic.livyclientlib.command import Command  # noqa: E402
from sparkmagic.livyclientlib.endpoint import Endpoint  # noqa: E402
from sparkmagic.livyclientlib.sendpandasdftosparkcommand import SendPandasDfToSparkCommand  # noqa: E402
from sparkmagic.livyclientlib.sparkcontroller import SparkController  # noqa: E402
from sparkmagic.livyclientlib.sparkstorecommand import SparkStoreCommand  # noqa: E402
from sparkmagic.livyclientlib.sqlquery import SQLQuery  # noqa: E402
import sparkmagic.utils.configuration as conf  # noqa: E402
from sparkmagic.utils.constants import MIMETYPE_IMAGE_PNG, MIMETYPE_TEXT_PLAIN  # noqa: E402

URL = sys.argv[1]
NAME = "sm"


def ok(what):
    print(f"ok: {what}", flush=True)


def sent(method, prefix):
    return [w for w in wire if w[0] == method and w[1].startswith(prefix)]


controller = SparkController(IpythonDisplay())
endpoint = Endpoint(URL, None)  # the magics' "None" authentication

# %spark add -s sm -l python -u URL
properties = conf.get_session_properties("python")
controller.add_session(NAME, endpoint, False, properties)
try:
    session = controller.get_session_by_name_or_default(NAME)
    create = sent("POST", "/sessions")[0]
    assert create[2] == 201, create
    assert json.loads(create[4]) == {"kind": "pyspark", "heartbeatTimeoutInSecond": 60}, create[4]
    assert all("X-Requested-By" not in w[3] for w in wire), "sparkmagic sends no X-Requested-By by default"
    assert session.status == "idle" and session.sql_context_variable_name == "spark"
    assert isinstance(session.id, int)
    ok(f"%spark add: session {session.id} created (201), idle, and its first statement `spark` succeeded")

    # %%spark — a Python cell; sparkmagic shows text/plain
    success, out, mime = controller.run_command(Command("print('hello')\nsum(range(5))"), NAME)
    assert (success, out, mime) == (True, "hello\n10", MIMETYPE_TEXT_PLAIN), (success, out, mime)
    ok("%%spark: a Python cell's text/plain")

    success, out, mime = controller.run_command(Command("1 / 0"), NAME)
    assert not success and out.startswith("division by zero\n") and "ZeroDivisionError" in out, out
    ok("%%spark: an error comes back as evalue + traceback")

    # %%spark -c sql — sparkmagic runs pyspark code that prints toJSON() rows, and parses each line
    df = controller.run_sqlquery(SQLQuery("SELECT id, id * 2 AS twice, concat('row', id) AS s FROM range(3)"), NAME)
    assert isinstance(df, pd.DataFrame) and list(df.columns) == ["id", "twice", "s"], df
    assert df["twice"].tolist() == [0, 2, 4] and df["s"].tolist() == ["row0", "row1", "row2"], df
    ok("%%spark -c sql: rows parsed into a pandas DataFrame")

    df = controller.run_sqlquery(SQLQuery("SELECT id FROM range(100)", samplemethod="take", maxrows=7), NAME)
    assert len(df) == 7, df
    ok("%%spark -c sql -n 7: sparkmagic's own row cap")

    # %%spark -o df — a Spark DataFrame copied into the notebook
    controller.run_command(Command("df = spark.range(4).selectExpr('id', 'id % 2 = 1 AS odd')"), NAME)
    local = controller.run_command(SparkStoreCommand("df"), NAME)
    assert local["odd"].tolist() == [False, True, False, True], local
    ok("%%spark -o df: a DataFrame brought back")

    # %%send_to_spark -i local -t df -n sent
    pdf = pd.DataFrame({"name": ["ak", "hi"], "n": [1, 2]})
    success, out, _ = controller.run_command(SendPandasDfToSparkCommand("pdf", pdf, "sent", 2500), NAME)
    assert success, out
    success, out, _ = controller.run_command(Command("sent.orderBy('n').collect()[1]['name']"), NAME)
    assert out == "'hi'", out
    ok("%%send_to_spark: a pandas DataFrame sent into the session")

    # %matplot: sparkmagic shows image/png first
    success, out, mime = controller.run_command(Command(
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\n%matplot plt"), NAME)
    assert success and mime == MIMETYPE_IMAGE_PNG, (success, mime)
    ok("%matplot: image/png")

    # %spark info / logs — list sessions, refresh each, read the log
    info = controller.get_all_sessions_endpoint_info(endpoint)
    assert any(f"Session id: {session.id}\t" in s for s in info), info
    assert isinstance(controller.get_logs(NAME), str)
    assert controller.get_app_id(NAME), "appId is known once the session is idle"
    ok("%spark info and %spark logs")

    # An interrupted cell: sparkmagic posts cancel (expects 200), then waits for idle
    client = session.http_client
    st = client.post_statement(session.id, {"code": "import time\nfor _ in range(600): time.sleep(0.1)"})
    deadline = time.time() + 60
    while client.get_statement(session.id, st["id"])["state"] != "running":
        assert time.time() < deadline, "statement never ran"
        time.sleep(0.2)
    client.cancel_statement(session.id, st["id"])
    session.wait_for_idle(60)
    final = client.get_statement(session.id, st["id"])
    assert final["state"] == "cancelled", final
    assert isinstance(final["progress"], (int, float))
    ok("interrupting a cell: cancel answers 200, the statement ends cancelled, the session idle")

    # %spark delete -s sm
    sid = session.id
    controller.delete_session_by_name(NAME)
    assert sent("DELETE", f"/sessions/{sid}")[0][2] == 200
    assert requests.get(f"{URL}/sessions/{sid}").status_code == 404
    ok("%spark delete: 200, then the session is gone (404)")
finally:
    # Whatever failed above, leave no Spark driver behind.
    if NAME in controller.get_client_keys():
        controller.delete_session_by_name(NAME)

unexpected = [w[:3] for w in wire if w[2] >= 300 and not (w[0] == "GET" and w[2] == 404)]
assert not unexpected, unexpected
print("sparkmagic: all checks passed")
