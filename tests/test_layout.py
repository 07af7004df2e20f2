"""The layout rules that keep 300 ops maintainable, checked on the source tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "symreg"
MODULES = sorted(SOURCE.rglob("*.py"))
# Private torch APIs: only symreg/_torch_compat.py may read them (it checks the torch version).
PRIVATE_TORCH = re.compile(r"torch\._C\b|torch\.onnx\._internal|\._schema\b|torch\._ops\b|torch\._dynamo\b")


def _relative(path: Path) -> str:
    return str(path.relative_to(SOURCE.parent))


def test_the_source_tree_is_there():
    assert len(MODULES) > 20, f"expected symreg's sources under {SOURCE}"


@pytest.mark.parametrize("path", MODULES, ids=_relative)
def test_private_torch_apis_only_in_the_compat_module(path):
    if path.name == "_torch_compat.py":
        return
    hits = [f"{_relative(path)}:{i}: {line.strip()}" for i, line in enumerate(path.read_text().splitlines(), 1)
            if PRIVATE_TORCH.search(line)]  # fmt: skip
    assert not hits, "use symreg/_torch_compat.py for private torch APIs:\n" + "\n".join(hits)


def _imports_of_package_root(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "symreg" and node.level == 0:
            found += [
                a.name for a in node.names if not (SOURCE / f"{a.name}.py").exists() and not (SOURCE / a.name).is_dir()
            ]
        if isinstance(node, ast.Import) and any(a.name == "symreg" for a in node.names):
            found.append("import symreg")
    return found


@pytest.mark.parametrize("path", sorted((SOURCE / "ops").rglob("*.py")), ids=_relative)
def test_op_pack_does_not_import_the_package_root(path):
    names = _imports_of_package_root(ast.parse(path.read_text()))
    assert not names, f"{_relative(path)} imports {names} from the package root; import from the defining module"


@pytest.mark.parametrize("path", sorted((SOURCE / "ops").rglob("*.py")), ids=_relative)
def test_no_magic_cast_numbers_in_rules(path):
    hits = re.findall(r"to=\d+", path.read_text())
    assert not hits, f"{_relative(path)}: {hits}; use symreg.ops._helpers.cast(g, x, torch.float32) or symreg.dtypes"


def test_package_root_only_re_exports():
    tree = ast.parse((SOURCE / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # docstring
            continue
        if isinstance(node, ast.Assign) and {t.id for t in node.targets} <= {"__version__", "__all__"}:
            continue
        pytest.fail(
            f"symreg/__init__.py line {node.lineno}: {ast.dump(node)[:80]}; define it in a module and re-export"
        )
