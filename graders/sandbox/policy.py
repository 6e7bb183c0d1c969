"""Which launcher contains student code here: the one policy decision, in one function."""

from __future__ import annotations

from graders.errors import EnvironmentProblem
from graders.sandbox.bwrap import BwrapLauncher
from graders.sandbox.launcher import Launcher
from graders.sandbox.plain import PlainLauncher


def choose_launcher(kind: str = "auto") -> Launcher:
    """``plain``: the plain launcher.  ``bwrap``: bubblewrap, or EnvironmentProblem when it
    cannot run here.  ``auto``: bubblewrap when it works here, else plain (with a warning)."""
    if kind == "plain":
        return PlainLauncher()
    launcher = BwrapLauncher.if_available()
    if launcher is not None:
        return launcher
    if kind == "bwrap":
        raise EnvironmentProblem(
            "bubblewrap was requested but cannot run on this machine (see 'propgrade doctor')"
        )
    plain = PlainLauncher()
    plain.warnings.append(
        "bubblewrap is not available: student code runs without a "
        "namespace sandbox (rlimits and a process group only)"
    )
    return plain
