// deform_conv2d's tile code for any CPU of the target architecture (baseline flags), and
// the dispatch between it and the AVX2 + FMA and AVX-512 builds (the only place that
// chooses; see kernels/common/cpu_isa.h).
#define SYMREG_ISA generic
#include "kernels/vision/deform_conv2d_tile_impl.h"

namespace symreg::kernels {

template <typename T>
TileBuild<T> TileBuildFor(CpuIsa isa) {
  switch (BestSupported(isa)) {
#ifdef SYMREG_AVX512_KERNELS
    case CpuIsa::kAvx512: return avx512::Build<T>();
#endif
#ifdef SYMREG_AVX2_KERNELS
    case CpuIsa::kAvx2: return avx2::Build<T>();
#endif
    default: return generic::Build<T>();
  }
}

template TileBuild<float> TileBuildFor<float>(CpuIsa);
template TileBuild<double> TileBuildFor<double>(CpuIsa);

}  // namespace symreg::kernels
