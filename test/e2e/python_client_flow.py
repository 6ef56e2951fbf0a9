"""The Python client (clients/python, import name `sparkport`) against the real server: run by
14-python-client.test.ts with the shared session's name, a directory for batch files, and the URL.
Prints one "ok: …" line per check."""

import os
import sys
import time

from sparkport import Client, NetworkError, SparkportError, Statement, StatementError

URL, SHARED, BATCH_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
c = Client(URL)


def ok(what):
    print(f"ok: {what}", flush=True)


assert c.version()["version"].count(".") == 2
s = c.attach(SHARED)
assert s.run("1 + 1").text == "2"
ok("attach to the shared session, run with ?wait")

st = s.run("sum(range(10 ** 6))", timeout=60)
assert st.finished and st.ok and st.text == "499999500000"
ok("run: long poll until finished")

parts = list(s.stream("for i in range(3): print('n', i)"))
assert "".join(text for stream, text in parts[:-1]) == "n 0\nn 1\nn 2\n", parts
assert isinstance(parts[-1], Statement) and parts[-1].text == "n 0\nn 1\nn 2"
ok("stream: printed lines, then the statement")

sub = s.submit("import time\nprint('first', flush=True)\ntime.sleep(1.5)\nprint('second')")
seen = {}
for ev in c.statement_events(s.id, sub.id):
    seen.setdefault(ev.event if ev.event != "output" else ev.data["text"].strip(), time.monotonic())
assert seen["done"] - seen["first"] > 1.0, seen
ok("statement events: a line arrives as it is printed, not at the end")

sub = s.submit("import time\nfor _ in range(600): time.sleep(0.1)")
while c.get_statement(s.id, sub.id).state == "waiting":
    time.sleep(0.1)
s.cancel(sub.id)
assert c.wait_for_statement(s.id, sub.id, timeout=60).state == "cancelled"
ok("cancel")

assert "range(" in s.complete("spark.ra")
assert isinstance(s.log(), list)
ok("completion and log")

try:
    s.run("1 / 0")
    raise AssertionError("no StatementError")
except StatementError as e:
    assert e.ename == "ZeroDivisionError" and e.statement.id >= 0
try:
    c.get_session("no-such-session")
    raise AssertionError("no SparkportError")
except SparkportError as e:
    assert (e.status, e.code) == (404, "SESSION_NOT_FOUND"), e
try:
    Client("http://127.0.0.1:1").version()
    raise AssertionError("no NetworkError")
except NetworkError:
    pass
ok("typed errors: StatementError, SparkportError, NetworkError")

m = s.shared("py_client_map")
m.set("ak", {"name": "Alaska"})
assert m.get("ak") == {"name": "Alaska"} and m.get("zz", 0) == 0
assert any(i["name"] == "py_client_map" for i in c.shared_items(s.id))
m.delete()
ok("shared data")

job = os.path.join(BATCH_DIR, "py_client_job.py")
with open(job, "w") as f:
    f.write("import sys\nprint('PYCLIENT_BATCH', sys.argv[1])\n")
b = c.create_batch(job, args=["x1"], driverMemory="512m", conf={"spark.ui.enabled": "false"})
lines = list(c.follow_batch_log(b["id"]))
assert "PYCLIENT_BATCH x1" in lines, lines
assert c.wait_for_batch(b["id"], timeout=120)["state"] == "success"
assert any(x["id"] == b["id"] for x in c.batches())
c.delete_batch(b["id"])
ok("batches: create, follow the log, wait, list, delete")

with c.session(kind="pyspark", name="py-client-cm", driverMemory="512m") as cm:
    assert cm.refresh()["state"] in ("idle", "busy")
    assert cm.run("spark.range(7).count()").text == "7"
    cm_id = cm.id
try:
    c.get_session(cm_id)
    raise AssertionError("session still there")
except SparkportError as e:
    assert e.status == 404
ok("with client.session(...): created, waited for, used, deleted")
print("python client: all checks passed")
