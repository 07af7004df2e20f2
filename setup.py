"""Build symreg's two compiled products from csrc/.

* ``symreg._kernels``: a pybind11 module exposing the kernel math to NumPy (tests).
* ``symreg/libsymreg_ort.so``: a plain shared library for ONNX Runtime. It exports
  only ``RegisterCustomOps`` and does not link libpython, so C++/C#/Java deployments
  of ORT can load it.

The ORT C/C++ headers are looked up in ``$ONNXRUNTIME_INCLUDE_DIR``, then in the
system include directories, then in ``.deps/onnxruntime/include`` (which
``make`` fills from Debian's ``libonnxruntime-dev``). Eigen's headers (GEMM in the
kernels; header-only, so nothing of it is needed at run time) come from
``$EIGEN3_INCLUDE_DIR`` or the ``cmeel-eigen`` build requirement.
"""

import importlib.metadata
import os
import platform
import sys
from glob import glob
from pathlib import Path

from pybind11.setup_helpers import Pybind11Extension
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent.resolve()
ORT_HEADER = "onnxruntime_lite_custom_op.h"
ORT_LIB = "symreg.libsymreg_ort"
# Sources named *_<isa>.cc are built with these flags (x86-64 only) and define
# SYMREG_<ISA>_KERNELS for every source of their extension; the code checks the CPU at run
# time before calling into them. -fno-trapping-math lets GCC vectorise std::floor (the
# kernels never read floating-point exception flags; results are unchanged).
ISA_FLAGS = {
    "avx2": ["-mavx2", "-mfma", "-fno-trapping-math"],
    "avx512": ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mavx2", "-mfma", "-fno-trapping-math"],
}


def _ort_include_dir() -> str:
    env = os.environ.get("ONNXRUNTIME_INCLUDE_DIR")
    if env:  # an explicit choice is never second-guessed
        candidates = [Path(env), Path(env) / "onnxruntime"]
    else:
        candidates = [
            Path(root) / sub
            for root in ("/usr/include", "/usr/local/include", "/opt/homebrew/include")
            for sub in ("onnxruntime", "")
        ]
        candidates.append(HERE / ".deps" / "onnxruntime" / "include" / "onnxruntime")
    for path in candidates:
        if (path / ORT_HEADER).is_file():
            return str(path)
    sys.exit(
        "symreg: ONNX Runtime C/C++ headers not found (looked for "
        f"{ORT_HEADER} in: {', '.join(str(p) for p in candidates)}).\n"
        "Provide them in one of these ways:\n"
        "  * set ONNXRUNTIME_INCLUDE_DIR to the folder holding onnxruntime_c_api.h;\n"
        "  * install your distribution's package (Debian/Ubuntu: libonnxruntime-dev);\n"
        "  * run `scripts/fetch_ort_headers.sh .deps/onnxruntime` (what `make` does)."
    )


def _eigen_include_dir() -> str:
    env = os.environ.get("EIGEN3_INCLUDE_DIR")
    candidates = [Path(env)] if env else []
    try:  # cmeel-eigen installs the headers under site-packages/cmeel.prefix/include/eigen3
        candidates.append(Path(importlib.metadata.distribution("cmeel-eigen").locate_file("cmeel.prefix/include/eigen3")))
    except importlib.metadata.PackageNotFoundError:
        pass
    for path in candidates:
        if (path / "Eigen" / "Core").is_file():
            return str(path)
    sys.exit(
        "symreg: Eigen headers not found (looked for Eigen/Core in: "
        f"{', '.join(str(p) for p in candidates) or 'no candidates'}).\n"
        "Provide them in one of these ways:\n"
        "  * pip install cmeel-eigen==3.4.1 (a build requirement: isolated builds get it themselves);\n"
        "  * set EIGEN3_INCLUDE_DIR to the folder holding Eigen/Core."
    )


def _sources(*patterns: str) -> list[str]:
    return sorted(f for p in patterns for f in glob(p, recursive=True))


class BuildExt(build_ext):
    """Builds the ORT library as a plain .so (no PyInit_, no Python suffix)."""

    def get_ext_filename(self, fullname):
        # Called with the dotted name and, from get_ext_fullpath, with its last part.
        if fullname in (ORT_LIB, ORT_LIB.rsplit(".", 1)[-1]):
            return os.path.join(*fullname.split(".")) + ".so"
        return super().get_ext_filename(fullname)

    def build_extension(self, ext):
        # ISA-specific sources are linked after every other object, which keeps the baseline
        # copies of shared inline code: see csrc/kernels/vision/deform_conv2d_tile_avx2.cc.
        x86 = platform.machine().lower() in ("x86_64", "amd64")
        isa_sources = {isa: [s for s in ext.sources if s.endswith(f"_{isa}.cc")] for isa in ISA_FLAGS}
        ext.sources = [s for s in ext.sources if not any(s in group for group in isa_sources.values())]
        isa_sources = {isa: group for isa, group in isa_sources.items() if group and x86}
        ext.define_macros = [*ext.define_macros, *((f"SYMREG_{isa.upper()}_KERNELS", "1") for isa in isa_sources)]
        for isa, group in isa_sources.items():
            ext.extra_objects = [
                *ext.extra_objects,
                *self.compiler.compile(
                    group,
                    output_dir=os.path.join(self.build_temp, ext.name),
                    macros=ext.define_macros,
                    include_dirs=ext.include_dirs,
                    extra_postargs=[*ext.extra_compile_args, *ISA_FLAGS[isa]],
                    depends=ext.depends,
                ),
            ]
        super().build_extension(ext)

    def get_export_symbols(self, ext):
        if ext.name == ORT_LIB:
            return []
        return super().get_export_symbols(ext)


ort_include = _ort_include_dir()
eigen_include = _eigen_include_dir()
kernel_sources = _sources("csrc/kernels/**/*.cc")
common_flags = ["-O3", "-g0", "-std=c++17", "-fvisibility=hidden", "-Wall", "-Wextra"]

ext_modules = [
    Extension(
        ORT_LIB,
        sources=kernel_sources + _sources("csrc/ort/**/*.cc"),
        include_dirs=["csrc", ort_include, eigen_include],
        extra_compile_args=common_flags,
        extra_link_args=["-Wl,--no-undefined", f"-Wl,--version-script={HERE / 'csrc/ort/symreg_ort.map'}"],
        language="c++",
    ),
    Pybind11Extension(
        "symreg._kernels",
        sources=kernel_sources + _sources("csrc/python/**/*.cc"),
        include_dirs=["csrc", eigen_include],
        extra_compile_args=["-O3", "-g0"],
        cxx_std=17,
    ),
]

setup(ext_modules=ext_modules, cmdclass={"build_ext": BuildExt}, zip_safe=False)
