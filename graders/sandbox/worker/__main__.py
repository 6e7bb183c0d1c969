"""Start the worker zygote: ``python -I -B STAGED/sandbox/worker/__main__.py --control-fd N``.

Run as a file (``-I`` puts no folder on ``sys.path``), so the staged copy's root is put there
just long enough to import this package under the staged folder's name; the modules inside
reach one another by relative imports only.  ``python -m graders.sandbox.worker`` works too.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable


def _zygote_main() -> Callable[[], None]:
    if __package__:
        from .zygote import main

        return main
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, os.path.dirname(package))
    try:
        zygote = importlib.import_module(f"{os.path.basename(package)}.worker.zygote")
    finally:
        sys.path.pop(0)
    return zygote.main


if __name__ == "__main__":
    _zygote_main()()
