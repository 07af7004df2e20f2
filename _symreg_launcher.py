"""The ``symreg`` console script: runs :func:`symreg.cli.main`, importing torch only for commands that need it.

``import symreg`` imports torch (seconds) to register the built-in op pack with torch's
exporters, and library users rely on that: ``import symreg`` then a plain
``torch.onnx.export(..., dynamo=False)``. Most commands only read ONNX files. So this
launcher, the entry point that pyproject.toml's ``[project.scripts]`` names, imports the
package in two steps, in this process only:

1. :func:`main` creates the ``symreg`` package module without running
   ``symreg/__init__.py``. Its submodules import as usual (``symreg.cli``,
   ``symreg.tools``); nothing else changes.
2. :func:`finish_import` runs ``symreg/__init__.py`` in that module, just as
   ``import symreg`` would have. ``symreg.cli`` calls it (through
   ``symreg.tools._package``) before ``symreg ops`` and ``--import MODULE``, so user code
   sees the whole package, and the tools call it when a model has custom-domain ops
   (their schemas and kernels come with the op pack). Any use of a name that
   ``__init__`` defines (``symreg.op``, ``symreg.__version__``) calls it first (a module
   ``__getattr__``, PEP 562), so code that uses the package's API finds it complete;
   submodules import as in any package.

Nothing is decided from ``sys.argv`` or the environment, and nothing reaches child
processes: ``import symreg`` anywhere else runs ``__init__`` at once, and so does
``python -m symreg`` (Python imports a package before running its ``__main__``).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
import types

_PACKAGE = "symreg"
_pending: types.ModuleType | None = None  # the package module whose __init__ has not run yet


def main() -> int:
    """The ``symreg`` command; returns its exit status."""
    _defer_package_init()
    from symreg.cli import main as run

    return run()


def finish_import() -> None:
    """Runs ``symreg/__init__.py`` if :func:`main` deferred it; does nothing otherwise."""
    global _pending
    module, _pending = _pending, None
    if module is None:
        return
    del module.__getattr__
    module.__spec__.loader.exec_module(module)


def _defer_package_init() -> None:
    global _pending
    if _PACKAGE in sys.modules:  # already imported (whoever called main): nothing to defer
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return  # not an installed package: the import in main() reports it
    module = importlib.util.module_from_spec(spec)

    def __getattr__(name: str):  # noqa: N807 - PEP 562
        if importlib.machinery.PathFinder.find_spec(f"{_PACKAGE}.{name}", module.__path__) is not None:
            # A submodule: `from symreg import x` goes on to import it.
            raise AttributeError(f"module {_PACKAGE!r} has no attribute {name!r}")
        finish_import()
        return getattr(module, name)

    module.__getattr__ = __getattr__
    sys.modules[_PACKAGE] = module
    _pending = module
