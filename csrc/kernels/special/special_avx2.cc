// The special functions built with -mavx2 -mfma (setup.py compiles files named *_avx2.cc
// with those flags, on x86-64 only, and links them last); special.cc chooses the build.
#define SYMREG_ISA avx2
#include "kernels/special/special_impl.inc"
