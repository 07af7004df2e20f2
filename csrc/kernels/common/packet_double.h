// Float packets evaluated in double: Eigen's packet types of one instruction-set build and
// the conversions between a float packet and two double packets. Included by the SIMD
// kernels that run once per build (kernels/math/erfinv_impl.h, kernels/special/lgamma_impl.h)
// after they define SYMREG_ISA, the namespace that keeps each build's copy apart (see
// kernels/vision/deform_conv2d_tile_avx2.cc for why Eigen is renamed in the ISA files).
#pragma once

#ifndef SYMREG_ISA
#error "define SYMREG_ISA before including packet_double.h"
#endif

#include <cstdint>
#include <cstring>

// Set before the intrinsics headers are read: GCC 12 reports their _mm512_undefined_*()
// placeholders as uninitialised once inlined here (a known false positive).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#define EIGEN_DONT_PARALLELIZE
#include <Eigen/Core>

#if defined(__SSE2__)
#include <immintrin.h>
#endif

// Packet types as template arguments: their alignment attributes are ignored there.
#pragma GCC diagnostic ignored "-Wignored-attributes"

namespace symreg::kernels::SYMREG_ISA {
namespace {

namespace ei = Eigen::internal;
using PF = ei::packet_traits<float>::type;
using PD = ei::packet_traits<double>::type;
constexpr int kLanes = ei::unpacket_traits<PF>::size;
static_assert(kLanes == 2 * ei::unpacket_traits<PD>::size, "a float packet widens to two double packets");

// A float packet as two double packets (low lanes first), and back (each double rounded to
// the nearest float, to ±inf past the float range).
inline void Widen(const PF& f, PD* lo, PD* hi) {
#if defined(__AVX512F__)
  *lo = _mm512_cvtps_pd(_mm512_castps512_ps256(f));
  *hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(f), 1)));
#elif defined(__AVX__)
  *lo = _mm256_cvtps_pd(_mm256_castps256_ps128(f));
  *hi = _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1));
#elif defined(__SSE2__)
  *lo = _mm_cvtps_pd(f);
  *hi = _mm_cvtps_pd(_mm_movehl_ps(f, f));
#else
  float v[kLanes];
  double d[kLanes];
  ei::pstoreu(v, f);
  for (int i = 0; i < kLanes; ++i) d[i] = v[i];
  *lo = ei::ploadu<PD>(d);
  *hi = ei::ploadu<PD>(d + kLanes / 2);
#endif
}

inline PF Narrow(const PD& lo, const PD& hi) {
#if defined(__AVX512F__)
  return _mm512_castpd_ps(
      _mm512_insertf64x4(_mm512_castpd256_pd512(_mm256_castps_pd(_mm512_cvtpd_ps(lo))),
                         _mm256_castps_pd(_mm512_cvtpd_ps(hi)), 1));
#elif defined(__AVX__)
  return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm256_cvtpd_ps(lo)), _mm256_cvtpd_ps(hi), 1);
#elif defined(__SSE2__)
  return _mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi));
#else
  double d[kLanes];
  float v[kLanes];
  ei::pstoreu(d, lo);
  ei::pstoreu(d + kLanes / 2, hi);
  for (int i = 0; i < kLanes; ++i) v[i] = static_cast<float>(d[i]);
  return ei::ploadu<PF>(v);
#endif
}

// y[i] = f(x[i]) for i < n through packet(in, out), which maps kLanes floats: whole packets in
// place, the tail on a padded copy, so that a value's result never depends on where it sits.
template <typename Packet>
inline void MapPackets(const float* x, float* y, int64_t n, Packet packet) noexcept {
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) packet(x + i, y + i);
  if (i < n) {
    float in[kLanes] = {}, out[kLanes];
    std::memcpy(in, x + i, sizeof(float) * (n - i));
    packet(in, out);
    std::memcpy(y + i, out, sizeof(float) * (n - i));
  }
}

}  // namespace
}  // namespace symreg::kernels::SYMREG_ISA
