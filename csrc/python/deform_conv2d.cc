#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "kernels/common/aligned.h"
#include "kernels/vision/deform_conv2d.h"
#include "python/common.h"
#include "python/cpu_isa.h"
#include "python/ops.h"

namespace symreg::python {
namespace {

template <typename T>
py::array DeformConv2dTyped(const py::array& x, const py::array& weight, const py::array& offset,
                            const std::optional<py::array>& mask, const std::optional<py::array>& bias,
                            const kernels::DeformConv2dAttrs& attrs, int64_t threads, bool gemm_only,
                            kernels::CpuIsa isa, const kernels::PackedDeformConv2dWeights<T>* packed) {
  using kernels::DeformConv2d;
  const auto xa = CArray<T>::ensure(x), wa = CArray<T>::ensure(weight), oa = CArray<T>::ensure(offset);
  const CArray<T> ma = mask ? CArray<T>::ensure(*mask) : CArray<T>(), ba = bias ? CArray<T>::ensure(*bias) : CArray<T>();
  const std::vector<int64_t> mask_shape = mask ? ShapeOf(ma) : std::vector<int64_t>{};
  const std::vector<int64_t> bias_shape = bias ? ShapeOf(ba) : std::vector<int64_t>{};
  kernels::DeformConv2dShape shape;
  const std::string problem = kernels::CheckDeformConv2d(ShapeOf(xa), ShapeOf(wa), ShapeOf(oa),
                                                                 mask ? &mask_shape : nullptr,
                                                                 bias ? &bias_shape : nullptr, attrs, &shape);
  if (!problem.empty()) throw py::value_error("symreg::DeformConv2d: " + problem);
  if (packed && !packed->Fits(shape, isa)) {
    throw py::value_error(
        "symreg._kernels.deform_conv2d: packed was made for another W shape, group or isa than this call's; "
        "pack this call's w with DeformConv2dWeights(w, group, isa=...)");
  }
  py::array_t<T> out(shape.OutputShape());
  if (out.size() == 0) return out;
  const kernels::DeformConv2dData<T> data{xa.data(), wa.data(), oa.data(), mask ? ma.data() : nullptr,
                                                  bias ? ba.data() : nullptr, out.mutable_data()};
  // Uninitialised and aligned, as ORT's allocator gives it: the kernel writes before it reads.
  const auto workspace = kernels::AllocateAligned<T>(DeformConv2d<T>::WorkspaceSize(shape, isa, packed));
  {
    py::gil_scoped_release release;
    const DeformConv2d<T> conv(shape, data, workspace.get(),
                               gemm_only ? DeformConv2d<T>::Mode::kSkipSampling : DeformConv2d<T>::Mode::kFull, isa,
                               packed);
    RunTasks(conv.NumPrepareTasks(), threads, [&](int64_t task) { conv.Prepare(task); });
    RunTasks(conv.NumTasks(), threads, [&](int64_t task) { conv.Run(task); });
  }
  return out;
}

// W packed once for many deform_conv2d calls, as the ORT kernel packs a constant W.
class PackedWeightsPy {
 public:
  PackedWeightsPy(const py::array& w, int64_t group, const std::optional<std::string>& isa_name)
      : dtype_(w.dtype()) {
    const kernels::CpuIsa isa = IsaArg(isa_name, "DeformConv2dWeights");
    if (IsFloat32(dtype_)) {
      packed_ = Pack<float>(w, group, isa);
    } else if (IsFloat64(dtype_)) {
      packed_ = Pack<double>(w, group, isa);
    } else {
      throw py::type_error("symreg._kernels.DeformConv2dWeights: expected a float32 or float64 w, got dtype " +
                           py::str(dtype_).cast<std::string>());
    }
  }

  // The packed weights for calls of dtype T, or null for calls of the other dtype.
  template <typename T>
  const kernels::PackedDeformConv2dWeights<T>* Get() const {
    const auto* p = std::get_if<std::unique_ptr<kernels::PackedDeformConv2dWeights<T>>>(&packed_);
    return p ? p->get() : nullptr;
  }
  const py::dtype& dtype() const { return dtype_; }

 private:
  template <typename T>
  static std::unique_ptr<kernels::PackedDeformConv2dWeights<T>> Pack(const py::array& w, int64_t group,
                                                                             kernels::CpuIsa isa) {
    const auto wa = CArray<T>::ensure(w);
    auto packed = std::make_unique<kernels::PackedDeformConv2dWeights<T>>(ShapeOf(wa), wa.data(), group, isa);
    if (packed->empty()) {
      throw py::value_error("symreg._kernels.DeformConv2dWeights: w must be 4-D (C_out, C_in / group, kH, kW) with "
                            "positive sizes and group > 0 must divide C_out; got w of shape " +
                            py::str(py::tuple(py::cast(ShapeOf(wa)))).cast<std::string>() + ", group " +
                            std::to_string(group));
    }
    return packed;
  }

  py::dtype dtype_;
  std::variant<std::unique_ptr<kernels::PackedDeformConv2dWeights<float>>,
               std::unique_ptr<kernels::PackedDeformConv2dWeights<double>>>
      packed_;
};

py::array DeformConv2dPy(const py::array& x, const py::array& weight, const py::array& offset,
                         const std::optional<py::array>& mask, const std::optional<py::array>& bias,
                         const std::vector<int64_t>& strides, const std::vector<int64_t>& pads,
                         const std::vector<int64_t>& dilations, int64_t group, int64_t offset_group, int64_t threads,
                         bool gemm_only, const std::optional<std::string>& isa_name, const PackedWeightsPy* packed) {
  const py::dtype dt = x.dtype();
  const bool f32 = IsFloat32(dt), f64 = IsFloat64(dt);
  const auto same = [&](const py::array& a) { return a.dtype().is(dt) || a.dtype().equal(dt); };
  if (!(f32 || f64) || !same(weight) || !same(offset) || (mask && !same(*mask)) || (bias && !same(*bias))) {
    throw py::type_error("symreg._kernels.deform_conv2d: expected float32 or float64 arrays, all of one dtype; got x " +
                         py::str(dt).cast<std::string>());
  }
  if (threads < 1) throw py::value_error("symreg._kernels.deform_conv2d: threads must be >= 1, got " + std::to_string(threads));
  const kernels::CpuIsa isa = IsaArg(isa_name, "deform_conv2d");
  const kernels::DeformConv2dAttrs attrs{strides, pads, dilations, group, offset_group};
  if (packed && !packed->dtype().equal(dt)) {
    throw py::type_error("symreg._kernels.deform_conv2d: packed holds " + py::str(packed->dtype()).cast<std::string>() +
                         " weights; this call's arrays are " + py::str(dt).cast<std::string>());
  }
  if (f32) {
    return DeformConv2dTyped<float>(x, weight, offset, mask, bias, attrs, threads, gemm_only, isa,
                                    packed ? packed->Get<float>() : nullptr);
  }
  return DeformConv2dTyped<double>(x, weight, offset, mask, bias, attrs, threads, gemm_only, isa,
                                   packed ? packed->Get<double>() : nullptr);
}

}  // namespace

void BindDeformConv2d(py::module_& m) {
  m.def("deform_conv2d", &DeformConv2dPy, py::arg("x"), py::arg("w"), py::arg("offset"),
        py::arg("mask") = py::none(), py::arg("bias") = py::none(), py::arg("strides") = std::vector<int64_t>{1, 1},
        py::arg("pads") = std::vector<int64_t>{0, 0, 0, 0}, py::arg("dilations") = std::vector<int64_t>{1, 1},
        py::arg("group") = 1, py::arg("offset_group") = 1, py::kw_only(), py::arg("threads") = 1,
        py::arg("gemm_only") = false, py::arg("isa") = py::none(), py::arg("packed") = py::none(),
        "Deformable 2-D convolution, torchvision.ops.deform_conv2d semantics (the kernel of symreg::DeformConv2d).\n\n"
        "x (N, C_in, H, W), weight (C_out, C_in/group, kH, kW), offset (N, 2*offset_group*kH*kW, out_h, out_w),\n"
        "mask (N, offset_group*kH*kW, out_h, out_w) or None, bias (C_out) or None; float32 or float64, one dtype.\n"
        "strides (h, w), pads (top, left, bottom, right), dilations (h, w). Returns (N, C_out, out_h, out_w).\n"
        "Raises ValueError naming the problem for inconsistent shapes or attributes.\n"
        "Benchmark aids: threads runs the kernel's tasks on that many threads; gemm_only=True skips the\n"
        "bilinear sampling (wrong results), timing the kernel's GEMM alone.\n"
        "isa (\"avx512\", \"avx2\", \"baseline\") runs that build of the kernel for this call (one of cpu_isas(),\n"
        "else ValueError); None runs cpu_isa().\n"
        "packed: a DeformConv2dWeights of this call's w, group and isa, used instead of packing w (ValueError\n"
        "if it was made for another); None packs w in the call.");

  py::class_<PackedWeightsPy>(m, "DeformConv2dWeights",
                              "w (C_out, C_in/group, kH, kW) packed once for deform_conv2d(..., packed=): what the\n"
                              "ONNX Runtime kernel does with a constant W. isa: the build it is packed for (None:\n"
                              "cpu_isa()).")
      .def(py::init<const py::array&, int64_t, const std::optional<std::string>&>(), py::arg("w"),
           py::arg("group") = 1, py::kw_only(), py::arg("isa") = py::none());

}

}  // namespace symreg::python
