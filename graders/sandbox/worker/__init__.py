"""The worker: the only process that ever runs student code.

Self-contained on purpose (standard library, NumPy and the sibling ``protocol``, reached by
relative imports only): in the sandbox it is all of propgrade that exists.  The launchers
stage a copy of ``graders/sandbox/`` holding just this package and ``protocol.py``
(``graders.sandbox.launcher.stage_worker_files``) and run its ``__main__.py`` as a file.

- ``zygote``: the process the launcher starts; imports NumPy once and forks one child per
  student session (its requests: ``spawn``, ``preload``, ``sweep``, ``exit``).
- ``session``: a session child: confines itself, imports the student's module, answers
  ``map`` and ``preloaded`` requests and the judge's answers to callbacks.
- ``values``: reading what student code returns without running any of it.
- ``functions``: the stand-ins of function arguments: asking the judge, or evaluating a
  function the judge describes as data (a small fixed NumPy library) right here.
- ``preload``: the messages every session is sent, decoded once by the zygote.
- ``confinement``: privileges, capabilities, resource limits, the processes student code
  started (one walk over /proc).

Nothing here is trusted by the judge: every reply is re-validated on the other side.  Once
student code has run, the child is the student's (it can rewrite these very modules in
memory); what these precautions buy is a clean session for honest code and clear messages,
not trust.
"""
