"""The trust boundary: everything between the judge and the student's code.

- ``protocol``: the wire (plain data only, never pickle; the one length-prefixed framing).
- ``worker/``: the process that runs student code (zygote, session child, value hygiene,
  preloads, confinement); it imports only ``protocol`` and is all of propgrade a sandbox holds.
- ``client``: the judge's end (``Worker`` starts a zygote, ``Session`` calls one student's
  functions); ``reply``: what a call ends in (``Reply``, the session errors);
  ``callbacks``: judge functions passed as arguments; ``local``: the same ``map`` contract
  in-process, for trusted code only.
- ``limits``, ``launcher``: the limits student code runs under, and what every launcher
  shares (the staged worker, its command line and environment).
- ``plain``, ``bwrap``: the two launchers (neither imports the other); ``policy``: the one
  function that picks between them.  ``doctor``: what this machine provides.

This file is staged into the sandbox with the worker: it imports nothing.
"""
