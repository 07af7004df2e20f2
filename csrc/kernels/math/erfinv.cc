#include "kernels/math/erfinv.h"

#include <cmath>
#include <limits>

#include "kernels/common/cpu_isa.h"

namespace symreg::kernels {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kSqrtPi = 1.7724538509055160273;
constexpr double kHalfSqrtPi = 0.88622692545275801365;
constexpr double kTwoOverSqrtPi = 1.1283791670955125739;

// Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), its
// single-precision fit: relative error ~1e-7 while 1 - a >= 1e-7.
double GilesGuess(double a, double one_minus_a) {
  double w = -std::log(one_minus_a * (1.0 + a));
  double p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return p * a;
}

// Giles' fit degrades past its float range (1 - a < 1e-7, where double still
// has values); there, solve erfc(x) ~ exp(-x^2) / (x sqrt(pi)) (1 - 1/(2x^2) +
// 3/(4x^4)) for x: relative error < 1e-4.
double TailGuess(double one_minus_a) {
  const double t = -std::log(one_minus_a);
  const double x = std::sqrt(t - 0.5 * std::log(kPi * t));
  const double x2 = x * x;
  return std::sqrt(t - std::log(x * kSqrtPi) + std::log1p(-0.5 / x2 + 0.75 / (x2 * x2)));
}

// Halley step on erf(x) - a; used for a < 0.5, where erf(x) is far from 1.
double HalleyStep(double x, double a) {
  const double u = (std::erf(x) - a) / (kTwoOverSqrtPi * std::exp(-x * x));
  return x - u / (1.0 + x * u);
}

// Newton step on log(erfc(x) / q), q = 1 - a: erf(x) - a would cancel near 1,
// and the log is near-linear in x^2 in the tail, so it converges from afar.
double LogNewtonStep(double x, double q) {
  const double e = std::erfc(x);
  return x + std::log1p((e - q) / q) * e / (kTwoOverSqrtPi * std::exp(-x * x));
}

// Each step squares (Newton) or cubes (Halley) the relative error: one step
// gets the <1e-4 guesses below 2e-9, the second to ~1 ulp (2.3e-16 relative,
// checked against mpmath).
double Erfinv(double x, int steps) noexcept {
  const double a = std::fabs(x);
  if (!(a <= 1.0)) return std::numeric_limits<double>::quiet_NaN();
  if (a == 1.0) return std::copysign(std::numeric_limits<double>::infinity(), x);
  // Below 1e-8 the series x sqrt(pi)/2 (1 + pi/12 x^2 + ...) is x sqrt(pi)/2 to
  // rounding; this also keeps the sign of zero and spares subnormals erf's
  // cancellation.
  if (a < 1e-8) return x * kHalfSqrtPi;
  const double q = 1.0 - a;  // exact for a >= 0.5 (Sterbenz)
  double r = q < 1e-7 ? TailGuess(q) : GilesGuess(a, q);
  for (int i = 0; i < steps; ++i) r = a < 0.5 ? HalleyStep(r, a) : LogNewtonStep(r, q);
  return std::copysign(r, x);
}

}  // namespace

double erfinv(double x) noexcept { return Erfinv(x, 2); }

// Giles' fit alone is within 1.7e-7 of erfinv once rounded to float (measured over every
// float in [0.5, 1) and a log sweep below), inside float32's 1e-6 bar and 5x cheaper than a
// refinement step; only the tail past the fit's range and the tiny-|x| series take Erfinv.
float erfinv(float x) noexcept {
  const double a = std::fabs(static_cast<double>(x));
  if (a >= 1e-8 && a <= 1.0 - 1e-7) return static_cast<float>(std::copysign(GilesGuess(a, 1.0 - a), x));
  return static_cast<float>(Erfinv(x, 1));  // one step: < 2e-9 relative error
}

void erfinv(const double* x, double* y, int64_t n) noexcept {
  for (int64_t i = 0; i < n; ++i) y[i] = erfinv(x[i]);
}

void erfinv(const float* x, float* y, int64_t n) noexcept {
  static const CpuIsa isa = BestSupported(DefaultCpuIsa());
  switch (isa) {
#ifdef SYMREG_AVX512_KERNELS
    case CpuIsa::kAvx512: return avx512::erfinv(x, y, n);
#endif
#ifdef SYMREG_AVX2_KERNELS
    case CpuIsa::kAvx2: return avx2::erfinv(x, y, n);
#endif
    default: return baseline::erfinv(x, y, n);
  }
}

}  // namespace symreg::kernels

// The baseline build of the float array loop (SSE2 packets on x86-64).
#define SYMREG_ISA baseline
#include "kernels/math/erfinv_impl.h"
#undef SYMREG_ISA
