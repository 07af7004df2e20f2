// lgamma's float loop (lgamma_impl.h) built with -mavx2 -mfma: 8 floats, 2 x 4 doubles a
// packet. Eigen is renamed for this file, as explained in
// kernels/vision/deform_conv2d_tile_avx2.cc; lgamma.cc chooses the build.
#define SYMREG_ISA avx2
#define Eigen symreg_eigen_avx2
#include "kernels/special/lgamma_impl.h"
