#include "kernels/common/cpu_isa.h"

#include <cstdlib>

namespace symreg::kernels {
namespace {

constexpr const char* kIsaNames[] = {"baseline", "avx2", "avx512"};  // CpuIsa's order

struct Detected {
  bool avx2 = false, avx512 = false;
};

// The builds this library has that this CPU runs.
Detected Detect() {
  Detected d;
#if defined(__x86_64__) || defined(__i386__)
  [[maybe_unused]] const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  [[maybe_unused]] const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                                       __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
#ifdef SYMREG_AVX2_KERNELS
  d.avx2 = avx2;
#endif
#ifdef SYMREG_AVX512_KERNELS
  d.avx512 = avx512;
#endif
#endif
  return d;
}

}  // namespace

const char* CpuIsaName(CpuIsa isa) { return kIsaNames[static_cast<int>(isa)]; }

bool ParseCpuIsa(const std::string& name, CpuIsa* isa) {
  for (int i = 0; i < 3; ++i) {
    if (name == kIsaNames[i]) {
      *isa = static_cast<CpuIsa>(i);
      return true;
    }
  }
  return false;
}

bool CpuSupports(CpuIsa isa) {
  static const Detected detected = Detect();  // thread-safe, once per process
  switch (isa) {
    case CpuIsa::kBaseline: return true;
    case CpuIsa::kAvx2: return detected.avx2;
    case CpuIsa::kAvx512: return detected.avx512;
  }
  return false;
}

CpuIsa BestSupported(CpuIsa isa) {
  if (isa >= CpuIsa::kAvx512 && CpuSupports(CpuIsa::kAvx512)) return CpuIsa::kAvx512;
  if (isa >= CpuIsa::kAvx2 && CpuSupports(CpuIsa::kAvx2)) return CpuIsa::kAvx2;
  return CpuIsa::kBaseline;
}

CpuIsa DefaultCpuIsa() {
  static const CpuIsa isa = [] {
    CpuIsa requested = CpuIsa::kAvx512;
    if (const char* env = std::getenv("SYMREG_CPU_ISA")) ParseCpuIsa(env, &requested);  // unknown: ignored
    return BestSupported(requested);
  }();
  return isa;
}

}  // namespace symreg::kernels
