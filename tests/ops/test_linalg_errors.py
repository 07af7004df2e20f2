"""Singular and not-positive-definite inputs of the linalg rules: as torch raises, ORT fails with an error naming
the kernel, the torch function and the batch element (the *_ex variants return info instead: the op table).
NaN/inf input: svd refuses it as torch does; eigh gives NaN, as torch (whose LAPACK raises nothing). ldl_solve's
pivots that ldl_factor cannot have written: an error naming the kernel, the pivot and the batch element."""

from __future__ import annotations

import pytest
import torch
from ortcheck import export, run

SINGULAR = torch.tensor([[[2.0, 1.0], [1.0, 3.0]], [[1.0, 2.0], [2.0, 4.0]]], dtype=torch.float64)
NOT_PD = torch.tensor([[[2.0, 0.0], [0.0, 1.0]], [[1.0, 2.0], [2.0, 1.0]]], dtype=torch.float64)
NAN = torch.tensor([[1.0, float("nan")], [float("nan"), 1.0]], dtype=torch.float64)

CASES = {
    "inv": (torch.linalg.inv, SINGULAR, r"symreg::LinalgLuFactor: torch\.linalg\.inv: the input matrix is singular: "
            r"U\[2, 2\] \(1-based\) is exactly zero \(batch element 1\)"),
    "solve": (lambda a: torch.linalg.solve(a, a[..., :1]), SINGULAR, r"torch\.linalg\.solve: .*singular"),
    "lu_factor": (lambda a: torch.linalg.lu_factor(a)[0], SINGULAR, r"torch\.linalg\.lu_factor: .*singular"),
    "matrix_power": (lambda a: torch.linalg.matrix_power(a, -2), SINGULAR, r"matrix_power: .*singular"),
    "cholesky": (torch.linalg.cholesky, NOT_PD, r"symreg::LinalgCholesky: torch\.linalg\.cholesky: .*minor of order 2 "
                 r"is not positive-definite\) \(batch element 1\)"),
    "ldl_factor": (lambda a: torch.linalg.ldl_factor(a)[0], SINGULAR, r"symreg::LinalgLdlFactor: "
                   r"torch\.linalg\.ldl_factor: .*singular \(D\[1, 1\] is exactly zero\) \(batch element 1\)"),
    "svdvals": (torch.linalg.svdvals, NAN, r"symreg::LinalgSvd: .*failed to converge"),
    "pinv": (torch.linalg.pinv, NAN, r"symreg::LinalgSvd: torch\.linalg\.pinv: .*failed to converge"),
    "tensorinv": (lambda a: torch.linalg.tensorinv(a[1].reshape(2, 1, 2), ind=1), SINGULAR,
                  r"symreg::LinalgLuFactor: torch\.linalg\.tensorinv: the input matrix is singular"),
    "tensorsolve": (lambda a: torch.linalg.tensorsolve(a[1], a[1, :, 0]), SINGULAR,
                    r"torch\.linalg\.tensorsolve: .*singular"),
}  # fmt: skip


class Call(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, a):
        return self.fn(a)


@pytest.mark.parametrize(("exporter", "opset"), [("torchscript", 17), ("dynamo", 18)])
@pytest.mark.parametrize("name", list(CASES))
def test_error_names_the_op(name, exporter, opset):
    fn, bad, message = CASES[name]
    with pytest.raises(Exception):  # noqa: B017 - torch's own error, whatever its class
        fn(bad)
    well = torch.eye(bad.shape[-1], dtype=bad.dtype).expand(bad.shape).clone() * 2
    proto = export(Call(fn), (well,), exporter, opset)
    run(proto, [well])
    with pytest.raises(Exception, match=message):
        run(proto, [bad])


@pytest.mark.parametrize(("exporter", "opset"), [("torchscript", 17), ("dynamo", 18)])
@pytest.mark.parametrize("fn", [torch.linalg.eig, torch.linalg.eigvals], ids=["eig", "eigvals"])
def test_eig_is_refused_naming_eigh(fn, exporter, opset):
    with pytest.raises(Exception, match=r"linalg_eig\w*.*complex tensors.*torch\.linalg\.eigh / eigvalsh"):
        export(Call(fn), (torch.randn(3, 3),), exporter, opset)


class _LdlSolve(torch.nn.Module):
    def forward(self, ld, pivots, b):
        return torch.linalg.ldl_solve(ld, pivots, b)


#: Pivots ldl_factor cannot have written (n = 3): out of range, where torch raises too, and 2 x 2 blocks left
#: unpaired, on which torch 2.14's LAPACK reads out of bounds (a crash: torch is not called on them).
BAD_PIVOTS = {
    "zero": ([1, 0, 3], r"pivots\[1\] = 0 is out of range: \|pivot\| must be in \[1, 3\]", True),
    "too-large": ([1, 2, 4], r"pivots\[2\] = 4 is out of range: \|pivot\| must be in \[1, 3\]", True),
    "too-negative": ([-4, -4, 3], r"pivots\[0\] = -4 is out of range: \|pivot\| must be in \[1, 3\]", True),
    "int32-min": ([1, 2, -(2**31)], r"pivots\[2\] = -2147483648 is out of range: \|pivot\| must be in \[1, 3\]", True),
    "last-row": ([1, 2, -3], r"pivots\[2\] = -3 opens a 2 x 2 block in the last row", False),
    "unpaired": ([-2, 2, 3], r"pivots\[0\] = -2 opens a 2 x 2 block but pivots\[1\] = 2 differs", False),
}


@pytest.mark.parametrize(("exporter", "opset"), [("torchscript", 17), ("dynamo", 18)])
@pytest.mark.parametrize("name", list(BAD_PIVOTS))
def test_ldl_solve_refuses_pivots_ldl_factor_cannot_write(name, exporter, opset):
    pivots, message, torch_raises = BAD_PIVOTS[name]
    a = torch.tensor([[[0.0, 2.0, 1.0], [2.0, 0.0, 1.0], [1.0, 1.0, 3.0]]] * 2, dtype=torch.float64)
    ld, good = torch.linalg.ldl_factor(a)
    b = torch.ones(2, 3, 2, dtype=torch.float64)
    bad = good.clone()
    bad[1] = torch.tensor(pivots, dtype=torch.int32)
    if torch_raises:
        with pytest.raises(RuntimeError, match="Pivots given to ldl_solve must all satisfy"):
            torch.linalg.ldl_solve(ld, bad, b)
    proto = export(_LdlSolve(), (ld, good, b), exporter, opset)
    run(proto, [ld, good, b])
    with pytest.raises(Exception, match=r"symreg::LinalgLdlSolve: input pivots is not LinalgLdlFactor's: " + message
                       + r" \(batch element 1\)"):  # fmt: skip
        run(proto, [ld, bad, b])
