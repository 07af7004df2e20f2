import os
from pathlib import Path

import pytest
import torch

import symreg

REPO = Path(__file__).resolve().parent.parent

if os.environ.get("PYTEST_XDIST_WORKER"):
    # make test's worker processes share the cores: torch's own intra-op threads (OpenMP, which
    # spins while it waits) would oversubscribe them and double the CPU time.
    torch.set_num_threads(1)


def pytest_report_header(config):
    return f"symreg {symreg.__version__} from {Path(symreg.__file__).parent}"


def pytest_collection_modifyitems(config, items):
    """Work units for ``pytest -n N --dist loadgroup`` (make test): a test module, or one
    (exporter, opset) of the op table, runs in one process: its fixtures are made once, and the op
    table's cases share exported models (tests/ops/test_ops.py)."""
    for item in items:
        case = getattr(getattr(item, "callspec", None), "params", {}).get("case")
        where = getattr(case, "exporter", None)
        group = f"ops-{where}{case.opset}" if where else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session", autouse=True)
def _installed_package():
    """The suite tests the installed wheel, not the source tree (which has no compiled parts)."""
    where = Path(symreg.__file__).resolve().parent
    if where == REPO / "symreg" and not os.environ.get("SYMREG_TEST_SOURCE_TREE"):
        pytest.exit(f"tests imported symreg from the source tree {where}; run `make test`", returncode=2)


# --- symreg.ort / libsymreg_ort.so fixtures (owner: C++ side) ---------------------------


@pytest.fixture(scope="session")
def custom_op_model():
    """Factory: a one-node model ``y = symreg::<op>(x)`` as serialized bytes.

    ``custom_op_model(op, elem_type, dims)``: ``elem_type`` an ``onnx.TensorProto`` type,
    ``dims`` ints and/or names (names make dynamic axes). IR version 10, opsets
    ("", 17) and ("symreg", 1): what ORT 1.21 accepts.
    """
    from onnx import helper

    def make(op: str, elem_type: int, dims) -> bytes:
        x = helper.make_tensor_value_info("x", elem_type, list(dims))
        y = helper.make_tensor_value_info("y", elem_type, list(dims))
        node = helper.make_node(op, ["x"], ["y"], domain="symreg")
        graph = helper.make_graph([node], f"symreg_{op}", [x], [y])
        opsets = [helper.make_opsetid("", 17), helper.make_opsetid("symreg", 1)]
        model = helper.make_model(graph, opset_imports=opsets, ir_version=10)
        return model.SerializeToString()

    return make


# --- end of symreg.ort fixtures ----------------------------------------------------------
