#include "kernels/linalg/householder.h"

#include <Eigen/Core>
#include <Eigen/Householder>
#include <Eigen/QR>
#include <algorithm>

namespace symreg::kernels {
namespace {

template <typename T>
using ColMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <typename T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

template <typename T>
void Factor(const T* a, int64_t m, int64_t n, T* qr, T* tau) {
  const int64_t k = std::min(m, n);
  if (k == 0) return;
  const Eigen::HouseholderQR<ColMajor<T>> f{ColMajor<T>(Eigen::Map<const RowMajor<T>>(a, m, n))};
  Eigen::Map<RowMajor<T>>(qr, m, n) = f.matrixQR();
  Eigen::Map<Vector<T>>(tau, k) = f.hCoeffs();
}

template <typename T>
void Product(const T* a, int64_t m, int64_t n, const T* tau, int64_t k, T* q) {
  Eigen::Map<RowMajor<T>> out(q, m, n);
  out.setIdentity();
  if (k == 0 || m == 0) return;
  const ColMajor<T> vectors = Eigen::Map<const RowMajor<T>>(a, m, n).leftCols(k);
  const Vector<T> coeffs = Eigen::Map<const Vector<T>>(tau, k);
  ColMajor<T> y = ColMajor<T>::Identity(m, n);
  Eigen::householderSequence(vectors, coeffs).applyThisOnTheLeft(y);
  out = y;
}

}  // namespace

void Geqrf(const float* a, int64_t m, int64_t n, float* qr, float* tau) { Factor(a, m, n, qr, tau); }
void Geqrf(const double* a, int64_t m, int64_t n, double* qr, double* tau) { Factor(a, m, n, qr, tau); }

void HouseholderProduct(const float* a, int64_t m, int64_t n, const float* tau, int64_t k, float* q) {
  Product(a, m, n, tau, k, q);
}
void HouseholderProduct(const double* a, int64_t m, int64_t n, const double* tau, int64_t k, double* q) {
  Product(a, m, n, tau, k, q);
}

}  // namespace symreg::kernels
