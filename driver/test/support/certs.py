"""Certificates for the TLS tests, made with the openssl command (callers skip without it)."""

import subprocess

EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def openssl(*args):
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_cert(directory, name):
    """A self-signed certificate for CN=`name` and its key: (cert path, key path)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    openssl("req", "-x509", *EC, "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}")
    return cert, key


def issue(directory, ca, name, serial):
    """A leaf for CN=server issued by `ca`, and its key; its file (`name`.pem) holds the leaf,
    then the CA (a full chain, as an operator's certFile may); the leaf alone is `name`.leaf.pem."""
    leaf, key, csr, chain = (directory / f"{name}{ext}" for ext in (".leaf.pem", ".key", ".csr", ".pem"))
    openssl("req", "-new", *EC, "-keyout", key, "-out", csr, "-subj", "/CN=server")
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-set_serial", serial,
            "-days", "2", "-out", leaf)
    chain.write_text(leaf.read_text() + ca[0].read_text())
    return chain, key
