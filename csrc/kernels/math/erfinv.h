// Inverse error function: erfinv(erf(x)) == x.
#pragma once

#include <cstdint>

namespace symreg::kernels {

// erfinv(±1) = ±inf; NaN for |x| > 1 and for NaN; the sign of zero is kept.
// double: within a few ulp; float: computed in double, then rounded.
double erfinv(double x) noexcept;
float erfinv(float x) noexcept;

// y[i] = erfinv(x[i]) for i in [0, n); x and y may be the same buffer.
void erfinv(const double* x, double* y, int64_t n) noexcept;
void erfinv(const float* x, float* y, int64_t n) noexcept;

}  // namespace symreg::kernels
