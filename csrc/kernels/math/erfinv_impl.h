// The float32 erfinv loop on SIMD packets (Eigen's packet math), included once per
// instruction set (erfinv.cc: baseline, erfinv_avx2.cc, erfinv_avx512.cc), each defining
// SYMREG_ISA, the namespace that keeps the copies apart (see
// kernels/vision/deform_conv2d_tile_avx2.cc for why Eigen is renamed in the ISA files).
//
// Per packet of floats: q = 1 - a^2 rounded once to float (a = |x|), w = -log(q) with a
// float log (NegLog) whose two parts, e ln 2 (exact) and the log of the mantissa, are
// added in double, then Giles' fit (the polynomials of the scalar kernel, erfinv.cc)
// evaluated in double, times x in double, rounded once to float. The fit runs in double
// as in the scalar kernel; what float adds is q's rounding and the mantissa log's ~1 ulp
// (of a value below 0.41), which move the result by well under 0.1 ulp. Measured against
// torch.erfinv in float64 over every float in [0.5, 1) and every 5th one below, both
// signs, in each build: max relative error 1.81e-7 (the scalar kernel: 1.72e-7; the fit
// itself: 1.25e-7, plus the final rounding). Lanes outside the fit's range (|x| > 1 - 1e-7,
// |x| >= 1, NaN) take the scalar kernel; |x| < 1e-8 gets x sqrt(pi) / 2 as there. A value's
// result does not depend on where it sits in the array (nor, then, on the thread count).
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including erfinv_impl.h"
#endif

#include <cstring>

#include "kernels/common/packet_double.h"
#include "kernels/math/erfinv.h"

namespace symreg::kernels::SYMREG_ISA {
namespace {

// -log(q) = *big + *small for q in [2^-23, 1] (positive, normal: 1 - a^2 for any a of the
// fit's range), in float: *big = -e * 0.693359375 (exact), *small the rest (|*small| < 0.42),
// for the caller to add in double. Cephes' logf (S. Moshier, BSD licence), the algorithm of
// Eigen's plog_float, without the handling of 0, subnormals, negatives, inf and NaN that q
// never needs here and that took half of this kernel's time with Eigen's plog.
inline void NegLog(const PF& q, PF* big, PF* small) {
  using PI = ei::unpacket_traits<PF>::integer_packet;
  const PF one = ei::pset1<PF>(1.0f);
  const PI bits = ei::preinterpret<PI>(q);
  PF e = ei::pcast<PI, PF>(ei::psub(ei::plogical_shift_right<23>(bits), ei::pset1<PI>(126)));
  const PF m = ei::preinterpret<PF>(ei::por(ei::pand(bits, ei::pset1<PI>(0x007fffff)), ei::pset1<PI>(0x3f000000)));
  // m in [0.5, 1); below sqrt(1/2) take 2m and e - 1, so that f = m - 1 is in [-0.29, 0.41]
  // (both steps exact).
  const PF low = ei::pcmp_lt(m, ei::pset1<PF>(0.707106781186547524f));
  e = ei::psub(e, ei::pand(one, low));
  const PF f = ei::padd(ei::psub(m, one), ei::pand(m, low));
  constexpr float kP[] = {7.0376836292e-2f,  -1.1514610310e-1f, 1.1676998740e-1f,
                          -1.2420140846e-1f, 1.4249322787e-1f,  -1.6668057665e-1f,
                          2.0000714765e-1f,  -2.4999993993e-1f, 3.3333331174e-1f};
  PF p = ei::pset1<PF>(kP[0]);
  for (int i = 1; i < 9; ++i) p = ei::pmadd(p, f, ei::pset1<PF>(kP[i]));
  const PF f2 = ei::pmul(f, f);
  // log(1 + f) = f - f^2/2 + f^3 P(f); e ln 2 in two parts, the first exact in e's product.
  PF r = ei::pmul(ei::pmul(p, f2), f);
  r = ei::pmadd(e, ei::pset1<PF>(-2.12194440e-4f), r);
  r = ei::pmadd(f2, ei::pset1<PF>(-0.5f), r);
  *small = ei::pnegate(ei::padd(f, r));
  *big = ei::pmul(e, ei::pset1<PF>(-0.693359375f));  // exact: |e| < 2^8, 0.693359375 has 9 bits
}

// Giles' fits (erfinv.cc, GilesGuess): p(w - 2.5) for w < 5, p(sqrt(w) - 3) beyond.
constexpr double kCentral[] = {2.81022636e-08,  3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                               -0.00125372503, -0.00417768164, 0.246640727,    1.50140941};
constexpr double kTail[] = {-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                            -0.0076224613,   0.00943887047,  1.00167406,    2.83297682};

inline PD Horner(const double (&c)[9], const PD& t) {
  PD p = ei::pset1<PD>(c[0]);
  for (int i = 1; i < 9; ++i) p = ei::pmadd(p, t, ei::pset1<PD>(c[i]));
  return p;
}

inline PD Central(const PD& w) { return Horner(kCentral, ei::psub(w, ei::pset1<PD>(2.5))); }

// erfinv(x) on the double lanes of half a packet, w = -log(1 - x^2) (the fit is odd: p(w) x
// carries x's sign, and that of zero), for any x of the fit's range.
inline PD General(const PD& w, const PD& x) {
  const PD far = Horner(kTail, ei::psub(ei::psqrt(w), ei::pset1<PD>(3.0)));
  const PD y = ei::pmul(ei::pselect(ei::pcmp_lt(w, ei::pset1<PD>(5.0)), Central(w), far), x);
  constexpr double kHalfSqrtPi = 0.88622692545275801365;  // below 1e-8: x sqrt(pi) / 2, as the scalar kernel
  return ei::pselect(ei::pcmp_lt(ei::pabs(x), ei::pset1<PD>(1e-8)), ei::pmul(x, ei::pset1<PD>(kHalfSqrtPi)), y);
}

// y[0, kLanes) from x[0, kLanes); x and y may be the same buffer.
inline void Packet(const float* x, float* y) {
  const PF xf = ei::ploadu<PF>(x);
  const PF a = ei::pabs(xf);
  PD x_lo, x_hi;
  Widen(xf, &x_lo, &x_hi);
  // q = 1 - a^2 rounded once: with an FMA, or else exactly in double (24-bit a: 50-bit product).
#ifdef __FMA__
  const PF q = ei::pmadd(ei::pnegate(a), a, ei::pset1<PF>(1.0f));
#else
  const PD one_d = ei::pset1<PD>(1.0);
  const PF q = Narrow(ei::pmul(ei::psub(one_d, x_lo), ei::padd(one_d, x_lo)),
                      ei::pmul(ei::psub(one_d, x_hi), ei::padd(one_d, x_hi)));
#endif
  // w = big + small in double: only small (|small| < 0.41) carries float rounding.
  PF big, small;  // garbage for lanes outside the fit's range, which are replaced
  NegLog(q, &big, &small);
  PD w_lo, w_hi, s_lo, s_hi;
  Widen(big, &w_lo, &w_hi);
  Widen(small, &s_lo, &s_hi);
  w_lo = ei::padd(w_lo, s_lo);
  w_hi = ei::padd(w_hi, s_hi);
  // The usual packet: every lane in [1e-8, 0.9966], where w < 5 (w(0.9966) = 4.993): the
  // central fit alone. (1e-8f < 1e-8, so a > 1e-8f is a >= 1e-8.)
  const PF unusual = ei::por(ei::pcmp_le(a, ei::pset1<PF>(1e-8f)), ei::pcmp_lt_or_nan(ei::pset1<PF>(0.9966f), a));
  if (!ei::predux_any(unusual)) {
    ei::pstoreu(y, Narrow(ei::pmul(Central(w_lo), x_lo), ei::pmul(Central(w_hi), x_hi)));
    return;
  }
  // The fit's range: a <= 1 - 1e-7 (as double; 0.99999988f is the last float there).
  // Beyond it, ±1, |x| > 1 and NaN (the comparison is false) go to the scalar kernel.
  float in[kLanes], outside[kLanes];
  std::memcpy(in, x, sizeof in);  // x may be y
  ei::pstoreu(outside, ei::pcmp_lt_or_nan(ei::pset1<PF>(0.99999988f), a));
  ei::pstoreu(y, Narrow(General(w_lo, x_lo), General(w_hi, x_hi)));
  for (int i = 0; i < kLanes; ++i) {
    if (outside[i] != 0.0f) y[i] = ::symreg::kernels::erfinv(in[i]);  // all bits set: a NaN, never 0
  }
}

}  // namespace

void erfinv(const float* x, float* y, int64_t n) noexcept { MapPackets(x, y, n, Packet); }

}  // namespace symreg::kernels::SYMREG_ISA
