"""``propgrade``: a thin command line over the Python API.

Option defaults are read from the API functions' own keyword defaults, so the two cannot
drift, and every ``--help`` shows them.  A user's mistake is one line, ``error: <message>``
(plus a "Try 'propgrade CMD --help'" hint for usage errors), never a traceback; anything else
that escapes is a bug and is reported as one.  Exit codes (2-4 are the ``exit_code`` of the
``UserError`` classes in graders/errors.py):

* 0 success (``grade``: the batch was graded, whatever the scores; ``check``: all passed)
* 1 a check failed (``check``), or ``validate`` found a miss
* 2 ``UsageError``: an unknown assignment, a bad option value, a ``--db`` that is not a URL
* 3 ``InputError``: a path that cannot be used as asked (SUBMISSIONS missing, ``--out`` a file)
* 4 ``EnvironmentProblem``: something missing here (a database driver or server, bubblewrap
  when asked for, a staff command in the student checker)
* 70 internal error: a bug in propgrade; its traceback follows, please report it
* 130 interrupted (Ctrl-C)

In a student release (the ``checker/`` of ``propgrade generate``: no hidden graders, no
reference) only ``check`` and ``doctor`` are offered; a staff command says it is for staff.

Every command takes ``--course DIR``, the course whose assignments it uses (default: the
course the current folder is in, else the bundled course; graders/course/).  It is read
before the parser is built, because the assignment ids the parser accepts are the course's.

The parser and that early read are ``graders.cli.parser``'s, the commands' bodies
``graders.cli.commands``'; here is :func:`main`, which runs one and turns what escapes into
its line and exit code.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from graders import course as courses
from graders import registry, report
from graders.cli.commands import COMMANDS, STAFF_COMMANDS, STUDENT_COMMANDS
from graders.cli.parser import build_parser, course_option, open_named_course
from graders.errors import EnvironmentProblem, UsageError, UserError

__all__ = ["COMMANDS", "STAFF_COMMANDS", "STUDENT_COMMANDS", "build_parser", "entry", "main"]

EXIT_INTERNAL, EXIT_INTERRUPTED = 70, 130  # BSD sysexits' EX_SOFTWARE; the shell's 128 + SIGINT


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a ``UserError`` is one line and its exit code, anything else a bug."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = next((a for a in args if not a.startswith("-")), "")
    prog = f"propgrade {name}" if name in COMMANDS else "propgrade"
    try:
        staff = registry.hidden_available()
        if name in STAFF_COMMANDS and not staff:
            raise EnvironmentProblem(
                f"'propgrade {name}' is for course staff; this student checker offers "
                f"{' and '.join(f'propgrade {c}' for c in STUDENT_COMMANDS)}"
            )
        folder = course_option(args)
        with courses.using(open_named_course(folder) if folder is not None else courses.default()):
            ns = build_parser(staff).parse_args(args)
            return COMMANDS[ns.command](ns)
    except UserError as exc:
        hint = exc.hint or (f"Try '{prog} --help' for help." if isinstance(exc, UsageError) else "")
        report.fail(exc.message, hint)
        return exc.exit_code
    except KeyboardInterrupt:
        report.fail("interrupted")
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - not the user's mistake: say it is ours, show everything
        report.internal_error(traceback.format_exc())
        return EXIT_INTERNAL


def entry() -> None:
    sys.exit(main())
