"""``python -m symreg``: the ``symreg`` command.

Python imports the package, and so torch, before it runs this file; the ``symreg``
console script (``_symreg_launcher``) starts faster, importing torch only for commands
that need it.
"""

from symreg.cli import main

raise SystemExit(main())
