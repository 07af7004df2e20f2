"""The linalg kernels (``symreg::Linalg*``): random batches of matrices, valid and invalid nodes.

One strategy serves every linalg op (``OPS``, one fuzz entry each): batch dims (empty ones too), square or not,
values well-conditioned, singular (integer matrices with dependent rows), not positive-definite, or with NaN/inf
poked in; 1 or 2 threads; one in ten of another dtype, of a rank below 2, non-square where the op needs square,
or with an attribute out of range. Reference: torch in the input's dtype. Values are compared where they are
unique and the input finite (LU pivots and info exactly; eigen- and singular values; QR; solves on
well-conditioned inputs); with NaN/inf the kernels must not crash, and svd must refuse it (as torch does).
LdlSolve's pivots are also corrupted (out of range, unpaired 2 x 2 blocks): an error, never a read out of bounds
(torch's own ldl_solve crashes on unpaired blocks, so it is never the reference there).
"""

from __future__ import annotations

import dataclasses
import types

import numpy as np
from fuzz_common import FLOATS, inject, specials
from hypothesis import strategies as st

SQUARE = {
    "LinalgLuSolve",
    "LinalgCholesky",
    "LinalgSolveTriangular",
    "LinalgEigh",
    "LinalgMatrixExp",
    "LinalgLdlFactor",
    "LinalgLdlSolve",
}
BOOL_ATTRS = {
    "LinalgLuFactor": ["check_errors"], "LinalgLuSolve": ["adjoint"], "LinalgCholesky": ["upper", "check_errors"],
    "LinalgSolveTriangular": ["upper", "left", "unitriangular"], "LinalgEigh": ["upper"],
    "LinalgSvd": ["full_matrices"], "LinalgQr": ["complete"], "LinalgGeqrf": [], "LinalgHouseholderProduct": [],
    "LinalgMatrixExp": [], "LinalgLdlFactor": ["check_errors"], "LinalgLdlSolve": [],
}  # fmt: skip
OUTPUTS = {
    "LinalgLuFactor": [None, "int32", "int32"], "LinalgLuSolve": [None], "LinalgCholesky": [None, "int32"],
    "LinalgSolveTriangular": [None], "LinalgEigh": [None], "LinalgSvd": [None], "LinalgQr": [None, None],
    "LinalgGeqrf": [None, None], "LinalgHouseholderProduct": [None], "LinalgMatrixExp": [None],
    "LinalgLdlFactor": [None, "int32", "int32"], "LinalgLdlSolve": [None],
}  # fmt: skip
RTOL = {np.float32: 2e-3, np.float64: 1e-8}


@dataclasses.dataclass(frozen=True)
class Spec:
    op: str
    dtype: str
    batch: tuple[int, ...]
    m: int
    n: int
    seed: int
    values: str  # well, singular, indefinite, normal
    pokes: tuple[tuple[float, float], ...]
    attrs: tuple[tuple[str, int], ...]
    threads: int = 1
    bad: str = ""  # "", "rank1", "nonsquare", "attr", "tau", "pivots": the node or its input is invalid


def _specs(name: str):
    op = name.split("::")[1]

    @st.composite
    def specs(draw) -> Spec:
        bad = draw(st.sampled_from([""] * 12 + ["dtype", "rank1", "nonsquare", "attr", "tau", "pivots", "pivots"]))
        if bad == "nonsquare" and op not in SQUARE or bad == "attr" and not BOOL_ATTRS[op]:
            bad = ""
        if bad == "tau" and op != "LinalgHouseholderProduct" or bad == "pivots" and op != "LinalgLdlSolve":
            bad = ""
        n = draw(st.integers(1 if bad == "pivots" else 0, 9))
        m = n if op in SQUARE and bad != "nonsquare" else draw(st.integers(0, 9))
        if bad == "nonsquare" and m == n:
            m = n + 1
        if op == "LinalgHouseholderProduct":  # m >= n (torch's rule)
            m, n = max(m, n), min(m, n)
        values = draw(st.sampled_from(["well", "well", "singular", "indefinite", "normal"]))
        pokes = draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(specials(np.float64))),
                              max_size=2)) if draw(st.integers(0, 4)) == 0 else []  # fmt: skip
        attrs = tuple((a, draw(st.sampled_from([0, 1]))) for a in BOOL_ATTRS[op])
        if bad == "attr":
            attrs = ((attrs[0][0], draw(st.sampled_from([2, -1, 7]))),) + attrs[1:]
        return Spec(
            op=name, dtype="float16" if bad == "dtype" else draw(st.sampled_from(list(FLOATS))),
            batch=tuple(draw(st.lists(st.integers(1 if bad == "pivots" else 0, 3), max_size=2))), m=m, n=n,
            seed=draw(st.integers(0, 2**32 - 1)), values=values, pokes=tuple(pokes), attrs=attrs,
            threads=draw(st.sampled_from([1, 2])), bad=bad,
        )  # fmt: skip

    return specs


def _matrices(spec: Spec, m: int, n: int, rng) -> np.ndarray:
    shape = (*spec.batch, m, n)
    if spec.values == "singular" and m == n and n >= 2:
        a = rng.integers(-3, 4, shape).astype(np.float64)
        a[..., -1, :] = a[..., 0, :] * 2  # dependent rows: an exact zero pivot
    else:
        a = rng.standard_normal(shape)
        if m == n and spec.values in ("well", "indefinite"):
            a = a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
            if spec.values == "indefinite" and n:
                a[..., n // 2, n // 2] = -1.0
    inject(a, spec.pokes)
    return a


def _build(spec: Spec) -> dict:
    rng = np.random.default_rng(spec.seed)
    dtype = np.float16 if spec.dtype == "float16" else FLOATS[spec.dtype]
    short = spec.op.split("::")[1]
    a = _matrices(spec, spec.m, spec.n, rng)
    if spec.bad == "rank1":
        a = a.reshape(-1)[: max(spec.n, 1)] if a.size else np.zeros(1)
    attrs = dict(spec.attrs)
    if spec.pokes and "check_errors" in attrs and spec.bad != "attr":
        attrs["check_errors"] = 0  # LAPACK's and Eigen's info on NaN/inf differ: check_errors is tested on finite input
    inputs = [("A", a.astype(dtype))]
    if short == "LinalgLuSolve":
        from symreg import _kernels

        well = _matrices(dataclasses.replace(spec, values="well", pokes=()), spec.n, spec.n, rng)
        lu, pivots, _ = _kernels.linalg_lu_factor(well.astype(FLOATS.get(spec.dtype, np.float64)))
        b = rng.standard_normal((*spec.batch, spec.n, 2))
        factored = a if spec.bad in ("rank1", "nonsquare") else lu
        inputs = [("LU", factored.astype(dtype)), ("pivots", pivots), ("B", b.astype(dtype))]
    elif short == "LinalgLdlSolve":
        inputs = _ldl_solve_inputs(spec, a, rng, dtype)
    elif short == "LinalgHouseholderProduct":
        import torch

        if a.ndim >= 2 and np.isfinite(a).all():
            tau = torch.geqrf(torch.from_numpy(a))[1].numpy()
        else:
            tau = rng.uniform(0, 2, (*a.shape[:-1][:-1], min(a.shape[-2:]) if a.ndim >= 2 else 1))
        if spec.bad == "tau":
            tau = np.concatenate([tau, np.ones((*tau.shape[:-1], 1))], axis=-1)  # n + 1 reflectors
        inputs = [("A", a.astype(dtype)), ("tau", tau.astype(dtype))]
    elif short == "LinalgSolveTriangular":
        b_shape = (*spec.batch, spec.n, 2) if attrs.get("left", 1) == 1 else (*spec.batch, 2, spec.n)
        triangular = a + np.eye(spec.n) * 3 * max(spec.n, 1) if a.ndim >= 2 and spec.m == spec.n else a
        inputs = [("A", triangular.astype(dtype)), ("B", rng.standard_normal(b_shape).astype(dtype))]
    return {
        "op": spec.op, "inputs": inputs, "attrs": attrs, "outputs": len(OUTPUTS[short]),
        "output_types": OUTPUTS[short], "constant": [], "threads": spec.threads,
    }  # fmt: skip


def _saddle(spec: Spec, rng) -> np.ndarray:
    """[[0, M], [M^T, 0]] with M random plus n I: symmetric indefinite, well-conditioned, 2 x 2 pivots."""
    n, h = spec.n, spec.n // 2
    a = np.zeros((*spec.batch, n, n))
    m = rng.standard_normal((*spec.batch, h, h)) + n * np.eye(h)
    a[..., :h, n - h :], a[..., n - h :, :h] = m, np.swapaxes(m, -1, -2)
    if n % 2:
        a[..., h, h] = n
    inject(a, spec.pokes)
    return a


def _ldl_solve_inputs(spec: Spec, a: np.ndarray, rng, dtype) -> list:
    """(LD, pivots, B): torch's ldl_factor of a symmetric matrix ("indefinite": a saddle, 2 x 2 pivots), pivots
    corrupted where spec.bad == "pivots" (every matrix has n >= 1 then)."""
    import torch

    if spec.bad in ("rank1", "nonsquare"):
        ld, pivots = a, np.ones((*spec.batch, spec.n), np.int32)
    else:
        sym = _saddle(spec, rng) if spec.values == "indefinite" else a + np.swapaxes(a, -1, -2)
        sym = torch.from_numpy(sym.astype(FLOATS.get(spec.dtype, np.float64)))  # float16 (bad dtype): factor wider
        ld, pivots, _ = (x.numpy() for x in torch.linalg.ldl_factor_ex(sym))
    if spec.bad == "pivots":
        pivots = pivots.copy()
        flat = pivots.reshape(-1, spec.n)[int(rng.integers(0, pivots.size // spec.n))]
        i, n = int(rng.integers(0, spec.n)), spec.n
        kind = int(rng.integers(0, 5))
        if kind == 4 and n < 2:
            kind = 0
        if kind < 3:  # out of range
            flat[i] = [0, n + 1, -(n + 1)][kind] if rng.integers(0, 4) else np.iinfo(np.int32).min
        elif kind == 3:  # a 2 x 2 block opened in the last row
            flat[-1] = -n
            if n >= 2 and flat[-2] == flat[-1]:
                flat[-2] = 1
        else:  # an unpaired negative pivot
            j = int(rng.integers(0, n - 1))
            flat[j], flat[j + 1] = -(j + 2), j + 2
            flat[:j] = np.arange(1, j + 1)
    b = rng.standard_normal((*spec.batch, spec.n, 2))
    return [("LD", ld.astype(dtype)), ("pivots", pivots.astype(np.int32)), ("B", b.astype(dtype))]


def _problems(spec: Spec, case: dict) -> list[str]:
    short = spec.op.split("::")[1]
    if spec.bad == "dtype":
        return [rf"Type 'tensor\(float16\)' of input parameter \(\w+\) of operator \({short}\)"]
    if spec.bad == "attr":
        return [rf"attribute {spec.attrs[0][0]} must be 0 or 1"]
    if spec.bad == "rank1":
        return [r"must have at least 2 dims"]
    if spec.bad == "nonsquare":
        return [r"must be a batch of square matrices", r"rows|columns"]
    if spec.bad == "tau":
        return [r"input tau must have at most"]
    if spec.bad == "pivots":
        return [r"input pivots is not LinalgLdlFactor's: pivots\[\d+\] = -?\d+ (is out of range|opens a 2 x 2 block)"]
    a = case["inputs"][0][1]
    attrs = case["attrs"]
    if short == "LinalgSvd" and not np.isfinite(a).all() and spec.m * spec.n:
        return [r"failed to converge"]
    if short == "LinalgLuFactor" and attrs["check_errors"] and spec.m * spec.n:
        import torch

        info = torch.linalg.lu_factor_ex(torch.from_numpy(case["inputs"][0][1]))[2]
        if (info != 0).any():
            return [r"is singular"]
    if short == "LinalgCholesky" and attrs["check_errors"] and spec.n:
        import torch

        a = torch.from_numpy(case["inputs"][0][1])
        if (torch.linalg.cholesky_ex(a, upper=bool(attrs["upper"]))[1] != 0).any():
            return [r"not positive-definite"]
    if short == "LinalgLdlFactor" and attrs["check_errors"] and spec.n:
        import torch

        if (torch.linalg.ldl_factor_ex(torch.from_numpy(case["inputs"][0][1]))[2] != 0).any():
            return [r"is singular"]
    return []


def _reference(case: dict) -> list[np.ndarray]:
    import torch

    short = case["op"].split("::")[1]
    t = [torch.from_numpy(np.array(a)) for _, a in case["inputs"]]
    attrs = case["attrs"]
    if short == "LinalgLuFactor":
        return [x.numpy() for x in torch.linalg.lu_factor_ex(t[0])]
    if short == "LinalgLuSolve":
        return [torch.linalg.lu_solve(t[0], t[1], t[2], adjoint=bool(attrs["adjoint"])).numpy()]
    if short == "LinalgCholesky":
        return [x.numpy() for x in torch.linalg.cholesky_ex(t[0], upper=bool(attrs["upper"]))]
    if short == "LinalgSolveTriangular":
        return [torch.linalg.solve_triangular(t[0], t[1], upper=bool(attrs["upper"]), left=bool(attrs["left"]),
                                              unitriangular=bool(attrs["unitriangular"])).numpy()]  # fmt: skip
    if short == "LinalgEigh":
        return [torch.linalg.eigvalsh(t[0], UPLO="U" if attrs["upper"] else "L").numpy()]
    if short == "LinalgSvd":
        return [torch.linalg.svdvals(t[0]).numpy()]
    if short == "LinalgGeqrf":
        return [x.numpy() for x in torch.geqrf(t[0])]
    if short == "LinalgHouseholderProduct":
        return [torch.linalg.householder_product(t[0], t[1]).numpy()]
    if short == "LinalgMatrixExp":
        return [torch.linalg.matrix_exp(t[0]).numpy()]
    if short == "LinalgLdlFactor":
        return [x.numpy() for x in torch.linalg.ldl_factor_ex(t[0])]
    if short == "LinalgLdlSolve":
        return [torch.linalg.ldl_solve(t[0], t[1], t[2]).numpy()]
    q, r = torch.linalg.qr(t[0], mode="complete" if attrs["complete"] else "reduced")
    return [q.numpy(), r.numpy()]


def _compare(spec: Spec, case: dict, got: list[np.ndarray], want: list[np.ndarray], what: str) -> None:
    assert len(got) == len(want), f"{what}: {len(got)} outputs"
    for i, (g, w) in enumerate(zip(got, want)):
        same = g.dtype == w.dtype and g.shape == w.shape
        assert same, f"{what}: output {i} {g.dtype}{g.shape}, want {w.dtype}{w.shape}"
    finite = not spec.pokes
    short = spec.op.split("::")[1]
    if not finite or spec.values in ("singular", "normal") and short == "LinalgLdlSolve":
        return  # NaN pivots, or D singular or ill-conditioned: shapes and no crash only
    if spec.values == "singular" and short in ("LinalgLuSolve", "LinalgSolveTriangular"):
        return  # not unique (NaN pivots) or not defined: shapes and no crash only
    if short == "LinalgLuFactor" and spec.values == "singular":
        np.testing.assert_array_equal(got[2], want[2], err_msg=f"{what}: info")
        return
    if short == "LinalgGeqrf" and spec.values == "singular":
        _check_reconstruction(case, got, what)  # rank-deficient: the trailing reflectors reflect rounding noise
        return
    if short == "LinalgCholesky":
        np.testing.assert_array_equal(got[1], want[1], err_msg=f"{what}: info")
        ok = (want[1] == 0)[..., None, None]  # the factor is unspecified where info > 0
        got, want = [np.where(ok, got[0], 0)], [np.where(ok, want[0], 0)]
    rtol = RTOL[FLOATS[spec.dtype]]
    for i, (g, w) in enumerate(zip(got, want)):
        scale = max(1.0, float(np.abs(w).max(initial=0))) if w.dtype.kind == "f" else 0.0
        np.testing.assert_allclose(g, w, rtol=rtol, atol=rtol * scale, err_msg=f"{what}: output {i}")


def _check_reconstruction(case: dict, got: list[np.ndarray], what: str) -> None:
    """Q R = A, Q the product of geqrf's reflectors (torch's householder_product), R the upper triangle."""
    import torch

    a = case["inputs"][0][1]
    qr, tau = (torch.from_numpy(x).double() for x in got)
    m, n = a.shape[-2:]
    if m == 0 or n == 0:
        return
    k = min(m, n)
    q = torch.linalg.householder_product(qr[..., :, :k], tau)
    rebuilt = (q @ qr[..., :k, :].triu()).numpy()
    scale = max(1.0, float(np.abs(a).max(initial=0)))
    np.testing.assert_allclose(rebuilt, a, rtol=0, atol=RTOL[a.dtype.type] * scale, err_msg=f"{what}: Q R = A")


def _entry(op: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(NAME=op, specs=_specs(op), build=_build, problems=_problems, reference=_reference,
                                 compare=_compare)  # fmt: skip


OPS = tuple(_entry(f"symreg::{name}") for name in sorted(OUTPUTS))
