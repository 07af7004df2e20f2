"""Op-table entries of symreg/ops/products.py, in name order."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from op_entry import OpEntry, Sample

#: Sums of products: float32 within 1e-5 (absolute and relative), float64 within 1e-12; integer
#: inputs give float32 results in cov and corrcoef.
PRODUCT: dict = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12), torch.int64: (1e-5, 1e-5)}
WITH_INT = (torch.float32, torch.float64, torch.int64)
#: addbmm sums 8 batches of OpInfo's 8-term products of values in [-9, 9] (sums ~1e3): float32 within 1e-3 absolute.
BATCH_SUMS: dict = {**PRODUCT, torch.float32: (1e-5, 1e-3)}
#: cov of float64 data with float32 aweights: torch sums those weights in float32, in its own order.
COV: dict = {**PRODUCT, torch.float64: (1e-6, 1e-7)}


def _addmm_like(dtype: torch.dtype, shapes) -> list[Sample]:
    """NaN in x with beta = 0 (torch ignores x), integer factors for int64."""
    x, a, b = (torch.randn(s).to(dtype) if dtype.is_floating_point else torch.randint(-5, 5, s) for s in shapes)
    if dtype.is_floating_point:
        nan = torch.full(shapes[0], float("nan"), dtype=dtype)
        return [Sample((nan, a, b), {"beta": 0.0, "alpha": 2.0}), Sample((x, a, b), {"beta": 0.5, "alpha": -1.5})]
    return [Sample((x, a, b), {"beta": 2, "alpha": 3}), Sample((x, a, b), {"beta": 0, "alpha": 1})]


def _addbmm(dtype: torch.dtype) -> list[Sample]:
    return _addmm_like(dtype, [(3, 4), (2, 3, 5), (2, 5, 4)])


def _addmv(dtype: torch.dtype) -> list[Sample]:
    return _addmm_like(dtype, [(3,), (3, 5), (5,)])


def _addr(dtype: torch.dtype) -> list[Sample]:
    return _addmm_like(dtype, [(3, 4), (3,), (4,)])


def _randn(*shape, dtype):
    return torch.randn(*shape).to(dtype) if dtype.is_floating_point else torch.randint(-5, 5, shape)


def _einsum(dtype: torch.dtype) -> list[Sample]:
    """Implicit output, batch matmul, an ellipsis and a three-operand contraction."""
    a, b, c = _randn(2, 3, 4, dtype=dtype), _randn(2, 4, 5, dtype=dtype), _randn(5, 3, dtype=dtype)
    return [
        Sample(([a, b], "bij,bjk->bik")),
        Sample(([a, b], "bij,bjk")),
        Sample(([a, b[0]], "...ij,jk->...ik")),
        Sample(([a, b, c], "bij,bjk,ki->b")),
    ]


def _inner(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((_randn(2, 3, 4, dtype=dtype), _randn(5, 4, dtype=dtype))),
        Sample((_randn(3, 4, dtype=dtype), _randn(4, dtype=dtype))),
    ]


def _kron(dtype: torch.dtype) -> list[Sample]:
    return [
        Sample((_randn(2, 3, dtype=dtype), _randn(4, dtype=dtype))),
        Sample((_randn(2, 1, 3, dtype=dtype), _randn(3, 2, dtype=dtype))),
    ]


def _tensordot(dtype: torch.dtype) -> list[Sample]:
    a, b = _randn(2, 3, 4, dtype=dtype), _randn(4, 3, 5, dtype=dtype)
    return [
        Sample((a, b), {"dims": ([1, 2], [1, 0])}),
        Sample((a, b), {"dims": 0}),
        Sample((a, b), {"dims": ([-1], [0])}),
    ]


def _cov(dtype: torch.dtype) -> list[Sample]:
    x = _randn(3, 6, dtype=dtype)
    fw, aw = torch.randint(1, 4, (6,)), torch.rand(6, dtype=torch.float64 if dtype == torch.float64 else torch.float32)
    return [
        Sample((x,), {"correction": 0}),
        Sample((x,), {"fweights": fw, "aweights": aw}),
        Sample((x,), {"correction": 2, "aweights": aw}),
        Sample((x[:, :1],), {"correction": 1}),
    ]


def _corrcoef(dtype: torch.dtype) -> list[Sample]:
    x = _randn(4, 6, dtype=dtype)
    return [Sample((x,)), Sample((x[0],))]


def _cosine_similarity(dtype: torch.dtype) -> list[Sample]:
    """Tiny norms clamped by eps, broadcasting along the reduced dim."""
    a, b = torch.randn(4, 5, dtype=dtype), torch.randn(4, 5, dtype=dtype)
    return [
        Sample((a * 1e-9, b), {"eps": 1e-6}),
        Sample((a[:1], b), {"dim": 0}),
    ]


def _pairwise_distance(dtype: torch.dtype) -> list[Sample]:
    a, b = torch.randn(4, 5, dtype=dtype), torch.randn(4, 5, dtype=dtype)
    return [
        Sample((a[0], b[0])),
        Sample((a, b), {"p": 0.0}),
        Sample((a, b), {"p": float("inf"), "keepdim": True}),
        Sample((a, b[0]), {"p": 1.5}),
        Sample((torch.tensor(1.5, dtype=dtype), torch.tensor(-2.0, dtype=dtype))),
    ]


def _einsum_call(tensors, equation):
    return torch.einsum(equation, *tensors)


def _is_diagonal(sample: Sample) -> bool:
    """An einsum equation with a letter twice in one operand (a diagonal)."""
    terms = sample.args[1].replace(" ", "").replace("...", "").split("->")[0].split(",")
    return any(len(set(term)) != len(term) for term in terms)


def _one_variable(sample: Sample) -> bool:
    """A 2-d input with one variable (one row): torch squeezes the result to 0-d."""
    x = sample.args[0]
    return x.dim() == 2 and x.shape[0] == 1


#: cov and corrcoef squeeze their (V, V) result; the TorchScript exporter makes V dynamic even where it is 1.
ONE_VARIABLE = "the TorchScript exporter marks a size-1 dim dynamic: the rule cannot know torch squeezes (1, 1) to 0-d"
#: The opset-9 composition of einsum multiplies broadcast operands: it cannot take a diagonal.
DIAGONAL = "diagonals (a letter twice in one operand) need Einsum, opset 12"
#: torch.export fails inside cov (is_nonzero / numel on symbolic sizes) before the ONNX exporter runs.
COV_DYNAMO = "torch.export stops inside torch.cov (a data-dependent check on symbolic sizes): no rule is reached"


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::addbmm",), BATCH_SUMS, opinfo="addbmm", fn=torch.addbmm, samples=_addbmm, dtypes=WITH_INT),
    OpEntry(("aten::addmv",), PRODUCT, opinfo="addmv", fn=torch.addmv, samples=_addmv, dtypes=WITH_INT),
    OpEntry(("aten::addr",), PRODUCT, opinfo="addr", fn=torch.addr, samples=_addr, dtypes=WITH_INT),
    OpEntry(("aten::bilinear",), PRODUCT, opinfo="nn.functional.bilinear", fn=F.bilinear),
    OpEntry(("aten::corrcoef",), PRODUCT, opinfo="corrcoef", fn=torch.corrcoef, samples=_corrcoef, dtypes=WITH_INT)
    .xfail(ONE_VARIABLE, exporter="torchscript", sample=_one_variable)
    .xfail(COV_DYNAMO, exporter="dynamo"),
    OpEntry(
        ("aten::cosine_similarity",),
        PRODUCT,
        opinfo="nn.functional.cosine_similarity",
        fn=F.cosine_similarity,
        samples=_cosine_similarity,
    ),
    OpEntry(("aten::cov",), COV, opinfo="cov", fn=torch.cov, samples=_cov, dtypes=WITH_INT)
    .xfail(ONE_VARIABLE, exporter="torchscript", sample=_one_variable)
    .xfail(COV_DYNAMO, exporter="dynamo"),
    OpEntry(("aten::einsum",), PRODUCT, opinfo="einsum", fn=_einsum_call, samples=_einsum, dtypes=WITH_INT)
    .xfail(DIAGONAL, exporter="torchscript", opset=9, sample=_is_diagonal)
    .xfail(DIAGONAL, exporter="torchscript", opset=11, sample=_is_diagonal),
    OpEntry(("aten::inner",), PRODUCT, opinfo="inner", fn=torch.inner, samples=_inner, dtypes=WITH_INT),
    OpEntry(("aten::kron",), PRODUCT, opinfo="kron", fn=torch.kron, samples=_kron, dtypes=WITH_INT).xfail(
        "torch's dynamo lowering of kron bakes the traced sizes into a Reshape (_unsafe_view): other shapes fail",
        exporter="dynamo",
    ),
    OpEntry(("aten::outer",), PRODUCT, opinfo="outer", fn=torch.outer, dtypes=WITH_INT),
    OpEntry(
        ("aten::pairwise_distance",),
        PRODUCT,
        opinfo="nn.functional.pairwise_distance",
        fn=F.pairwise_distance,
        samples=_pairwise_distance,
    ),
    OpEntry(("aten::tensordot",), PRODUCT, opinfo="tensordot", fn=torch.tensordot, samples=_tensordot, dtypes=WITH_INT),
    OpEntry(("aten::vdot",), PRODUCT, opinfo="vdot", fn=torch.vdot, dtypes=WITH_INT),
)
