// The LU kernel (lu_impl.h) built with -mavx2 -mfma; Eigen renamed for this file as
// explained in kernels/vision/deform_conv2d_tile_avx2.cc. lu.cc chooses the build.
#define SYMREG_ISA avx2
#define Eigen symreg_eigen_avx2
#include "kernels/linalg/lu_impl.h"
