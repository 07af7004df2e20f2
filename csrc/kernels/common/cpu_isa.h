// Which instruction-set build of a kernel to run. setup.py compiles sources named
// *_avx2.cc and *_avx512.cc with those instruction sets (x86-64 only) and then defines
// SYMREG_AVX2_KERNELS / SYMREG_AVX512_KERNELS for every source; the CPU is checked here,
// at run time, before any such build is called.
#pragma once

#include <string>

namespace symreg::kernels {

// In order: each runs on every CPU that runs the next.
enum class CpuIsa { kBaseline, kAvx2, kAvx512 };

// "baseline", "avx2", "avx512".
const char* CpuIsaName(CpuIsa isa);

// *isa = the ISA called `name` (as CpuIsaName spells it); false for any other name.
bool ParseCpuIsa(const std::string& name, CpuIsa* isa);

// Whether this CPU runs isa and this library has its build.
bool CpuSupports(CpuIsa isa);

// The best ISA at most `isa` that CpuSupports (kBaseline at worst).
CpuIsa BestSupported(CpuIsa isa);

// The ISA that kernels run unless told otherwise, fixed for the process: the best the
// CPU supports, or the environment variable SYMREG_CPU_ISA ("avx512", "avx2",
// "baseline") where it names a lower one (to test or benchmark that build). A value the
// CPU cannot run gives the best ISA below it that it can; an unknown value is ignored.
CpuIsa DefaultCpuIsa();

}  // namespace symreg::kernels
