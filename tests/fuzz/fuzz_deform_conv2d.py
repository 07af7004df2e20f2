"""symreg::DeformConv2d: random geometry, attributes and inputs, valid and broken one thing or two at a time.

A valid geometry is drawn first (groups, offset groups, kernels 1..5, strides, asymmetric pads,
dilations, N = 0, C_out = 0, images of 0 rows or columns that the pads make usable, now and
then a 24..40 pixel one), then 0-2 breakages (attribute values and types, ranks, channels,
spatial sizes, batch, missing or extra inputs, mixed or integer dtypes). :func:`problems` is an
independent oracle of what the kernel must refuse.

Values: x, W, mask, B normal at scales 1, 1e-3 or huge (1e12 / 1e100 float32 / float64,
chosen so no sum can overflow), with NaN, ±inf, ±0 and huge values poked in; offsets on a
1/256 grid (exact in float32, so every sample position and bilinear weight is the same in the
kernel and the reference), integers that put samples exactly on the image border (-1, H), or
huge, ±inf and NaN.

Reference: torchvision.ops.deform_conv2d in the input's dtype, with ONNX's asymmetric pads
made implicit (torchvision pads the top/left, extra zero rows go at the bottom/right, and
extra output rows are cropped; top/left zero rows would change what a sample at -1 reads).
NaN offsets are given to it as -inf: the kernel treats a NaN position as outside the image,
and torchvision's CPU kernel crashes on NaN offsets. Images with no rows or columns (made
usable by the pads) go to torchvision as they are.

Tolerance, per output element: both results are sums of depth = C_in / group * kH * kW
products of x's bilinear blends (4 terms, weights exact on the 1/256 grid), the mask and W,
plus B: at most depth + 8 roundings deep. The standard bound for a sum computed in any order
is |error| <= n * eps * sum(|terms|); for two results, twice that; we allow 4 * (depth + 8) *
eps * M, with M the same convolution of |x|, |W|, |mask|, |B| in float64 (non-finite values
as 0), plus as many smallest subnormals for underflow. NaN and ±inf must be exactly where
torchvision has them.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from fuzz_common import assert_same_values, inject
from hypothesis import strategies as st

NAME = "symreg::DeformConv2d"
INPUTS = ["x", "weight", "offset", "mask", "bias"]  # the node's order
LABEL = {"x": "X", "weight": "W", "offset": "offset", "mask": "mask", "bias": "B"}
RANK = {"x": 4, "weight": 4, "offset": 4, "mask": 4, "bias": 1}
DEFAULTS = {"strides": [1, 1], "pads": [0, 0, 0, 0], "dilations": [1, 1], "group": 1, "offset_group": 1}
# (float32, float64) "huge" scales: x W mask + B stays below a thousandth of the dtype's max
HUGE = {"x": (1e12, 1e100), "weight": (1e12, 1e100), "mask": (1e6, 1e50), "bias": (1e30, 1e250)}
SCALED = ("x", "weight", "mask", "bias")
INT64_MAX = 2**63 - 1


@dataclasses.dataclass(frozen=True)
class Spec:
    dtype: str  # float32, float64; int64 (all inputs), mixed (W float64, the rest float32)
    n: int
    c_in: int
    h: int
    w: int
    c_out: int
    kh: int
    kw: int
    attrs: tuple[tuple[str, object], ...]  # as written to the node (absent: the default)
    mask: bool
    bias: bool
    shape_edits: tuple[tuple[str, tuple[int, ...]], ...] = ()  # input -> its shape, overriding the geometry
    missing: tuple[str, ...] = ()  # required inputs left out (empty name)
    extra_input: bool = False  # a sixth input
    seed: int = 0
    scales: tuple[str, str, str, str] = ("1", "1", "1", "1")  # x, W, mask, B: "1", "small", "huge"
    offsets: str = "grid"  # grid, border (integers), wild (grid with huge, ±inf and NaN)
    offset_scale: float = 2.0
    pokes: tuple[tuple[str, float, float], ...] = ()  # (input, where, value)
    threads: int = 1
    constant_w: bool = False  # W (and B) initializers: packed when the kernel is created


def _geometry(draw):
    large = draw(st.integers(0, 14)) == 0
    g = draw(st.sampled_from([1, 1, 1, 2, 3]))
    og = draw(st.sampled_from([1, 1, 2]))
    unit = g * og // math.gcd(g, og)
    c_in = unit * draw(st.integers(1, 6 if large else 2))
    c_out = g * (draw(st.integers(2, 8)) if large else draw(st.sampled_from([0, 1, 1, 2, 3])))
    kh, kw = (draw(st.sampled_from([1, 2, 3, 3, 3, 4, 5])) for _ in range(2))
    strides = [draw(st.sampled_from([1, 1, 2, 3])) for _ in range(2)]
    dilations = [draw(st.sampled_from([1, 1, 1, 2, 3])) for _ in range(2)]
    pads = [draw(st.integers(0, 3)) for _ in range(4)]
    h, w = ((draw(st.integers(24, 40)) if large else draw(st.integers(0, 9))) for _ in range(2))
    # usable: at least one output row and column
    h = max(h, dilations[0] * (kh - 1) + 1 - pads[0] - pads[2])
    w = max(w, dilations[1] * (kw - 1) + 1 - pads[1] - pads[3])
    n = draw(st.sampled_from([0, 1, 1, 1, 2, 3])) if not large else 1
    written = {"strides": strides, "pads": pads, "dilations": dilations, "group": g, "offset_group": og}
    attrs = {k: v for k, v in written.items() if v != DEFAULTS[k] or draw(st.booleans())}
    if draw(st.integers(0, 4)) == 0:
        attrs["kernel_shape"] = [kh, kw]
    return dict(n=n, c_in=c_in, h=h, w=w, c_out=c_out, kh=kh, kw=kw, attrs=attrs)


def shapes_of(geo: dict, attrs: dict) -> dict[str, tuple[int, ...]]:
    """Input shapes that fit the geometry (with its own, valid attributes)."""
    (t, l, b, r), (sh, sw), (dh, dw) = attrs["pads"], attrs["strides"], attrs["dilations"]
    oh = (geo["h"] + t + b - dh * (geo["kh"] - 1) - 1) // sh + 1
    ow = (geo["w"] + l + r - dw * (geo["kw"] - 1) - 1) // sw + 1
    points = attrs["offset_group"] * geo["kh"] * geo["kw"]
    return {
        "x": (geo["n"], geo["c_in"], geo["h"], geo["w"]),
        "weight": (geo["c_out"], geo["c_in"] // attrs["group"], geo["kh"], geo["kw"]),
        "offset": (geo["n"], 2 * points, oh, ow), "mask": (geo["n"], points, oh, ow), "bias": (geo["c_out"],),
    }  # fmt: skip


def _breakage(draw, geo: dict, attrs: dict, shapes: dict) -> dict:
    """One thing made wrong: returns edits to the spec's fields."""
    kind = draw(st.sampled_from(["attr", "attr", "attr", "attr_type", "rank", "dim", "dim", "dim", "missing",
                                 "extra", "dtype", "c_in_zero", "empty_kernel"]))  # fmt: skip
    if kind == "attr":
        name, value = draw(st.sampled_from([
            ("strides", [0, 1]), ("strides", [1, 0]), ("strides", [-1, 2]), ("strides", [1]), ("strides", [1, 1, 1]),
            ("pads", [1]), ("pads", [1, 1]), ("pads", [0, 0, 0]), ("pads", [1, 1, 1, 1, 1]), ("pads", [0, -1, 0, 0]),
            ("pads", [-3, 0, 0, 0]), ("pads", [2**62, 0, 2**62, 0]), ("dilations", [0, 1]), ("dilations", [1, -1]),
            ("dilations", [1]), ("dilations", [1, 1, 1]), ("dilations", [2**62, 1]), ("group", 0), ("group", -1),
            ("group", geo["c_in"] + 1), ("group", 4), ("group", 2**40), ("offset_group", 0), ("offset_group", -2),
            ("offset_group", geo["c_in"] + 1), ("offset_group", 3), ("kernel_shape", [geo["kh"] + 1, geo["kw"]]),
            ("kernel_shape", [geo["kh"]]), ("kernel_shape", [0, geo["kw"]]), ("kernel_shape", [1, 1, 1]),
            ("strides", [2**62, 1]),
        ]))  # fmt: skip
        return {"attrs": {**attrs, name: value}}
    if kind == "attr_type":
        name, value = draw(st.sampled_from([("strides", [1.0, 1.0]), ("pads", "same"), ("dilations", 2),
                                            ("group", 1.5), ("offset_group", [1]), ("kernel_shape", 3.0)]))
        return {"attrs": {**attrs, name: value}}
    name = draw(st.sampled_from(INPUTS))
    shape = list(shapes[name])
    if kind == "rank":
        shape = shape[:-1] if draw(st.booleans()) else [*shape, 1]
        return {"shape_edits": {name: tuple(shape)}}
    if kind == "dim":
        i = draw(st.integers(0, len(shape) - 1))
        shape[i] = max(0, shape[i] + draw(st.sampled_from([-1, 1, 2])))
        return {"shape_edits": {name: tuple(shape)}}
    if kind == "missing":
        return {"missing": (draw(st.sampled_from(["x", "weight", "offset"])),)}
    if kind == "extra":
        return {"extra_input": True}
    if kind == "dtype":
        return {"dtype": draw(st.sampled_from(["int64", "mixed"]))}
    if kind == "c_in_zero":
        return {"shape_edits": {"x": (shapes["x"][0], 0, *shapes["x"][2:]), "weight": (shapes["weight"][0], 0, *shapes["weight"][2:])}}
    return {"shape_edits": {"weight": (*shapes["weight"][:2], 0, shapes["weight"][3])}}


@st.composite
def specs(draw) -> Spec:
    geo = _geometry(draw)
    attrs = geo.pop("attrs")
    shapes = shapes_of(geo, {**DEFAULTS, **attrs})
    fields = {"dtype": draw(st.sampled_from(["float32", "float64"])), "attrs": attrs, "shape_edits": {}, "missing": ()}
    for _ in range(draw(st.sampled_from([0, 0, 0, 0, 0, 0, 1, 1, 1, 2]))):
        edit = _breakage(draw, geo, fields["attrs"], shapes)
        if "shape_edits" in edit:
            edit["shape_edits"] = {**fields["shape_edits"], **edit["shape_edits"]}
        fields.update(edit)
    values = [0.0, -0.0, np.nan, np.inf, -np.inf]
    pokes = draw(st.lists(st.tuples(
        st.sampled_from(INPUTS), st.floats(0, 1, exclude_max=True),
        st.sampled_from([*values, "huge", "offset_huge", "max"])), max_size=5))  # fmt: skip
    return Spec(
        **geo, dtype=fields["dtype"], attrs=tuple(sorted(fields["attrs"].items())),
        mask=draw(st.booleans()), bias=draw(st.booleans()),
        shape_edits=tuple(sorted(fields["shape_edits"].items())), missing=fields["missing"],
        extra_input=fields.get("extra_input", False), seed=draw(st.integers(0, 2**32 - 1)),
        scales=tuple(draw(st.sampled_from(["1", "1", "1", "small", "huge"])) for _ in range(4)),
        offsets=draw(st.sampled_from(["grid", "grid", "border", "wild"])),
        offset_scale=draw(st.sampled_from([0.5, 2.0, 5.0, 20.0])),
        pokes=tuple((name, where, value) for name, where, value in pokes),
        threads=draw(st.sampled_from([1, 2])), constant_w=draw(st.integers(0, 4)) == 0,
    )  # fmt: skip


def _poke_value(spec: Spec, name: str, value, dtype) -> float:
    if value == "huge":  # huge, but no sum of them overflows
        return 1e30 if name == "offset" else HUGE[name][dtype == np.float64]
    if value == "offset_huge":
        return 1e30 if name == "offset" else 0.5
    if value == "max":  # overflows everything it touches but an offset (outside the image)
        return float(np.finfo(dtype).max) if name == "offset" else 2.0
    return value


def build(spec: Spec) -> dict:
    """The case: arrays made from the spec (deterministic in its seed)."""
    work = np.float64 if spec.dtype in ("float64", "mixed") else np.float32
    geo = {k: getattr(spec, k) for k in ("n", "c_in", "h", "w", "c_out", "kh", "kw")}
    attrs = dict(spec.attrs)
    usable = {k: v for k, v in attrs.items() if k in DEFAULTS and _usable(k, v)}  # broken ones: shapes of the defaults
    shapes = shapes_of(geo, {**DEFAULTS, **usable})
    shapes = {k: tuple(max(0, d) for d in v) for k, v in {**shapes, **dict(spec.shape_edits)}.items()}
    rng = np.random.default_rng(spec.seed)
    wide = 1 if work == np.float64 else 0
    scale = {name: {"1": 1.0, "small": 1e-3, "huge": HUGE[name][wide]}[s] for name, s in zip(SCALED, spec.scales)}
    arrays = {  # np.asarray: a 0-d draw is a NumPy scalar, which ORT's feeds refuse
        "x": np.asarray(rng.standard_normal(shapes["x"]) * scale["x"]),
        "weight": np.asarray(rng.standard_normal(shapes["weight"]) * scale["weight"]),
        "mask": np.asarray(rng.uniform(-0.5, 1.5, shapes["mask"]) * scale["mask"]),
        "bias": np.asarray(rng.standard_normal(shapes["bias"]) * scale["bias"]),
    }
    if spec.offsets == "border":
        reach = max(spec.h, spec.w) + 2
        offset = rng.integers(-reach, reach, shapes["offset"], endpoint=True).astype(np.float64)
    else:
        offset = np.round(rng.standard_normal(shapes["offset"]) * spec.offset_scale * 256) / 256
        if spec.offsets == "wild" and offset.size:
            wild = rng.choice([1e30, -1e30, np.inf, -np.inf, np.nan], offset.size)
            offset.flat[rng.random(offset.size) < 0.2] = wild[rng.random(offset.size) < 0.2]
    arrays["offset"] = np.asarray(offset)
    dtype = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "mixed": np.float32}[spec.dtype]
    with np.errstate(over="ignore", invalid="ignore"):
        for name in INPUTS:
            arrays[name] = arrays[name].astype(work)
            inject(arrays[name], tuple((where, _poke_value(spec, name, v, work))
                                       for n, where, v in spec.pokes if n == name))  # fmt: skip
            wanted = np.float64 if spec.dtype == "mixed" and name == "weight" else dtype
            arrays[name] = np.asarray(arrays[name].astype(wanted) if wanted != np.int64 else np.nan_to_num(arrays[name]).astype(wanted))
    present = {"mask": spec.mask, "bias": spec.bias, **{k: False for k in spec.missing}}
    inputs = [(name, arrays[name] if present.get(name, True) else None) for name in INPUTS]
    if spec.extra_input:
        inputs.append(("extra", arrays["bias"].copy()))
    constant = ["weight", "bias"] if spec.constant_w else []
    constant = [n for n in constant if dict(inputs)[n] is not None]
    return {"op": NAME, "inputs": inputs, "attrs": attrs, "outputs": 1, "constant": constant, "threads": spec.threads}


def _usable(name: str, value) -> bool:
    if name in ("group", "offset_group"):
        return type(value) is int and 0 < value <= 64
    return _ints(value) and len(value) == len(DEFAULTS[name]) and all(0 <= v <= 64 for v in value) and (
        name == "pads" or min(value) > 0)


def _ints(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, int) for v in value) and len(value) > 0


def problems(spec: Spec, case: dict) -> list[str]:
    """What the kernel (or ORT, before it) must report, as regular expressions; empty when the node is valid."""
    if spec.extra_input:
        return [r"DeformConv2d.*has input size 6 not in range \[min=\d+, max=5\]"]
    if spec.dtype == "int64":
        return [r"Type 'tensor\(int64\)' of input parameter \(\w+\) of operator \(DeformConv2d\) .*is invalid"]
    if spec.dtype == "mixed":
        return [r"Op \(DeformConv2d\).*no kernel def matches node"]
    found, attrs = [], {**DEFAULTS, "kernel_shape": None}
    for name, value in spec.attrs:
        is_list = name in ("strides", "pads", "dilations", "kernel_shape")
        if (is_list and _ints(value)) or (not is_list and isinstance(value, int) and not isinstance(value, bool)):
            attrs[name] = value
        else:
            found.append(f"attribute {name} must be {'a list of ints' if is_list else 'an int'}")
    for name, size, words in (("strides", 2, "positive"), ("pads", 4, "non-negative"), ("dilations", 2, "positive")):
        if len(attrs[name]) != size:
            found.append(rf"{name} must have {size} values")
        elif any(v < (0 if words == "non-negative" else 1) for v in attrs[name]):
            found.append(rf"{name} must be {words}, got")
    for name in ("group", "offset_group"):
        if attrs[name] <= 0:
            found.append(rf"{name} must be positive, got {attrs[name]}")
    if attrs["kernel_shape"] is not None:
        if len(attrs["kernel_shape"]) != 2:
            found.append(r"kernel_shape must have 2 values")
        elif min(attrs["kernel_shape"]) <= 0:
            found.append(r"kernel_shape must be positive")
    if found:
        return found  # at kernel creation, before any input is seen
    arrays = dict(case["inputs"])
    found = [rf"input {LABEL[n]} is missing" for n in ("x", "weight", "offset") if arrays[n] is None]
    if found:
        return found
    found = [rf"{LABEL[n]} must be {RANK[n]}-D" for n, a in arrays.items() if a is not None and a.ndim != RANK[n]]
    if found:
        return found
    (n, c_in, h, w), (c_out, wc, kh, kw) = arrays["x"].shape, arrays["weight"].shape
    g, og = attrs["group"], attrs["offset_group"]
    if c_in == 0:
        found.append(r"X has no channels")
    if kh == 0 or kw == 0:
        found.append(r"W has an empty kernel")
    if attrs["kernel_shape"] is not None and list(attrs["kernel_shape"]) != [kh, kw]:
        found.append(r"kernel_shape \[.*\] differs from W's kernel")
    if c_in % g:
        found.append(rf"C_in = {c_in} \(X dim 1\) is not divisible by group = {g}")
    if c_in % og:
        found.append(rf"C_in = {c_in} \(X dim 1\) is not divisible by offset_group = {og}")
    if wc != c_in // g:
        found.append(rf"W has {wc} input channels \(dim 1\); expected C_in / group")
    if c_out % g:
        found.append(rf"C_out = {c_out} \(W dim 0\) is not divisible by group = {g}")
    if arrays["bias"] is not None and arrays["bias"].shape[0] != c_out:
        found.append(rf"B has {arrays['bias'].shape[0]} values; expected C_out = {c_out}")
    out = []
    for size, before, after, dil, k, stride in ((h, *attrs["pads"][::2], attrs["dilations"][0], kh, attrs["strides"][0]),
                                                (w, *attrs["pads"][1::2], attrs["dilations"][1], kw, attrs["strides"][1])):
        span, padded = dil * max(k - 1, 0), size + before + after
        if span > INT64_MAX or padded > INT64_MAX:
            found.append(r"output size overflows int64")
        elif padded - span - 1 < 0:
            found.append(r"output size would be <= 0")
        out.append((padded - span - 1) // stride + 1)
    if found:
        return found
    points = og * kh * kw
    for name, channels in (("offset", 2 * points), ("mask", points)):
        a = arrays[name]
        if a is None:
            continue
        if a.shape[0] != n:
            found.append(rf"{name} has batch size {a.shape[0]}; expected N = {n}")
        if a.shape[1] != channels:
            found.append(rf"{name} has {a.shape[1]} channels; expected .* = {channels}")
        if list(a.shape[2:]) != out:
            found.append(rf"{name} has spatial size \[.*\]; expected the output size")
    return found


def reference(case: dict) -> list[np.ndarray]:
    """torchvision's output and M, the bound's magnitude (see the module docstring)."""
    import torch

    torch.set_num_threads(1)
    a = dict(case["inputs"])
    attrs = {**DEFAULTS, **case["attrs"]}
    n, c_out = a["x"].shape[0], a["weight"].shape[0]
    oh, ow = a["offset"].shape[2:]
    if n == 0 or c_out == 0:
        empty = np.zeros((n, c_out, oh, ow), a["x"].dtype)
        return [empty, empty.astype(np.float64)]
    offset = np.where(np.isnan(a["offset"]), -np.inf, a["offset"])

    def finite_abs(v):
        return None if v is None else np.abs(np.where(np.isfinite(v), v, 0)).astype(np.float64)

    value = _torchvision(a["x"], a["weight"], offset, a["mask"], a["bias"], attrs)
    magnitude = _torchvision(finite_abs(a["x"]), finite_abs(a["weight"]), offset.astype(np.float64),
                             finite_abs(a["mask"]), finite_abs(a["bias"]), attrs)  # fmt: skip
    return [value, magnitude]


def _torchvision(x, weight, offset, mask, bias, attrs) -> np.ndarray:
    import torch
    import torch.nn.functional as F
    import torchvision

    t = {k: None if v is None else torch.from_numpy(np.ascontiguousarray(v))
         for k, v in {"x": x, "w": weight, "o": offset, "m": mask, "b": bias}.items()}  # fmt: skip
    (top, left, bottom, right), (sh, sw), (dh, dw) = attrs["pads"], attrs["strides"], attrs["dilations"]
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    oh, ow = offset.shape[2:]
    extra_h, extra_w = max(0, bottom - top), max(0, right - left)
    if extra_h or extra_w:  # zero rows at the bottom/right read as the outside does
        t["x"] = F.pad(t["x"], (0, extra_w, 0, extra_h))
    tv_h = (h + extra_h + 2 * top - dh * (kh - 1) - 1) // sh + 1
    tv_w = (w + extra_w + 2 * left - dw * (kw - 1) - 1) // sw + 1
    for key in ("o", "m"):  # torchvision's output is larger when top/left pads exceed bottom/right: crop it
        if t[key] is not None:
            t[key] = F.pad(t[key], (0, tv_w - ow, 0, tv_h - oh))
    y = torchvision.ops.deform_conv2d(t["x"], t["o"], t["w"], t["b"], stride=(sh, sw), padding=(top, left),
                                      dilation=(dh, dw), mask=t["m"])  # fmt: skip
    return y[:, :, :oh, :ow].contiguous().numpy()


def compare(spec: Spec, case: dict, got: list[np.ndarray], want: list[np.ndarray], what: str) -> None:
    assert len(got) == 1, f"{what}: {len(got)} outputs"
    value, magnitude = want
    dtype = value.dtype
    weight = dict(case["inputs"])["weight"]
    depth = weight.shape[1] * weight.shape[2] * weight.shape[3]
    info = np.finfo(dtype)
    tol = 4 * (depth + 8) * (float(info.eps) * magnitude + float(info.smallest_subnormal))
    # a sum this large could overflow in one order and not another: not compared (never drawn)
    unsafe = ~(magnitude * 4 * (depth + 8) < float(info.max) / 4)
    if unsafe.any():
        got, value = [np.where(unsafe, 0, got[0]).astype(dtype)], np.where(unsafe, 0, value).astype(dtype)
    assert_same_values(got[0], value, tol, what)


# Kernel bugs this harness found, not fixed yet: (id, what, predicate(spec, case)). A case that
# differs from the reference and fits one is counted under its id and the test ends as an
# xfail naming it; once no case that fits one differs any more, the test fails until the
# entry is removed (strict).
# None today: the first, a NaN or inf mask on an image with no rows or columns (0 where
# torchvision gives NaN), is fixed and tested in tests/test_deform_conv2d_ort.py.
KNOWN_FINDINGS: list = []
