"""Kerberos clients of a Sparkport server, for the SPNEGO tests (run with .venv-clients' Python,
KRB5_CONFIG and KRB5CCNAME pointing at the test KDC's krb5.conf and a user's ticket cache).

  spnego_client.py token SERVICE@HOST   print a fresh SPNEGO token for that service (base64)
  spnego_client.py requests URL         GET URL with requests-kerberos, mutual authentication REQUIRED
  spnego_client.py sparkmagic URL       sparkmagic's Kerberos mode (`%spark add ... -t Kerberos`):
                                        list, create and delete sessions through its Livy client

Prints one JSON line with what it saw; exits non-zero on any failure (requests-kerberos raises
MutualAuthenticationError when the server's answer token is missing or wrong).
"""

import base64
import json
import sys

mode, arg = sys.argv[1], sys.argv[2]

if mode == "token":
    import gssapi

    name = gssapi.Name(arg, gssapi.NameType.hostbased_service)
    spnego = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
    ctx = gssapi.SecurityContext(name=name, mech=spnego, usage="initiate")
    print(json.dumps({"token": base64.b64encode(ctx.step()).decode()}))

elif mode == "requests":
    import requests
    from requests_kerberos import REQUIRED, HTTPKerberosAuth

    r = requests.get(arg, auth=HTTPKerberosAuth(mutual_authentication=REQUIRED), timeout=30)
    print(json.dumps({"status": r.status_code, "body": r.json(), "negotiate": r.headers.get("WWW-Authenticate", "")[:10]}))

elif mode == "sparkmagic":
    from sparkmagic.livyclientlib.endpoint import Endpoint
    from sparkmagic.livyclientlib.livyreliablehttpclient import LivyReliableHttpClient
    from sparkmagic.utils.utils import Namespace, initialize_auth

    # What `%spark add -s k -l python -u URL -t Kerberos` builds: the auth class from sparkmagic's
    # config (sparkmagic.auth.kerberos.Kerberos, requests-kerberos with mutual auth REQUIRED).
    auth = initialize_auth(Namespace(auth="Kerberos", url=arg, user=None, password=None))
    client = LivyReliableHttpClient.from_endpoint(Endpoint(arg, auth))
    listed = client.get_sessions()
    created = client.post_session({"kind": "pyspark"})
    client.delete_session(created["id"])
    print(json.dumps({"auth": type(auth).__name__, "listed": listed, "created": created}))

else:
    sys.exit(f"unknown mode {mode}")
