// Eigen's GEMM building blocks (the packing routines and the gebp micro-kernel that its
// own matrix product runs), driven by a caller that packs the right-hand operand once and
// reuses it for many left-hand tiles. Eigen's product API packs both operands on every
// call: with small tiles against a large weight matrix, repacking the weights cost more
// than the multiply (measured: 256 -> 256 channels, 3x3 deform_conv2d, 20% of the time).
//
// The only code of symreg that uses Eigen::internal; it is checked against Eigen 3.4, whose
// packed layouts it documents below. Include it inside an ISA build (Eigen renamed, see
// csrc/kernels/vision/deform_conv2d_tile_avx2.cc) so each build packs for its own kernel.
#pragma once

#include <algorithm>
#include <cstdint>

#include <Eigen/Core>

static_assert(EIGEN_WORLD_VERSION == 3 && EIGEN_MAJOR_VERSION == 4,
              "eigen_panel_gemm.h uses Eigen 3.4's internal GEMM layout: check it before using another Eigen");

namespace symreg::kernels::SYMREG_ISA {

// res (rows x cols, column-major) += A (rows x depth, row-major) * B (depth x cols), with B
// packed once by PackRhs. B is cut into depth blocks of kDepthBlock rows (the last one
// shorter); block [k0, k0 + kc) takes kc * cols packed values at offset k0 * cols, in
// Eigen's layout: columns in groups of nr (kc x nr values, row by row), then the last
// cols % nr columns one by one. So columns [j0, j1) of a block, j0 a multiple of nr, start
// at offset k0 * cols + j0 * kc and can be packed on their own.
template <typename T>
class PanelGemm {
 public:
  using Index = Eigen::Index;
  using Traits = Eigen::internal::gebp_traits<T, T>;
  static constexpr Index kNr = Traits::nr;
  // Rows of B per depth block: a packed A block (tile rows x kDepthBlock) stays in L2
  // next to a packed B block, and gebp's A panel (mr x kDepthBlock) in L1.
  static constexpr Index kDepthBlock = 256;

  static Index DepthBlock(Index depth, Index k0) { return std::min(kDepthBlock, depth - k0); }

  // Packs columns [j0, j0 + count) of B (j0 a multiple of kNr; B has `cols` columns) into
  // packed, the start of the packed B of all depth blocks. Column j0 + j of B is
  // b[j * ldb + k], k < depth.
  static void PackRhs(const T* b, Index ldb, Index depth, Index cols, Index j0, Index count, T* packed) {
    using Mapper = Eigen::internal::const_blas_data_mapper<T, Index, Eigen::ColMajor>;
    Eigen::internal::gemm_pack_rhs<T, Index, Mapper, Traits::nr, Eigen::ColMajor> pack;
    for (Index k0 = 0; k0 < depth; k0 += kDepthBlock) {
      const Index kc = DepthBlock(depth, k0);
      pack(packed + k0 * cols + j0 * kc, Mapper(b, ldb).getSubMapper(k0, 0), kc, count);
    }
  }

  // Size of the scratch that MultiplyAdd needs for `rows` rows of A.
  static Index ScratchSize(Index rows) { return rows * kDepthBlock; }

  // res[i + j * ldres] += sum_k a[i * lda + k] * B(k, j). scratch: ScratchSize(rows)
  // values, aligned as Eigen's allocator aligns.
  static void MultiplyAdd(const T* a, Index lda, Index rows, Index depth, const T* packed_b, Index cols, T* res,
                          Index ldres, T* scratch) {
    using LhsMapper = Eigen::internal::const_blas_data_mapper<T, Index, Eigen::RowMajor>;
    using ResMapper = Eigen::internal::blas_data_mapper<T, Index, Eigen::ColMajor>;
    Eigen::internal::gemm_pack_lhs<T, Index, LhsMapper, Traits::mr, Traits::LhsProgress,
                                   typename Traits::LhsPacket4Packing, Eigen::RowMajor>
        pack;
    Eigen::internal::gebp_kernel<T, T, Index, ResMapper, Traits::mr, Traits::nr, false, false> gebp;
    for (Index k0 = 0; k0 < depth; k0 += kDepthBlock) {
      const Index kc = DepthBlock(depth, k0);
      pack(scratch, LhsMapper(a, lda).getSubMapper(0, k0), kc, rows);
      gebp(ResMapper(res, ldres), scratch, packed_b + k0 * cols, rows, kc, cols, T(1));
    }
  }
};

}  // namespace symreg::kernels::SYMREG_ISA
