// deform_conv2d's tile code for any CPU of the target architecture (baseline flags), and
// the dispatch between it and the AVX2 + FMA and AVX-512 builds.
#define SYMREG_ISA generic
#include "kernels/vision/deform_conv2d_tile_impl.h"

namespace symreg::kernels {
namespace {

bool HasAvx512() {
#if defined(SYMREG_AVX512_KERNELS) && (defined(__x86_64__) || defined(__i386__))
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

bool HasAvx2Fma() {
#if defined(SYMREG_AVX2_KERNELS) && (defined(__x86_64__) || defined(__i386__))
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace

template <typename T>
void RunTile(const TileJob<T>& job) {
#ifdef SYMREG_AVX512_KERNELS
  if (HasAvx512()) return avx512::RunTile(job);
#endif
#ifdef SYMREG_AVX2_KERNELS
  if (HasAvx2Fma()) return avx2::RunTile(job);
#endif
  generic::RunTile(job);
}

template void RunTile<float>(const TileJob<float>&);
template void RunTile<double>(const TileJob<double>&);

}  // namespace symreg::kernels
