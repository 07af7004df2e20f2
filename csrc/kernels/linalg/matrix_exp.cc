#include "kernels/linalg/matrix_exp.h"

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <limits>

namespace symreg::kernels {
namespace {

template <typename T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// theta_18 of Bader, Blanes and Casas: the largest |A|_1 whose degree-18 polynomial is exp(A) to the precision.
template <typename T>
constexpr double kTheta18 = 1.090863719290036;
template <>
constexpr double kTheta18<float> = 3.010066362817634;

// Their degree-18 coefficients: B_i = sum_j kB18[i][j] A_j over A_j = I, A, A^2, A^3, A^6; then
// A9 = B_0 B_4 + B_3 and T18 = B_1 + (B_2 + A9) A9.
constexpr std::array<std::array<double, 5>, 5> kB18 = {{
    {0., -1.00365581030144618291e-01, -8.02924648241156932449e-03, -8.92138498045729985177e-04, 0.},
    {0., 3.97849749499645077844e-01, 1.36783778460411720168e+00, 4.98289622525382669416e-01,
     -6.37898194594723280150e-04},
    {-1.09676396052962061844e+01, 1.68015813878906206114e+00, 5.71779846478865511061e-02,
     -6.98210122488052056106e-03, 3.34975017086070470649e-05},
    {-9.04316832390810593223e-02, -6.76404519071381882256e-02, 6.75961301770459654925e-02,
     2.95552570429315521194e-02, -1.39180257516060693404e-05},
    {0., 0., -9.23364619367118555360e-02, -1.69364939002081722752e-02, -1.40086798182036094347e-05},
}};

// x y with each entry summed over k in order, without fused multiply-adds: what torch's CPU matmul gives for small
// matrices (bit for bit up to 8 x 8 in float32, measured), so that the squarings amplify the same roundings.
template <typename T>
Matrix<T> Product(const Matrix<T>& x, const Matrix<T>& y) {
  Matrix<T> z = x.col(0) * y.row(0);
  for (Eigen::Index k = 1; k < x.cols(); ++k) z.noalias() += x.col(k) * y.row(k);
  return z;
}

template <typename T>
void Exp(const T* a, int64_t n, T* out) {
  const Eigen::Map<const Matrix<T>> x(a, n, n);
  Eigen::Map<Matrix<T>> y(out, n, n);
  if (n == 0) return;
  if (!x.allFinite()) {
    y.setConstant(std::numeric_limits<T>::quiet_NaN());
    return;
  }
  if (n == 1) {
    y(0, 0) = std::exp(x(0, 0));
    return;
  }
  const T norm = x.cwiseAbs().colwise().sum().maxCoeff();
  const T steps = norm > T(0) ? std::ceil(std::log2(norm / static_cast<T>(kTheta18<T>))) : T(0);
  const int s = steps > T(0) ? static_cast<int>(steps) : 0;
  std::array<Matrix<T>, 5> powers;
  powers[0] = Matrix<T>::Identity(n, n);
  powers[1] = x / std::ldexp(T(1), s);
  powers[2] = Product(powers[1], powers[1]);
  powers[3] = Product(powers[1], powers[2]);
  powers[4] = Product(powers[3], powers[3]);
  std::array<Matrix<T>, 5> b;
  for (size_t i = 0; i < b.size(); ++i) {
    b[i] = Matrix<T>::Zero(n, n);
    for (size_t j = 0; j < powers.size(); ++j) b[i] += static_cast<T>(kB18[i][j]) * powers[j];
  }
  const Matrix<T> a9 = b[3] + Product(b[0], b[4]);
  Matrix<T> result = b[1] + Product<T>(b[2] + a9, a9);
  for (int i = 0; i < s; ++i) result = Product(result, result);
  y = result;
}

}  // namespace

void MatrixExp(const float* a, int64_t n, float* out) { Exp(a, n, out); }
void MatrixExp(const double* a, int64_t n, double* out) { Exp(a, n, out); }

}  // namespace symreg::kernels
