"""pylivy and sparkmagic, unchanged, against a Sparkport with HTTP Basic on: each the way its
users turn Basic on (pylivy's `auth=(user, password)`, sparkmagic's "Basic_Access" authenticator
from `%spark add ... -t Basic_Access -a USER -p PASSWORD`), a session each, run, delete; and a
wrong password refused with 401. Then Sparkport's own Python client with the same credentials.

Usage: python basic_auth_flow.py URL USER PASSWORD. Prints one "ok: …" line per check; exits
non-zero on the first failure. SPARKMAGIC_CONF_DIR should point at a scratch directory.
"""

import os
import sys

import requests

URL, USER, PASSWORD = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients", "python"))


def ok(what):
    print(f"ok: {what}", flush=True)


def owner(session_id):
    return requests.get(f"{URL}/sessions/{session_id}", auth=(USER, PASSWORD)).json()["owner"]


# ---- pylivy ----------------------------------------------------------------------------------
from livy import LivySession, SessionKind  # noqa: E402
from livy.client import LivyClient  # noqa: E402

for auth in [None, (USER, "not-" + PASSWORD), ("nobody", PASSWORD)]:
    try:
        LivyClient(URL, auth=auth).list_sessions()
        raise AssertionError(f"listed sessions with auth {auth and auth[0]}")
    except requests.HTTPError as e:
        r = e.response
        assert r.status_code == 401, r.status_code
        assert r.headers["WWW-Authenticate"].startswith('Basic realm="sparkport"'), r.headers
        assert r.json()["code"] == "UNAUTHORIZED", r.text
ok("pylivy: no credentials, a wrong password or an unknown user is a 401 with a Basic challenge")

client = LivyClient(URL, auth=(USER, PASSWORD))
assert not client.legacy_server()
with LivySession.create(URL, auth=(USER, PASSWORD), kind=SessionKind.PYSPARK, echo=False) as session:
    assert session.run("6 * 7").text == "42"
    assert owner(session.session_id) == USER
    assert any(s.session_id == session.session_id for s in client.list_sessions())
    ok(f"pylivy with auth=(user, password): session {session.session_id} owned by {USER}, ran 6 * 7")
ok("pylivy: session closed")

# ---- sparkmagic ------------------------------------------------------------------------------
from hdijupyterutils.ipythondisplay import IpythonDisplay  # noqa: E402
from sparkmagic.livyclientlib.command import Command  # noqa: E402
from sparkmagic.livyclientlib.endpoint import Endpoint  # noqa: E402
from sparkmagic.livyclientlib.exceptions import HttpClientException  # noqa: E402
from sparkmagic.livyclientlib.sparkcontroller import SparkController  # noqa: E402
from sparkmagic.utils.utils import Namespace, initialize_auth  # noqa: E402
import sparkmagic.utils.configuration as conf  # noqa: E402


def magic_auth(password):
    # What `%spark add -s NAME -l python -u URL -t Basic_Access -a USER -p PASSWORD` builds.
    return initialize_auth(Namespace(auth="Basic_Access", user=USER, password=password, url=URL))


controller = SparkController(IpythonDisplay())
properties = conf.get_session_properties("python")
try:
    controller.add_session("wrong", Endpoint(URL, magic_auth("not-" + PASSWORD)), False, properties)
    raise AssertionError("sparkmagic added a session with a wrong password")
except HttpClientException as e:
    assert "401" in str(e), e
ok("sparkmagic Basic_Access with a wrong password: 401, no session")

controller.add_session("sm-basic", Endpoint(URL, magic_auth(PASSWORD)), False, properties)
try:
    session = controller.get_session_by_name_or_default("sm-basic")
    assert session.status == "idle", session.status
    success, out, _mime = controller.run_command(Command("print('hi')\nsum(range(5))"), "sm-basic")
    assert (success, out) == (True, "hi\n10"), (success, out)
    assert owner(session.id) == USER
    ok(f"sparkmagic Basic_Access: session {session.id} owned by {USER}, a cell ran")
finally:
    controller.delete_session_by_name("sm-basic")
ok("sparkmagic: session deleted")

# ---- Sparkport's Python client -----------------------------------------------------------------
from sparkport import Client, SparkportError  # noqa: E402

assert isinstance(Client(URL, auth=(USER, PASSWORD)).sessions(), list)
try:
    Client(URL, auth=(USER, "nope")).sessions()
    raise AssertionError("no error")
except SparkportError as e:
    assert (e.status, e.code) == (401, "UNAUTHORIZED"), e
ok("sparkport's Python client: auth=(user, password), and a wrong one is SparkportError 401")

print("basic auth: all checks passed", flush=True)
