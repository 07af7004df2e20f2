"""``python -m symreg``: the ``symreg`` command."""

from symreg.cli import main

raise SystemExit(main())
