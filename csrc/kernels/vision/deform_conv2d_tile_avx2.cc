// deform_conv2d's tile code built with -mavx2 -mfma (setup.py compiles files named
// *_avx2.cc with those flags, on x86-64 only, and links them after every other object).
// Without them Eigen uses SSE only, and its GEMM runs about 2x slower on the same CPU.
//
// Two builds of the same inline and template code in one library must not be mixed up
// by the linker, which keeps one copy of each: the tile code sits in namespace
// avx2 (SYMREG_ISA), Eigen is renamed for this file only, and anything else shared (a
// standard-library helper not inlined) resolves to the baseline copy, as this object is
// linked last. So baseline code never runs an AVX2 instruction.
#define SYMREG_ISA avx2
#define Eigen symreg_eigen_avx2
#include "kernels/vision/deform_conv2d_tile_impl.h"

