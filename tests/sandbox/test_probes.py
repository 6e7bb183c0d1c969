"""The doctor's probes script (graders/sandbox/probes.py), run as the doctor runs it."""

from __future__ import annotations

import json
import subprocess

from graders.sandbox import doctor


def _run(*probe: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(doctor._probe_command(*probe), capture_output=True, text=True, timeout=30)


def test_access_probe_reports_each_path(tmp_path):
    """A readable file is allowed, a missing one names its OSError, a folder is writable."""
    (tmp_path / "f").write_text("x")
    done = _run("access", f"r:{tmp_path / 'f'}", f"r:{tmp_path / 'missing'}", f"w:{tmp_path}")
    seen = json.loads(done.stdout)
    assert seen == {
        f"r:{tmp_path / 'f'}": "allowed",
        f"r:{tmp_path / 'missing'}": "FileNotFoundError",
        f"w:{tmp_path}": "allowed",
    }
    assert list(tmp_path.iterdir()) == [tmp_path / "f"]  # the write probe cleaned up


def test_rlimit_probe_lowers_a_limit_and_says_ok():
    """The file-size limit can be lowered in a child: exit 0 and 'ok'."""
    done = _run("rlimit", "RLIMIT_FSIZE")
    assert done.returncode == 0 and done.stdout.strip() == "ok"


def test_an_unknown_probe_is_refused():
    """A probe name the script does not know exits 2 and says so."""
    done = _run("nonsense")
    assert done.returncode == 2 and "unknown probe" in done.stdout
