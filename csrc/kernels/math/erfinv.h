// Inverse error function: erfinv(erf(x)) == x.
#pragma once

#include <cstdint>

namespace symreg::kernels {

// erfinv(±1) = ±inf; NaN for |x| > 1 and for NaN; the sign of zero is kept.
// double: a first guess (Giles' single-precision fit, or an asymptotic formula where
// 1 - |x| < 1e-7) refined by two Newton/Halley steps: within ~1 ulp.
// float: Giles' fit alone, evaluated in double and rounded: relative error <= 1.7e-7.
// Past the fit's range (1 - |x| < 1e-7) the double path with one step (< 2e-9 relative
// error) instead; below |x| = 1e-8 the series x sqrt(pi) / 2.
double erfinv(double x) noexcept;
float erfinv(float x) noexcept;

// y[i] = erfinv(x[i]) for i in [0, n); x and y may be the same buffer.
void erfinv(const double* x, double* y, int64_t n) noexcept;
void erfinv(const float* x, float* y, int64_t n) noexcept;

}  // namespace symreg::kernels
