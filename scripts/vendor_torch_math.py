"""Writes csrc/kernels/special/torch_math.h: torch's special functions, vendored from the
aten/src/ATen/native/Math.h that the installed torch wheel ships (torch/include/ATen/native/Math.h).

Copies the line ranges below as they are and rewrites the few ATen spellings they use:
``C10_HOST_DEVICE`` and the UBSan attributes go, ``at::acc_type`` on the CPU is double,
``c10::pi<T>`` is ``kPi<T>``, and the polynomials' cast of a float degree to int64 (undefined
behaviour in C++ for NaN, ±inf and values past int64) is :code:`TruncToInt64`, which gives what
the x86-64 instruction that torch's build compiles it to gives: INT64_MIN. ``std::lgamma`` is
:code:`LgammaR`: the same value from ``lgamma_r``, which does not write the global ``signgam``
(a data race between ORT's threads).

Run it again (``python scripts/vendor_torch_math.py``) after a torch upgrade and review the diff.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent.parent
SOURCE = Path(torch.__file__).parent / "include" / "ATen" / "native" / "Math.h"
TARGET = HERE / "csrc" / "kernels" / "special" / "torch_math.h"

#: Markers that open and close each copied block: (first line, line after which to stop), both verbatim text.
BLOCKS = [
    ("/*\n * Note [3-Clause BSD License for the Cephes Math Library]", "} // polevl"),
    ("/*\n * This function is derived from the implementation of the digamma function", "} // calc_digamma(float)"),
    ("// regularized lower incomplete gamma", "} // calc_igamma"),
    (("/*\n * This function is derived from the implementation of the i1e function in the Cephes Math Library.\n"
      " * See note [3-Clause BSD License for the Cephes Math Library].\n *\n * Computes the argument, x,"),
     "} // calc_ndtri"),
    ("template<typename T>\ninline C10_HOST_DEVICE T airy_ai_forward(T x)",
     "} // shifted_chebyshev_polynomial_w_forward(T x, T n)"),
]  # fmt: skip

HEADER = """\
// torch's special functions, vendored: the text of aten/src/ATen/native/Math.h from PyTorch
// {version} (BSD-3-Clause; the code derives from the Cephes Math Library, SciPy and Boost,
// whose licenses are in THIRD_PARTY_NOTICES), the ATen spellings rewritten to plain C++ by
// scripts/vendor_torch_math.py, which wrote this file. Do not edit it by hand: edit the
// script and run it again. torch's code is what symreg's ops are checked against, so the
// same code runs here; csrc/kernels/special/special_impl.inc calls it.
//
// Everything is in an unnamed namespace on purpose: the baseline and the AVX2 build
// (special.cc, special_avx2.cc) each include it, and internal linkage keeps the linker
// from merging the two builds' template instances into one.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <type_traits>

// NOLINTBEGIN
namespace symreg::kernels {{
namespace {{

template <typename T>
constexpr T kPi = T(3.14159265358979323846264338327950288);

// static_cast<int64_t>(n) as torch's x86-64 build computes it (cvttsd2si): the truncated
// value where it fits, INT64_MIN for NaN, ±inf and anything past int64 (where C++ leaves
// the cast undefined).
template <typename T>
inline int64_t TruncToInt64(T n) {{
  constexpr T kLimit = T(9223372036854775808.0);  // 2^63
  return (n > -kLimit && n < kLimit) ? static_cast<int64_t>(n) : std::numeric_limits<int64_t>::min();
}}

// std::lgamma without its write to the global signgam (a data race between the threads
// that run kernels): lgamma_r / lgammaf_r, the function glibc's lgamma / lgammaf call, so the
// values are the same bit for bit.
inline double LgammaR(double x) {{
  int sign;
  return ::lgamma_r(x, &sign);
}}
inline float LgammaR(float x) {{
  int sign;
  return ::lgammaf_r(x, &sign);
}}

"""
FOOTER = """
}  // namespace
}  // namespace symreg::kernels
// NOLINTEND
"""

REWRITES = [
    (r"C10_HOST_DEVICE\s*", ""),
    (r"\s*__ubsan_ignore_float_divide_by_zero__", ""),
    (r"__ubsan_ignore_float_cast_overflow__\s*", ""),
    (r"at::acc_type<scalar_t, is_cuda>", "double"),  # the CPU accumulate type of float and double
    (r"c10::pi<", "kPi<"),
    (r"static_cast<int64_t>\(n\)", "TruncToInt64(n)"),
    (r"std::lgamma\(", "LgammaR("),
]


def _close(text: str, start: int, end_marker: str) -> int:
    """The end of the block opened at ``start``: past the line holding ``end_marker``'s closing brace."""
    _, _, comment = end_marker.partition(" // ")
    if comment in ("polevl", "calc_digamma(float)", "calc_igamma", "calc_ndtri"):
        # these functions end with a bare "}" at column 0: the first one after their signature
        sig = {"polevl": "inline T polevl(", "calc_digamma(float)": "inline float calc_digamma(float x)",
               "calc_igamma": "scalar_t calc_igamma(scalar_t a, scalar_t x)",
               "calc_ndtri": "inline C10_HOST_DEVICE T calc_ndtri(T y0)"}[comment]  # fmt: skip
        at = text.index(sig, start)
        return text.index("\n}\n", at) + 3
    return text.index(end_marker, start) + len(end_marker) + 1


def main() -> int:
    text = SOURCE.read_text()
    parts, at = [], 0
    for begin, end in BLOCKS:  # in file order, each searched after the one before
        start = text.index(begin, at)
        at = _close(text, start, end)
        parts.append(text[start:at])
    body = "\n".join(parts)
    for pattern, replacement in REWRITES:
        body = re.sub(pattern, replacement, body)
    for leftover in ("c10::", "at::", "C10_", "__ubsan"):
        if leftover in body:
            sys.exit(f"vendor_torch_math: {leftover!r} is left in the vendored code; add a rewrite")
    TARGET.write_text(HEADER.format(version=torch.__version__.split("+")[0]) + body + FOOTER)
    print(f"wrote {TARGET.relative_to(HERE)} from {SOURCE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
