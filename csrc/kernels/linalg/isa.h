// Which build of the linalg kernels runs (cholesky, eigh, lu, qr, svd). Each kernel's math
// is in its *_impl.h, included by its .cc (namespace baseline: SSE2 packets on x86-64) and
// by its *_avx2.cc (namespace avx2, built with -mavx2 -mfma, Eigen renamed as explained in
// kernels/vision/deform_conv2d_tile_avx2.cc); the .cc dispatches with SYMREG_LINALG_RUN.
// No AVX-512 build: Eigen's blocked Householder, tridiagonal, bidiagonal, LLT and LU code
// ran no faster with it than with AVX2 (float32, 16 x 256 x 256, Zen 4), where AVX2 gave
// 1.3x (svd) to 1.9x (qr, cholesky) over SSE2.
#pragma once

#include "kernels/common/cpu_isa.h"

namespace symreg::kernels {

// Whether the AVX2 + FMA build runs: the CPU has it and DefaultCpuIsa() allows it.
inline bool LinalgRunsAvx2() {
  static const bool avx2 = BestSupported(DefaultCpuIsa()) >= CpuIsa::kAvx2;
  return avx2;
}

}  // namespace symreg::kernels

// `return build::call`, the build chosen by LinalgRunsAvx2.
#ifdef SYMREG_AVX2_KERNELS
#define SYMREG_LINALG_RUN(call) return LinalgRunsAvx2() ? avx2::call : baseline::call
#else
#define SYMREG_LINALG_RUN(call) return baseline::call
#endif
