// deform_conv2d's tile code built with -mavx512f -mavx512dq -mavx512vl -mavx512bw -mfma
// (setup.py compiles files named *_avx512.cc with those flags, on x86-64 only, and links
// them after every other object). Eigen's AVX-512 GEMM runs the large-K shapes about
// 1.7x faster than its AVX2 one on the same CPU (Zen 4: 256 -> 256 channels, 3x3). Kept
// apart from the other builds as explained in deform_conv2d_tile_avx2.cc.
#define SYMREG_ISA avx512
#define Eigen symreg_eigen_avx512
#include "kernels/vision/deform_conv2d_tile_impl.h"
