// Bindings of the linalg kernels (csrc/kernels/linalg/): batches of matrices (*, m, n), float32
// or float64, one dtype per call; the batch dims are not broadcast. The GIL is released while
// the kernels run (one matrix after another: the ORT ops run them on ORT's pool).
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/linalg/cholesky.h"
#include "kernels/linalg/eigh.h"
#include "kernels/linalg/householder.h"
#include "kernels/linalg/ldl.h"
#include "kernels/linalg/lu.h"
#include "kernels/linalg/matrix_batch.h"
#include "kernels/linalg/matrix_exp.h"
#include "kernels/linalg/qr.h"
#include "kernels/linalg/svd.h"
#include "kernels/linalg/triangular.h"
#include "python/common.h"
#include "python/ops.h"

namespace symreg::python {
namespace {

using kernels::MatrixBatch;

// f(T{}) for a's dtype, T float or double; a TypeError naming `fn` otherwise.
template <typename Fn>
py::object ByDtype(const char* fn, const py::array& a, const Fn& f) {
  const py::dtype dt = a.dtype();
  if (IsFloat32(dt)) return f(float{});
  if (IsFloat64(dt)) return f(double{});
  throw py::type_error(std::string("symreg._kernels.") + fn + ": expected a float32 or float64 array, got dtype " +
                       py::str(dt).cast<std::string>());
}

template <typename T>
CArray<T> Matrices(const char* fn, const py::array& a, const char* name, bool square, MatrixBatch* m) {
  if (!a.dtype().is(py::dtype::of<T>()) && !(a.dtype().kind() == 'f' && a.dtype().itemsize() == sizeof(T))) {
    throw py::type_error(std::string("symreg._kernels.") + fn + ": " + name + " must have the dtype of the first input");
  }
  const std::string problem = kernels::ReadMatrixBatch(ShapeOf(a), name, square, m);
  if (!problem.empty()) throw py::value_error(std::string("symreg._kernels.") + fn + ": " + problem);
  return CArray<T>::ensure(a);
}

void Fail(const char* fn, const std::string& problem) {
  if (!problem.empty()) throw py::value_error(std::string("symreg._kernels.") + fn + ": " + problem);
}

template <typename T>
py::array_t<T> Empty(const std::vector<int64_t>& shape) {
  return py::array_t<T>(std::vector<py::ssize_t>(shape.begin(), shape.end()));
}

py::object LuFactor(const py::array& a_in) {
  return ByDtype("linalg_lu_factor", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_lu_factor", a_in, "A", false, &m);
    const int64_t k = std::min(m.rows, m.cols);
    auto lu = Empty<T>(ShapeOf(a));
    auto pivots = Empty<int32_t>(kernels::BatchShapeWith(m, {k}));
    auto infos = Empty<int32_t>(m.batch_shape);
    T* lu_data = lu.mutable_data();
    int32_t *p = pivots.mutable_data(), *info = infos.mutable_data();
    std::copy(a.data(), a.data() + a.size(), lu_data);
    {
      py::gil_scoped_release release;
      for (int64_t b = 0; b < m.batch; ++b) info[b] = kernels::LuFactor(lu_data + b * m.size(), m.rows, m.cols, p + b * k);
    }
    return py::make_tuple(lu, pivots, infos);
  });
}

py::object LuSolve(const py::array& lu_in, const py::array& pivots_in, const py::array& b_in, bool adjoint) {
  return ByDtype("linalg_lu_solve", lu_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m, rhs;
    const auto lu = Matrices<T>("linalg_lu_solve", lu_in, "LU", true, &m);
    const auto b = Matrices<T>("linalg_lu_solve", b_in, "B", false, &rhs);
    const auto pivots = py::array_t<int32_t, py::array::c_style | py::array::forcecast>::ensure(pivots_in);
    if (!pivots || ShapeOf(pivots) != kernels::BatchShapeWith(m, {m.rows})) {
      Fail("linalg_lu_solve", "input pivots must be int32 of shape " + kernels::ShapeText(kernels::BatchShapeWith(m, {m.rows})));
    }
    Fail("linalg_lu_solve", kernels::SameBatch(m, "LU", rhs, "B"));
    if (rhs.rows != m.rows) Fail("linalg_lu_solve", "input B must have as many rows as LU");
    for (int64_t i = 0; i < m.batch; ++i) {
      if (!kernels::ValidPivots(pivots.data() + i * m.rows, m.rows)) Fail("linalg_lu_solve", "input pivots out of range");
    }
    auto x = Empty<T>(ShapeOf(b));
    T* out = x.mutable_data();
    std::copy(b.data(), b.data() + b.size(), out);
    {
      py::gil_scoped_release release;
      for (int64_t i = 0; i < m.batch; ++i) {
        kernels::LuSolve(lu.data() + i * m.size(), pivots.data() + i * m.rows, m.rows, out + i * rhs.size(), rhs.cols,
                         adjoint);
      }
    }
    return std::move(x);
  });
}

py::object Cholesky(const py::array& a_in, bool upper) {
  return ByDtype("linalg_cholesky", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_cholesky", a_in, "A", true, &m);
    auto l = Empty<T>(ShapeOf(a));
    auto infos = Empty<int32_t>(m.batch_shape);
    T* out = l.mutable_data();
    int32_t* info = infos.mutable_data();
    {
      py::gil_scoped_release release;
      std::vector<T> work(static_cast<size_t>(m.size()));
      for (int64_t b = 0; b < m.batch; ++b) {
        info[b] = kernels::Cholesky(a.data() + b * m.size(), m.rows, upper, out + b * m.size(), work.data());
      }
    }
    return py::make_tuple(l, infos);
  });
}

py::object SolveTriangular(const py::array& a_in, const py::array& b_in, bool upper, bool left, bool unitriangular) {
  return ByDtype("linalg_solve_triangular", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m, rhs;
    const auto a = Matrices<T>("linalg_solve_triangular", a_in, "A", true, &m);
    const auto b = Matrices<T>("linalg_solve_triangular", b_in, "B", false, &rhs);
    Fail("linalg_solve_triangular", kernels::SameBatch(m, "A", rhs, "B"));
    if ((left ? rhs.rows : rhs.cols) != m.rows) Fail("linalg_solve_triangular", "B does not fit A");
    auto x = Empty<T>(ShapeOf(b));
    T* out = x.mutable_data();
    std::copy(b.data(), b.data() + b.size(), out);
    {
      py::gil_scoped_release release;
      for (int64_t i = 0; i < m.batch; ++i) {
        kernels::SolveTriangular(a.data() + i * m.size(), m.rows, out + i * rhs.size(), left ? rhs.cols : rhs.rows,
                                 upper, left, unitriangular);
      }
    }
    return std::move(x);
  });
}

py::object Eigh(const py::array& a_in, bool upper) {
  return ByDtype("linalg_eigh", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_eigh", a_in, "A", true, &m);
    auto w = Empty<T>(kernels::BatchShapeWith(m, {m.rows}));
    auto v = Empty<T>(ShapeOf(a));
    T *w_data = w.mutable_data(), *v_data = v.mutable_data();
    bool ok = true;
    {
      py::gil_scoped_release release;
      for (int64_t b = 0; b < m.batch && ok; ++b) {
        ok = kernels::Eigh(a.data() + b * m.size(), m.rows, upper, w_data + b * m.rows, v_data + b * m.size());
      }
    }
    if (!ok) Fail("linalg_eigh", "the algorithm failed to converge");
    return py::make_tuple(w, v);
  });
}

py::object Svd(const py::array& a_in, bool full_matrices) {
  return ByDtype("linalg_svd", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_svd", a_in, "A", false, &m);
    const int64_t k = std::min(m.rows, m.cols);
    const int64_t u_cols = full_matrices ? m.rows : k, vh_rows = full_matrices ? m.cols : k;
    auto s = Empty<T>(kernels::BatchShapeWith(m, {k}));
    auto u = Empty<T>(kernels::BatchShapeWith(m, {m.rows, u_cols}));
    auto vh = Empty<T>(kernels::BatchShapeWith(m, {vh_rows, m.cols}));
    T *s_data = s.mutable_data(), *u_data = u.mutable_data(), *vh_data = vh.mutable_data();
    bool ok = true;
    {
      py::gil_scoped_release release;
      for (int64_t b = 0; b < m.batch && ok; ++b) {
        ok = kernels::Svd(a.data() + b * m.size(), m.rows, m.cols, full_matrices, s_data + b * k,
                          u_data + b * m.rows * u_cols, vh_data + b * vh_rows * m.cols);
      }
    }
    if (!ok) Fail("linalg_svd", "the algorithm failed to converge (NaN or inf in A)");
    return py::make_tuple(s, u, vh);
  });
}

py::object Qr(const py::array& a_in, bool complete) {
  return ByDtype("linalg_qr", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_qr", a_in, "A", false, &m);
    const int64_t q_cols = complete ? m.rows : std::min(m.rows, m.cols);
    auto q = Empty<T>(kernels::BatchShapeWith(m, {m.rows, q_cols}));
    auto r = Empty<T>(kernels::BatchShapeWith(m, {q_cols, m.cols}));
    T *q_data = q.mutable_data(), *r_data = r.mutable_data();
    {
      py::gil_scoped_release release;
      std::vector<T> work(static_cast<size_t>(kernels::QrWorkSize(m.rows, m.cols)));
      for (int64_t b = 0; b < m.batch; ++b) {
        kernels::Qr(a.data() + b * m.size(), m.rows, m.cols, complete, q_data + b * m.rows * q_cols,
                    r_data + b * q_cols * m.cols, work.data());
      }
    }
    return py::make_tuple(q, r);
  });
}

py::object MatrixExp(const py::array& a_in) {
  return ByDtype("linalg_matrix_exp", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_matrix_exp", a_in, "A", true, &m);
    auto y = Empty<T>(ShapeOf(a));
    T* out = y.mutable_data();
    {
      py::gil_scoped_release release;
      for (int64_t b = 0; b < m.batch; ++b) kernels::MatrixExp(a.data() + b * m.size(), m.rows, out + b * m.size());
    }
    return std::move(y);
  });
}

py::object Geqrf(const py::array& a_in) {
  return ByDtype("linalg_geqrf", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_geqrf", a_in, "A", false, &m);
    const int64_t k = std::min(m.rows, m.cols);
    auto qr = Empty<T>(ShapeOf(a));
    auto tau = Empty<T>(kernels::BatchShapeWith(m, {k}));
    T *qr_data = qr.mutable_data(), *tau_data = tau.mutable_data();
    {
      py::gil_scoped_release release;
      for (int64_t b = 0; b < m.batch; ++b) {
        kernels::Geqrf(a.data() + b * m.size(), m.rows, m.cols, qr_data + b * m.size(), tau_data + b * k);
      }
    }
    return py::make_tuple(qr, tau);
  });
}

py::object HouseholderProduct(const py::array& a_in, const py::array& tau_in) {
  return ByDtype("linalg_householder_product", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_householder_product", a_in, "A", false, &m);
    if (!(tau_in.dtype().kind() == 'f' && tau_in.dtype().itemsize() == sizeof(T))) {
      throw py::type_error("symreg._kernels.linalg_householder_product: tau must have the dtype of A");
    }
    const auto tau = CArray<T>::ensure(tau_in);
    const std::vector<int64_t> tau_shape = ShapeOf(tau);
    if (tau_shape.empty() || std::vector<int64_t>(tau_shape.begin(), tau_shape.end() - 1) != m.batch_shape) {
      Fail("linalg_householder_product", "input tau must have shape (*, k) with A's batch dims");
    }
    const int64_t k = tau_shape.back();
    if (m.rows < m.cols) Fail("linalg_householder_product", "input A must have at least as many rows as columns");
    if (k > m.cols) Fail("linalg_householder_product", "input tau must have at most n (A's columns) entries");
    auto q = Empty<T>(ShapeOf(a));
    T* out = q.mutable_data();
    {
      py::gil_scoped_release release;
      for (int64_t b = 0; b < m.batch; ++b) {
        kernels::HouseholderProduct(a.data() + b * m.size(), m.rows, m.cols, tau.data() + b * k, k, out + b * m.size());
      }
    }
    return std::move(q);
  });
}

py::object LdlFactor(const py::array& a_in) {
  return ByDtype("linalg_ldl_factor", a_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m;
    const auto a = Matrices<T>("linalg_ldl_factor", a_in, "A", true, &m);
    auto ld = Empty<T>(ShapeOf(a));
    auto pivots = Empty<int32_t>(kernels::BatchShapeWith(m, {m.rows}));
    auto infos = Empty<int32_t>(m.batch_shape);
    T* ld_data = ld.mutable_data();
    int32_t *pivot_data = pivots.mutable_data(), *info = infos.mutable_data();
    {
      py::gil_scoped_release release;
      for (int64_t b = 0; b < m.batch; ++b) {
        info[b] = kernels::LdlFactor(a.data() + b * m.size(), m.rows, ld_data + b * m.size(), pivot_data + b * m.rows);
      }
    }
    return py::make_tuple(ld, pivots, infos);
  });
}

py::object LdlSolve(const py::array& ld_in, const py::array& pivots_in, const py::array& b_in) {
  return ByDtype("linalg_ldl_solve", ld_in, [&](auto tag) -> py::object {
    using T = decltype(tag);
    MatrixBatch m, rhs;
    const auto ld = Matrices<T>("linalg_ldl_solve", ld_in, "LD", true, &m);
    const auto b = Matrices<T>("linalg_ldl_solve", b_in, "B", false, &rhs);
    const auto pivots = py::array_t<int32_t, py::array::c_style | py::array::forcecast>::ensure(pivots_in);
    const std::vector<int64_t> want = kernels::BatchShapeWith(m, {m.rows});
    if (!pivots || ShapeOf(pivots) != want) {
      Fail("linalg_ldl_solve", "input pivots must be int32 of shape " + kernels::ShapeText(want));
    }
    Fail("linalg_ldl_solve", kernels::SameBatch(m, "LD", rhs, "B"));
    if (rhs.rows != m.rows) Fail("linalg_ldl_solve", "input B must have as many rows as LD");
    for (int64_t i = 0; i < m.batch; ++i) {
      const std::string problem = kernels::LdlPivotsProblem(pivots.data() + i * m.rows, m.rows);
      if (!problem.empty()) Fail("linalg_ldl_solve", "input pivots: " + problem);
    }
    auto x = Empty<T>(ShapeOf(b));
    T* out = x.mutable_data();
    std::copy(b.data(), b.data() + b.size(), out);
    {
      py::gil_scoped_release release;
      std::vector<T> work(static_cast<size_t>(rhs.cols));
      for (int64_t i = 0; i < m.batch; ++i) {
        kernels::LdlSolve(ld.data() + i * m.size(), pivots.data() + i * m.rows, m.rows, out + i * rhs.size(), rhs.cols,
                          work.data());
      }
    }
    return std::move(x);
  });
}

}  // namespace

void BindLinalgLuFactor(py::module_& m) {
  m.def("linalg_lu_factor", &LuFactor, py::arg("a"),
        "P A = L U of each matrix of a (*, m, n): (LU, pivots int32 1-based (*, min(m, n)), info int32 (*)), "
        "LAPACK getrf's outputs (the kernel of symreg::LinalgLuFactor).");
}

void BindLinalgLuSolve(py::module_& m) {
  m.def("linalg_lu_solve", &LuSolve, py::arg("lu"), py::arg("pivots"), py::arg("b"), py::arg("adjoint") = false,
        "X with A X = B (adjoint: A^T X = B) from linalg_lu_factor's LU (*, n, n) and pivots (*, n); B (*, n, k) "
        "(the kernel of symreg::LinalgLuSolve).");
}

void BindLinalgCholesky(py::module_& m) {
  m.def("linalg_cholesky", &Cholesky, py::arg("a"), py::arg("upper") = false,
        "(L, info): the Cholesky factor of each matrix of a (*, n, n) and LAPACK potrf's info "
        "(the kernel of symreg::LinalgCholesky).");
}

void BindLinalgSolveTriangular(py::module_& m) {
  m.def("linalg_solve_triangular", &SolveTriangular, py::arg("a"), py::arg("b"), py::arg("upper") = false,
        py::arg("left") = true, py::arg("unitriangular") = false,
        "X with A X = B (left) or X A = B, A (*, n, n) triangular (the kernel of symreg::LinalgSolveTriangular).");
}

void BindLinalgEigh(py::module_& m) {
  m.def("linalg_eigh", &Eigh, py::arg("a"), py::arg("upper") = false,
        "(W, V): eigenvalues ascending (*, n) and eigenvectors as columns (*, n, n) of symmetric a "
        "(the kernel of symreg::LinalgEigh).");
}

void BindLinalgSvd(py::module_& m) {
  m.def("linalg_svd", &Svd, py::arg("a"), py::arg("full_matrices") = true,
        "(S, U, Vh) with a = U diag(S) Vh, S descending (the kernel of symreg::LinalgSvd).");
}

void BindLinalgQr(py::module_& m) {
  m.def("linalg_qr", &Qr, py::arg("a"), py::arg("complete") = false,
        "(Q, R) with a = Q R, LAPACK's signs (the kernel of symreg::LinalgQr).");
}

void BindLinalgMatrixExp(py::module_& m) {
  m.def("linalg_matrix_exp", &MatrixExp, py::arg("a"),
        "exp(A) of each matrix of a (*, n, n), NaN for a matrix with NaN/inf (the kernel of symreg::LinalgMatrixExp).");
}

void BindLinalgGeqrf(py::module_& m) {
  m.def("linalg_geqrf", &Geqrf, py::arg("a"),
        "(QR, tau): LAPACK geqrf's compact Householder QR of each matrix of a (*, m, n), tau (*, min(m, n)) "
        "(the kernel of symreg::LinalgGeqrf).");
}

void BindLinalgHouseholderProduct(py::module_& m) {
  m.def("linalg_householder_product", &HouseholderProduct, py::arg("a"), py::arg("tau"),
        "Q (*, m, n): the first n columns of the product of the reflectors below the diagonal of a (*, m, n) with "
        "coefficients tau (*, k), m >= n >= k, as LAPACK orgqr (the kernel of symreg::LinalgHouseholderProduct).");
}

void BindLinalgLdlFactor(py::module_& m) {
  m.def("linalg_ldl_factor", &LdlFactor, py::arg("a"),
        "(LD, pivots, info): LAPACK sytrf's Bunch-Kaufman LDL^T of each symmetric matrix of a (*, n, n), lower "
        "(the kernel of symreg::LinalgLdlFactor).");
}

void BindLinalgLdlSolve(py::module_& m) {
  m.def("linalg_ldl_solve", &LdlSolve, py::arg("ld"), py::arg("pivots"), py::arg("b"),
        "X with A X = B from linalg_ldl_factor's LD (*, n, n) and pivots (*, n); B (*, n, k), LD's batch dims "
        "(LAPACK sytrs, lower: the kernel of symreg::LinalgLdlSolve).");
}

}  // namespace symreg::python
