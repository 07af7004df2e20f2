// A tensor seen along one axis: `outer` blocks of `n` positions along the axis, each position
// `inner` contiguous elements (C order), so element (o, i, c) is at (o * n + i) * inner + c and
// the slice (o, c) is n elements `inner` apart. What the scan and mode kernels walk, in place:
// no transposed copy.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/common/shape_text.h"

namespace symreg::kernels {

struct AxisSlices {
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
  int64_t axis = 0;  // normalized; 0 for a 0-d tensor (seen as one element)

  int64_t slices() const { return outer * inner; }
};

// Reads `shape` along `axis` (negative counts from the end; a 0-d tensor takes -1 and 0, as
// torch's dims do); "" or the problem, naming `name` (the input) and the attribute.
inline std::string ReadAxisSlices(const std::vector<int64_t>& shape, int64_t axis, const char* name,
                                  AxisSlices* s) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t span = std::max<int64_t>(rank, 1);
  if (axis < -span || axis >= span) {
    return "attribute axis " + std::to_string(axis) + " is out of range for input " + name + " of shape " +
           ShapeText(shape) + " (expected " + std::to_string(-span) + " ... " + std::to_string(span - 1) + ")";
  }
  *s = AxisSlices{};
  if (rank == 0) return "";
  s->axis = axis < 0 ? axis + rank : axis;
  for (int64_t d = 0; d < rank; ++d) {
    if (shape[d] < 0) return std::string("input ") + name + " has a negative dim: " + ShapeText(shape);
    if (d < s->axis) s->outer *= shape[d];
    if (d > s->axis) s->inner *= shape[d];
  }
  s->n = shape[s->axis];
  return "";
}

// `shape` with the axis of `s` kept as 1 (keepdims) or dropped: a reduction's output shape.
inline std::vector<int64_t> ReducedShape(const std::vector<int64_t>& shape, const AxisSlices& s, bool keepdims) {
  std::vector<int64_t> out;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (static_cast<int64_t>(d) != s.axis) {
      out.push_back(shape[d]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  return out;
}

// The scans run `kScanColumns` adjacent slices (o, c ... c + columns - 1) at once where inner > 1,
// so each row of the walk reads contiguous memory.
inline constexpr int64_t kScanColumns = 64;

// The units of work of a scan: outer * ceil(inner / kScanColumns) groups of adjacent slices.
struct ScanUnit {
  int64_t offset;   // of the group's first element
  int64_t columns;  // slices in the group
};

inline int64_t ScanUnits(const AxisSlices& s) {
  return s.outer * ((s.inner + kScanColumns - 1) / kScanColumns);
}

inline ScanUnit ScanUnitAt(const AxisSlices& s, int64_t unit) {
  const int64_t groups = (s.inner + kScanColumns - 1) / kScanColumns;
  const int64_t o = unit / groups, c = (unit % groups) * kScanColumns;
  return {o * s.n * s.inner + c, std::min(kScanColumns, s.inner - c)};
}

// step(state, offset, i) for i = 0 ... n - 1 of each of `columns` adjacent slices, n positions
// `stride` apart, one state per slice (copies of `init`); row by row.
template <typename State, typename Step>
void ScanColumns(int64_t n, int64_t stride, int64_t columns, const State& init, const Step& step) {
  if (columns == 1) {
    State state = init;
    for (int64_t i = 0; i < n; ++i) step(state, i * stride, i);
    return;
  }
  std::vector<State> states(static_cast<size_t>(columns), init);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = i * stride;
    for (int64_t c = 0; c < columns; ++c) step(states[c], row + c, i);
  }
}

}  // namespace symreg::kernels
