"""``python -m formcheck``: the same as the ``formcheck`` command."""

from formcheck.cli.main import entry

raise SystemExit(entry())
