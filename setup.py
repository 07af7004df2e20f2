"""Build symreg's two compiled products from csrc/.

* ``symreg._kernels``: a pybind11 module exposing the kernel math to NumPy (tests).
* ``symreg/libsymreg_ort.so``: a plain shared library for ONNX Runtime. It exports
  only ``RegisterCustomOps`` and does not link libpython, so C++/C#/Java deployments
  of ORT can load it.

The ORT C/C++ headers are looked up in ``$ONNXRUNTIME_INCLUDE_DIR``, then in the
system include directories, then in ``.deps/onnxruntime/include`` (which
``make`` fills from Debian's ``libonnxruntime-dev``).
"""

import os
import sys
from glob import glob
from pathlib import Path

from pybind11.setup_helpers import Pybind11Extension
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).parent.resolve()
ORT_HEADER = "onnxruntime_lite_custom_op.h"
ORT_LIB = "symreg.libsymreg_ort"


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


def _sources(*patterns: str) -> list[str]:
    return sorted(f for p in patterns for f in glob(p, recursive=True))


class BuildExt(build_ext):
    """Builds the ORT library as a plain .so (no PyInit_, no Python suffix)."""

    def get_ext_filename(self, fullname):
        # Called with the dotted name and, from get_ext_fullpath, with its last part.
        if fullname in (ORT_LIB, ORT_LIB.rsplit(".", 1)[-1]):
            return os.path.join(*fullname.split(".")) + ".so"
        return super().get_ext_filename(fullname)

    def get_export_symbols(self, ext):
        if ext.name == ORT_LIB:
            return []
        return super().get_export_symbols(ext)


ort_include = _ort_include_dir()
kernel_sources = _sources("csrc/kernels/**/*.cc")
common_flags = ["-O3", "-g0", "-std=c++17", "-fvisibility=hidden", "-Wall", "-Wextra"]

ext_modules = [
    Extension(
        ORT_LIB,
        sources=kernel_sources + _sources("csrc/ort/**/*.cc"),
        include_dirs=["csrc", ort_include],
        extra_compile_args=common_flags,
        extra_link_args=["-Wl,--no-undefined", f"-Wl,--version-script={HERE / 'csrc/ort/symreg_ort.map'}"],
        language="c++",
    ),
    Pybind11Extension(
        "symreg._kernels",
        sources=kernel_sources + _sources("csrc/python/**/*.cc"),
        include_dirs=["csrc"],
        extra_compile_args=["-O3", "-g0"],
        cxx_std=17,
    ),
]

setup(ext_modules=ext_modules, cmdclass={"build_ext": BuildExt}, zip_safe=False)
