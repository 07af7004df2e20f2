// lgamma's float loop (lgamma_impl.h) built with AVX-512 (F, DQ, VL, BW) and FMA: 16
// floats, 2 x 8 doubles a packet. Eigen is renamed for this file, as explained in
// kernels/vision/deform_conv2d_tile_avx2.cc; lgamma.cc chooses the build.
#define SYMREG_ISA avx512
#define Eigen symreg_eigen_avx512
#include "kernels/special/lgamma_impl.h"
