// The kernels' instruction-set builds (kernels/common/cpu_isa.h) as Python sees them.
// Inline: every translation unit of pybind11 code costs ~10 s of compile time, so these
// few lines ride along with the module's own (module.cc) and their one user's.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>

#include "kernels/common/cpu_isa.h"

namespace symreg::python {

// A function's isa= argument: None is the process-wide choice; otherwise a name the CPU
// runs (ValueError naming fn otherwise).
inline kernels::CpuIsa IsaArg(const std::optional<std::string>& name, const std::string& fn) {
  namespace py = pybind11;
  if (!name) return kernels::DefaultCpuIsa();
  kernels::CpuIsa isa;
  if (!kernels::ParseCpuIsa(*name, &isa)) {
    throw py::value_error("symreg._kernels." + fn + ": isa must be \"avx512\", \"avx2\", \"baseline\" or None, got \"" +
                          *name + "\"");
  }
  if (!kernels::CpuSupports(isa)) {
    throw py::value_error("symreg._kernels." + fn + ": isa \"" + *name +
                          "\" is not supported by this CPU or build; pass one of cpu_isas()");
  }
  return isa;
}

// Defines cpu_isa() and cpu_isas().
inline void BindCpuIsa(pybind11::module_& m) {
  using kernels::CpuIsa;
  m.def(
      "cpu_isa", [] { return std::string(kernels::CpuIsaName(kernels::DefaultCpuIsa())); },
      "The build of the deform_conv2d kernel (\"avx512\", \"avx2\" or \"baseline\") that this process runs, in\n"
      "ONNX Runtime too: the best this CPU supports, or lower where the environment variable SYMREG_CPU_ISA\n"
      "asks for it (read once, at the first call).");
  m.def(
      "cpu_isas",
      [] {
        pybind11::list names;
        for (CpuIsa isa : {CpuIsa::kAvx512, CpuIsa::kAvx2, CpuIsa::kBaseline}) {
          if (kernels::CpuSupports(isa)) names.append(kernels::CpuIsaName(isa));
        }
        return names;
      },
      "The builds of the deform_conv2d kernel that this CPU runs, best first (always ends in \"baseline\").");
}

}  // namespace symreg::python
