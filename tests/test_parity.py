"""Parity: what symreg declares, what runs it and what tests it stay in step as the op pack grows.

(a) every ``symreg::`` schema has a kernel: native (libsymreg_ort.so) or Python (``@symreg.kernel``);
(b) every native kernel has a schema;
(c) every rule name (``symreg.rules()``, aliases included) has an entry in the op table, and
    every name in the op table a rule;
(d) every native kernel has an entry in the kernel table, and every kernel-table op is native.

Each check is a function returning the problems, each naming the item and the file to edit;
the tests assert there are none, and show with ``symreg.scope()`` (or a made-up kernel list)
that each check reports what it should.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import symreg
from symreg import _kernels

# The tables live with their runners; pytest puts those folders on sys.path only when it collects them.
sys.path[:0] = [str(Path(__file__).parent / "ops"), str(Path(__file__).parent / "kernels")]
from kernel_table import KERNELS
from op_table import FAMILIES, TABLE

DOMAIN = "symreg"
#: Rules that are not ops of the pack, and why the op table has no entry for them.
NOT_IN_OP_TABLE = {
    "symreg::probe": "symreg.debug's marker, rewritten to Identity before any runtime sees it (tests/test_debug.py)",
}


def declared_schemas() -> dict[str, symreg.Schema]:
    """Every declared custom-domain schema by "domain::Op"."""
    return symreg.schemas.declared()


def native_ops() -> set[str]:
    """The ops libsymreg_ort.so registers, as "domain::Op" (csrc/native_ops.def)."""
    return set(_kernels.NATIVE_OPS)


def schemas_without_kernel(
    schemas: Iterable[str] | None = None, native: Iterable[str] | None = None, python: Iterable[str] | None = None
) -> list[str]:
    """(a) ``symreg::`` schemas that neither a native nor a Python kernel runs."""
    schemas = declared_schemas() if schemas is None else schemas
    native = native_ops() if native is None else set(native)
    python = symreg.kernels() if python is None else set(python)
    return [
        f"{name} has a schema but no kernel: add SYMREG_NATIVE_OP({name.split('::')[1]}) to csrc/native_ops.def "
        "(kernel in csrc/kernels/<family>/, ORT glue in csrc/ort/) or a Python kernel (@symreg.kernel)"
        for name in sorted(schemas)
        if name.startswith(f"{DOMAIN}::") and name not in native and name not in python
    ]


def kernels_without_schema(native: Iterable[str] | None = None, schemas: Mapping | None = None) -> list[str]:
    """(b) native kernels whose op declares no schema."""
    native = native_ops() if native is None else native
    schemas = declared_schemas() if schemas is None else schemas
    return [
        f"{name} has a native kernel but no schema: declare symreg.schema({name!r}, ...) next to its rule "
        "in symreg/ops/<family>.py"
        for name in sorted(native)
        if name not in schemas
    ]


def builtin_rules() -> set[str]:
    """Names with a rule of symreg's own (``symreg.*`` modules); other tests register rules of theirs."""
    from symreg.registry import REGISTRY

    return {name for name in symreg.rules() if any(r.fn.__module__.startswith("symreg.") for r in REGISTRY.rules(name))}


def rules_without_op_table_entry(rules: Iterable[str] | None = None, table=TABLE) -> list[str]:
    """(c) built-in rule names without an op-table entry, and op-table names without a rule."""
    rules = set(builtin_rules() if rules is None else rules) - set(NOT_IN_OP_TABLE)
    tabled = {name for entry in table for name in (*entry.names, *entry.reaches)}
    return _unmatched(
        rules,
        tabled,
        "{} has a rule but no op-table entry: add an OpEntry naming it to tests/ops/table_<family>.py",
        "{} is in the op table but has no rule: register it in symreg/ops/<family>.py or drop it",
    )


def entries_outside_their_family(rule_modules: Mapping[str, str] | None = None, families=FAMILIES) -> list[str]:
    """(c') op-table entries in another family's table than the module of their rule."""
    if rule_modules is None:
        from symreg.registry import REGISTRY

        rule_modules = {name: REGISTRY.rules(name)[-1].fn.__module__ for name in builtin_rules()}
    problems = []
    for family, entries in families.items():
        for name in (name for entry in entries for name in entry.names):
            module = rule_modules.get(name, "")
            if module.startswith("symreg.ops.") and module != f"symreg.ops.{family}":
                want = module.rsplit(".", 1)[1]
                problems.append(
                    f"{name}: its rule is in symreg/ops/{want}.py but its entry in tests/ops/table_{family}.py: "
                    f"move the entry to tests/ops/table_{want}.py"
                )
    return problems


def native_kernels_without_kernel_table_entry(native: Iterable[str] | None = None, kernels=KERNELS) -> list[str]:
    """(d) native kernels without a kernel-table entry, and kernel-table ops without a native kernel."""
    native = native_ops() if native is None else set(native)
    tabled = {entry.op for entry in kernels}
    return _unmatched(
        native,
        tabled,
        "{} has a native kernel but no entry in tests/kernels/kernel_table.py: add a KernelEntry",
        "{} is in tests/kernels/kernel_table.py but has no native kernel: add it to csrc/native_ops.def or drop it",
    )


def _unmatched(have: set[str], tabled: set[str], untabled: str, unbacked: str) -> list[str]:
    """``untabled`` for each name of ``have`` not in ``tabled``, then ``unbacked`` for each the other way."""
    return [untabled.format(n) for n in sorted(have - tabled)] + [unbacked.format(n) for n in sorted(tabled - have)]


def test_every_symreg_schema_has_a_kernel():
    assert schemas_without_kernel() == []


def test_every_native_kernel_has_a_schema():
    assert kernels_without_schema() == []


def test_every_rule_has_an_op_table_entry():
    assert rules_without_op_table_entry() == []


def test_every_entry_is_in_its_rules_family():
    assert entries_outside_their_family() == []


def test_an_entry_in_another_family_is_reported():
    assert entries_outside_their_family({"aten::sinh": "symreg.ops.shape"}) == [
        "aten::sinh: its rule is in symreg/ops/shape.py but its entry in tests/ops/table_math.py: "
        "move the entry to tests/ops/table_shape.py"
    ]


def test_every_native_kernel_has_a_kernel_table_entry():
    assert native_kernels_without_kernel_table_entry() == []


def test_exemptions_are_rules():
    """An exemption outliving its rule would hide nothing but mislead."""
    assert set(NOT_IN_OP_TABLE) <= set(symreg.rules())


def test_a_schema_without_kernel_is_reported_until_a_python_kernel_runs_it():
    with symreg.scope():
        symreg.schema("symreg::ParityProbe", inputs=["X: T"], outputs=["Y: T"], types={"T": ["float"]})
        assert [p.split(" ")[0] for p in schemas_without_kernel()] == ["symreg::ParityProbe"]
        symreg.kernel("symreg::ParityProbe")(lambda x: x)
        assert schemas_without_kernel() == []
    assert schemas_without_kernel() == []


def test_a_native_kernel_without_schema_is_reported():
    """A native kernel cannot be added from Python: the check is handed one that no schema declares."""
    problems = kernels_without_schema(native={*native_ops(), "symreg::Ghost"})
    assert problems == [
        (
            "symreg::Ghost has a native kernel but no schema: declare symreg.schema('symreg::Ghost', ...) next to "
            "its rule in symreg/ops/<family>.py"
        )
    ]


def test_a_rule_without_op_table_entry_is_reported():
    def rule(g, x):
        return g.op("Identity", x)

    rule.__module__ = "symreg.ops.newfamily"  # as if the op pack had it
    with symreg.scope():
        symreg.op("mylib::parity_probe", opset=9)(rule)
        assert rules_without_op_table_entry() == [
            "mylib::parity_probe has a rule but no op-table entry: add an OpEntry naming it to tests/ops/table_<family>.py"
        ]
    assert rules_without_op_table_entry() == []


def test_an_op_table_entry_without_rule_is_reported():
    rules = builtin_rules() - {"aten::sinh"}
    assert rules_without_op_table_entry(rules) == [
        "aten::sinh is in the op table but has no rule: register it in symreg/ops/<family>.py or drop it"
    ]


def test_kernel_table_mismatches_are_reported():
    native = native_ops()
    assert native_kernels_without_kernel_table_entry({*native, "symreg::Ghost"}) == [
        "symreg::Ghost has a native kernel but no entry in tests/kernels/kernel_table.py: add a KernelEntry"
    ]
    dropped = min(native)
    assert native_kernels_without_kernel_table_entry(native - {dropped}) == [
        (
            f"{dropped} is in tests/kernels/kernel_table.py but has no native kernel: add it to "
            "csrc/native_ops.def or drop it"
        )
    ]
