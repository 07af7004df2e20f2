// The float32 lgamma loop on SIMD packets (Eigen's packet math), included once per
// instruction set (lgamma.cc: baseline, lgamma_avx2.cc, lgamma_avx512.cc), each defining
// SYMREG_ISA, the namespace that keeps the copies apart.
//
// Each float is widened to double, lgamma is evaluated in double and rounded once to float.
// The algorithm is Cephes' lgam (S. Moshier, BSD licence; the double-precision one, whose
// float version lgamf has too little precision to round from), made branch-free:
//  - t = x for x > 0; for x < 0 the reflection lgamma(x) = log(pi / |sin(pi x)|) - lgamma(t),
//    t = 1 - x (exact in double), with sin(pi x) = ±sin(pi r), r = x - rint(x) (exact), so
//    that the sine never sees a rounded multiple of pi.
//  - t >= 7: Stirling's series (t - 1/2) log t - t + log(2 pi) / 2 + sum B2k / (2k (2k-1) t^(2k-1)),
//    k <= 7 (truncation < 7e-15 at t = 7).
//  - t < 7: at most two steps up (t < 2) or four down (t >= 3) to u = 2 + z in [2, 3), lgamma(t)
//    = log(num) - log(den) + lgamma(u), lgamma(u) = z B(z) / C(z) (Cephes' rational):
//    exactly 0 at 1 and 2, and relative accuracy near both zeros (z and log(den) both vanish
//    there).
// Measured against float64 lgamma (torch's, math.lgamma) rounded to float: within 1 ulp over
// every 16th float in [-20, 40], every float within 4096 steps of each zero of lgamma down to -6
// and a log sweep up to FLT_MAX; tests/kernels/test_lgamma.py checks every 1999th float, the
// same windows and sweep in each build, and that the builds agree bit for bit. Near the
// negative zeros lgamma is the difference of two O(1) values, so the error there is an absolute
// one (of the double evaluation, ~1e-15), which stayed under half an ulp of every float tried;
// torch's SLEEF lgammaf is off by up to ~7000 ulp (4.7e-7) there. A value's result does not
// depend on where it sits in the array (nor, then, on the thread count).
#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including lgamma_impl.h"
#endif

#include <limits>

#include "kernels/common/packet_double.h"
#include "kernels/special/lgamma.h"

namespace symreg::kernels::SYMREG_ISA {
namespace {

namespace lgamma_detail {

// Cephes lgam's rational for lgamma(2 + z), z in [0, 1): z B(z) / C(z), C monic.
constexpr double kB[] = {-1.37825152569120859100E3, -3.88016315134637840924E4, -3.31612992738871184744E5,
                         -1.16237097492762307383E6, -1.72173700820839662146E6, -8.53555664245765465627E5};
constexpr double kC[] = {1.0,
                         -3.51815701436523470549E2,
                         -1.70642106651881159223E4,
                         -2.20528590553854454839E5,
                         -1.13933444367982507207E6,
                         -2.53252307177582951285E6,
                         -2.01889141433532773231E6};
// Stirling's series in w = 1/t: w (1/12 - w^2/360 + w^4/1260 - ...), B2k / (2k (2k - 1)).
constexpr double kStirling[] = {1.0 / 156.0,  -691.0 / 360360.0, 1.0 / 1188.0, -1.0 / 1680.0,
                                1.0 / 1260.0, -1.0 / 360.0,      1.0 / 12.0};
// sin(s) / s - 1 = s^2 (-1/3! + s^2/5! - ...), through s^16/17!: below 5e-14 relative for
// s <= pi/2.
constexpr double kSin[] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0, 1.0 / 6227020800.0,
                           -1.0 / 39916800.0,       1.0 / 362880.0,         -1.0 / 5040.0,
                           1.0 / 120.0,             -1.0 / 6.0};
constexpr double kHalfLog2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))
constexpr double kLogPi = 1.14472988584940017414;
constexpr double kPi = 3.14159265358979323846;

template <int N>
inline PD Horner(const double (&c)[N], const PD& t) {
  PD p = ei::pset1<PD>(c[0]);
  for (int i = 1; i < N; ++i) p = ei::pmadd(p, t, ei::pset1<PD>(c[i]));
  return p;
}

// log(x) for a positive, normal, finite x (anything else gives garbage, never a trap): Cephes'
// log (the algorithm and coefficients of Eigen's plog_double), without the handling of 0,
// subnormals, negatives, inf and NaN that took a third of this kernel's time; ln 2 in two parts
// (Cephes' C1, C2), the first exact in e's product.
inline PD LogNormal(const PD& x) {
  const PD one = ei::pset1<PD>(1.0);
  PD e = ei::psub(ei::pfrexp_generic_get_biased_exponent(x), ei::pset1<PD>(1023.0));
  PD m = ei::por(ei::pand(x, ei::pset1frombits<PD>(uint64_t{0x000fffffffffffff})), one);  // [1, 2)
  const PD high = ei::pcmp_lt(ei::pset1<PD>(1.41421356237309504880), m);
  m = ei::pselect(high, ei::pmul(m, ei::pset1<PD>(0.5)), m);  // [sqrt(1/2), sqrt(2)), f = m - 1 exact
  e = ei::padd(e, ei::pand(high, one));
  const PD f = ei::psub(m, one);
  const PD f2 = ei::pmul(f, f);
  const PD f3 = ei::pmul(f2, f);
  // log(1 + f) = f - f^2 / 2 + f^3 P(f) / Q(f)
  PD p = ei::pmadd(ei::pset1<PD>(1.01875663804580931796E-4), f, ei::pset1<PD>(4.97494994976747001425E-1));
  PD p1 = ei::pmadd(ei::pset1<PD>(1.44989225341610930846E1), f, ei::pset1<PD>(1.79368678507819816313E1));
  p = ei::pmadd(p, f, ei::pset1<PD>(4.70579119878881725854E0));
  p1 = ei::pmadd(p1, f, ei::pset1<PD>(7.70838733755885391666E0));
  p = ei::pmadd(p, f3, p1);
  PD q = ei::padd(f, ei::pset1<PD>(1.12873587189167450590E1));
  PD q1 = ei::pmadd(ei::pset1<PD>(8.29875266912776603211E1), f, ei::pset1<PD>(7.11544750618563894466E1));
  q = ei::pmadd(q, f, ei::pset1<PD>(4.52279145837532221105E1));
  q1 = ei::pmadd(q1, f, ei::pset1<PD>(2.31251620126765340583E1));
  q = ei::pmadd(q, f3, q1);
  PD y = ei::pmadd(e, ei::pset1<PD>(-2.121944400546905827679E-4), ei::pdiv(ei::pmul(p, f3), q));
  y = ei::pmadd(ei::pset1<PD>(-0.5), f2, y);
  return ei::pmadd(e, ei::pset1<PD>(0.693359375), ei::padd(f, y));
}

// lgamma(t) for t > 0 (any double; garbage for others, which the caller replaces).
inline PD Positive(const PD& t) {
  const PD one = ei::pset1<PD>(1.0);
  const PD two = ei::pset1<PD>(2.0);
  const PD big = ei::pcmp_le(ei::pset1<PD>(7.0), t);
  // Below 7: lgamma(t) = lgamma(2 + z) + log(num) - log(den), z = t - floor(t) (exact), with
  // den = t (t in [1, 2)) or t (t + 1) (t < 1), num = (t - 1) (t - 2) ... down to the factor
  // in [2, 3) (t >= 3); one of num and den is 1, so one log serves. The factors are
  // independent: no chain of steps.
  const PD up = ei::pcmp_lt(t, two);
  const PD den = ei::pmul(ei::pselect(up, t, one), ei::pselect(ei::pcmp_lt(t, one), ei::padd(t, one), one));
  PD f[4];
  for (int i = 0; i < 4; ++i) {
    const PD factor = ei::psub(t, ei::pset1<PD>(i + 1.0));
    f[i] = ei::pselect(ei::pcmp_le(two, factor), factor, one);
  }
  const PD num = ei::pmul(ei::pmul(f[0], f[1]), ei::pmul(f[2], f[3]));
  const PD z = ei::psub(t, ei::pfloor(t));
  // One division serves both branches: z B(z) / C(z) below 7, 1 / t from 7 on.
  const PD q = ei::pdiv(ei::pselect(big, one, ei::pmul(z, Horner(kB, z))), ei::pselect(big, t, Horner(kC, z)));
  const PD l = LogNormal(ei::pselect(big, t, ei::pselect(up, den, num)));
  const PD stirling =
      ei::padd(ei::psub(ei::pmul(ei::psub(t, ei::pset1<PD>(0.5)), l), t),
               ei::padd(ei::pset1<PD>(kHalfLog2Pi), ei::pmul(q, Horner(kStirling, ei::pmul(q, q)))));
  return ei::pselect(big, stirling, ei::padd(ei::pselect(up, ei::pnegate(l), l), q));
}

// lgamma(x) on the double lanes of half a packet; any_neg: whether the packet has x < 0.
inline PD Lgamma(const PD& x, bool any_neg) {
  const PD zero = ei::pzero(x);
  const PD inf = ei::pset1<PD>(std::numeric_limits<double>::infinity());
  const PD neg = ei::pcmp_lt(x, zero);
  const PD t = ei::pselect(neg, ei::psub(ei::pset1<PD>(1.0), x), x);
  PD y = Positive(t);
  const PD r = ei::psub(x, ei::print(x));  // exact; |r| <= 1/2; 0 for every |x| >= 2^52
  if (any_neg) {
    const PD s = ei::pmul(ei::pset1<PD>(kPi), ei::pabs(r));
    const PD s2 = ei::pmul(s, s);
    const PD sin = ei::pmadd(ei::pmul(s, s2), Horner(kSin, s2), s);  // sin(pi |r|) = |sin(pi x)|
    y = ei::pselect(neg, ei::psub(ei::psub(ei::pset1<PD>(kLogPi), LogNormal(sin)), y), y);
  }
  // Poles: 0, -0 and the negative integers (every float below -2^23); then ±inf, then NaN.
  y = ei::pselect(ei::pand(ei::pcmp_le(x, zero), ei::pcmp_eq(r, zero)), inf, y);
  y = ei::pselect(ei::pcmp_eq(ei::pabs(x), inf), inf, y);
  return ei::pselect(ei::pcmp_eq(x, x), y, x);
}

// y[0, kLanes) from x[0, kLanes); x and y may be the same buffer.
inline void Packet(const float* x, float* y) {
  const PF xf = ei::ploadu<PF>(x);
  const bool any_neg = ei::predux_any(ei::pcmp_lt(xf, ei::pzero(xf)));
  PD lo, hi;
  Widen(xf, &lo, &hi);
  ei::pstoreu(y, Narrow(Lgamma(lo, any_neg), Lgamma(hi, any_neg)));
}

}  // namespace lgamma_detail
}  // namespace
}  // namespace symreg::kernels::SYMREG_ISA

namespace symreg::kernels::special::SYMREG_ISA {

void simd_lgamma(const float* x, float* y, int64_t n) noexcept {
  using ::symreg::kernels::SYMREG_ISA::MapPackets;
  MapPackets(x, y, n, ::symreg::kernels::SYMREG_ISA::lgamma_detail::Packet);
}

}  // namespace symreg::kernels::special::SYMREG_ISA
