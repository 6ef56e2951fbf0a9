"""The token the server hands a driver (a file; in cluster mode a variable), and the driver's own check on shared-data paths."""

import os

import pytest

from sparkport_driver.launch_token import TokenError, take_token
from sparkport_driver.shared_files import check_unchanged
from sparkport_driver.shared_maps import IO_ERROR, SharedError


def _token_file(tmp_path, text="ab" * 32):
    path = tmp_path / "driver.token"
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


def test_the_token_is_read_from_its_file_which_is_then_gone(tmp_path):
    env = {"SPARKPORT_TOKEN_FILE": _token_file(tmp_path)}
    assert take_token(env) == "ab" * 32
    assert not os.path.exists(tmp_path / "driver.token")
    assert "SPARKPORT_TOKEN_FILE" not in env


def test_no_file_an_empty_file_or_a_link_is_no_token(tmp_path):
    with pytest.raises(TokenError, match="not set"):
        take_token({})
    with pytest.raises(TokenError, match="cannot read"):
        take_token({"SPARKPORT_TOKEN_FILE": str(tmp_path / "missing")})
    with pytest.raises(TokenError, match="empty"):
        take_token({"SPARKPORT_TOKEN_FILE": _token_file(tmp_path, "")})
    target = tmp_path / "elsewhere"
    target.write_text("cd" * 32)
    link = tmp_path / "link.token"
    link.symlink_to(target)
    with pytest.raises(TokenError, match="cannot read"):
        take_token({"SPARKPORT_TOKEN_FILE": str(link)})
    assert not link.exists() and target.exists(), "the link goes, what it pointed to stays"


def test_in_cluster_mode_the_token_comes_from_the_environment_and_leaves_it(tmp_path):
    env = {"SPARKPORT_TOKEN": " " + "ef" * 32 + "\n"}
    assert take_token(env) == "ef" * 32
    assert env == {}
    with pytest.raises(TokenError, match="SPARKPORT_TOKEN is empty"):
        take_token({"SPARKPORT_TOKEN": "  "})


def test_the_token_file_is_preferred_and_the_variable_goes_anyway(tmp_path):
    env = {"SPARKPORT_TOKEN_FILE": _token_file(tmp_path), "SPARKPORT_TOKEN": "ef" * 32}
    assert take_token(env) == "ab" * 32
    assert env == {}


def test_the_token_is_taken_out_of_the_real_environment(monkeypatch):
    """os.environ.pop also unsets it for child processes (the JVM, a statement's subprocess)."""
    import subprocess
    import sys

    monkeypatch.delenv("SPARKPORT_TOKEN_FILE", raising=False)
    monkeypatch.setenv("SPARKPORT_TOKEN", "ef" * 32)
    assert take_token() == "ef" * 32
    assert "SPARKPORT_TOKEN" not in os.environ
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.environ.get('SPARKPORT_TOKEN'))"],
        capture_output=True, text=True, check=True,
    )
    assert child.stdout.strip() == "None"


def test_a_path_that_now_goes_through_a_link_is_refused(tmp_path):
    allowed = tmp_path / "allowed"
    (allowed / "sub").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    check_unchanged(str(allowed / "sub" / "new"))
    check_unchanged(f"file:{allowed}/sub/new")
    check_unchanged("hdfs://nn/whatever/../x")
    (allowed / "planted").symlink_to(outside)
    (allowed / "dangling").symlink_to(outside / "nothing")
    for p in [allowed / "planted" / "x", allowed / "planted", allowed / "dangling"]:
        with pytest.raises(SharedError) as e:
            check_unchanged(str(p))
        assert e.value.code == IO_ERROR and "symbolic link" in str(e.value)
