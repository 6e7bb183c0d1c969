"""``python -m graders.cli``: the same as the ``propgrade`` command."""

from graders.cli import entry

entry()
