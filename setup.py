"""Build symreg's two compiled products from csrc/.

* ``symreg._kernels``: a pybind11 module exposing the kernel math to NumPy (tests).
* ``symreg/libsymreg_ort.so``: a plain shared library for ONNX Runtime. It exports
  only ``RegisterCustomOps`` and does not link libpython, so C++/C#/Java deployments
  of ORT can load it.

Both link the same kernel objects (``csrc/kernels``), compiled once. Every object is
compiled on its own, in parallel, into the build's temp folder, which survives between
builds: an object is compiled again only when its command changed or a file it includes
(as ``gcc -MMD`` lists them) is newer than it. ``ccache`` is used when it is on PATH;
``SYMREG_BUILD_JOBS`` caps the parallel compiles (default: every core this process may use).

``SYMREG_SANITIZE=1`` builds both products with AddressSanitizer and UBSan (every object, the
ISA builds included; compile and link) into ``build/sanitize`` (``setup.py build`` puts a
complete package in ``build/sanitize/lib``), never mixed with the optimised build.
``scripts/sanitize.sh`` builds it and runs the tests against it.

The package version, the custom-op domain and the oldest supported ORT come from
``symreg/_meta.py`` (read as text, never imported) and reach the C++ as ``SYMREG_*`` macros.

The ORT C/C++ headers are looked up in ``$ONNXRUNTIME_INCLUDE_DIR``, then in the
system include directories, then in ``.deps/onnxruntime/include`` (which
``make`` fills from Debian's ``libonnxruntime-dev``). Eigen's headers (GEMM in the
kernels; header-only, so nothing of it is needed at run time) come from
``$EIGEN3_INCLUDE_DIR`` or the ``cmeel-eigen`` build requirement.
"""

import ast
import importlib.metadata
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from glob import glob
from pathlib import Path

import pybind11
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CompileError

HERE = Path(__file__).parent.resolve()
ORT_HEADER = "onnxruntime_lite_custom_op.h"
ORT_LIB = "symreg.libsymreg_ort"
PY_MODULE = "symreg._kernels"
# One set of flags for every object, so that the kernel objects suit both products.
COMMON_FLAGS = ["-std=c++17", "-O3", "-g0", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra"]
# SYMREG_SANITIZE: the kernel objects serve both products, so both are instrumented (the pybind
# module is what tests/kernels drive). -g: reports name files and lines.
SANITIZE = os.environ.get("SYMREG_SANITIZE", "") not in ("", "0")
SANITIZE_FLAGS = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-g"] if SANITIZE else []
SANITIZE_BUILD_BASE = "build/sanitize"
# Sources named *_<isa>.cc are built with these flags (x86-64 only) and define
# SYMREG_<ISA>_KERNELS for every source; the code checks the CPU at run time before
# calling into them. -fno-trapping-math lets GCC vectorise std::floor, -fno-math-errno lets it
# call a libm function once for a repeated argument and inline std::sqrt, as torch's build does
# (the kernels never read floating-point exception flags nor errno; results are unchanged).
_ISA_MATH = ["-fno-trapping-math", "-fno-math-errno"]
ISA_FLAGS = {
    "avx2": ["-mavx2", "-mfma", *_ISA_MATH],
    "avx512": ["-mavx512f", "-mavx512dq", "-mavx512vl", "-mavx512bw", "-mavx2", "-mfma", *_ISA_MATH],
}


def _meta() -> dict:
    """The literals assigned in symreg/_meta.py, by name."""
    tree = ast.parse((HERE / "symreg" / "_meta.py").read_text())
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
    }


def _meta_defines() -> list[str]:
    meta = _meta()
    return [
        f'-DSYMREG_VERSION="{meta["VERSION"]}"',
        f'-DSYMREG_DOMAIN="{meta["DOMAIN"]}"',
        f'-DSYMREG_MIN_ORT_VERSION="{meta["MIN_ORT_VERSION"]}"',
        f"-DSYMREG_MIN_ORT_API={int(meta['MIN_ORT_API'])}",
    ]


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
    return sorted(f for p in patterns for f in glob(p, root_dir=HERE, recursive=True))


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _isa_of(source: str) -> str | None:
    return next((isa for isa in ISA_FLAGS if source.endswith(f"_{isa}.cc")), None)


def _prerequisites(dep_file: Path) -> list[Path]:
    """The files of the make rule that ``gcc -MMD`` wrote ("obj: src hdr \\\\ ...")."""
    _, _, names = dep_file.read_text().replace("\\\n", " ").partition(": ")
    return [HERE / name.replace("\\ ", " ") for name in re.split(r"(?<!\\)\s+", names.strip()) if name]


def _outdated(target: Path, record: Path, command: str, inputs) -> bool:
    """Whether target must be made again: it is missing, `record` (the command that made
    it) is missing or differs from `command`, or an input is missing or newer than it."""
    if not (target.is_file() and record.is_file()) or record.read_text() != command:
        return True
    made = target.stat().st_mtime_ns
    return any(not Path(p).is_file() or Path(p).stat().st_mtime_ns > made for p in inputs)


@dataclass(frozen=True)
class Unit:
    """One object file: its source (relative to HERE) and its compiler flags."""

    source: str
    flags: tuple[str, ...]


class BuildExt(build_ext):
    """Compiles each object once, incrementally and in parallel, then links the two products.

    The ORT library is a plain .so: no PyInit_, no Python suffix, no libpython.
    """

    def finalize_options(self):
        super().finalize_options()
        if SANITIZE and self.inplace:  # the instrumented libraries need libasan preloaded: keep them apart
            sys.exit(
                f"symreg: SYMREG_SANITIZE=1 builds into {SANITIZE_BUILD_BASE}, not in place; run "
                "`SYMREG_SANITIZE=1 python setup.py build` (or scripts/sanitize.sh)"
            )

    def get_ext_filename(self, fullname):
        # Called with the dotted name and, from get_ext_fullpath, with its last part.
        if fullname in (ORT_LIB, ORT_LIB.rsplit(".", 1)[-1]):
            return os.path.join(*fullname.split(".")) + ".so"
        return super().get_ext_filename(fullname)

    def get_export_symbols(self, ext):
        if ext.name == ORT_LIB:
            return []
        return super().get_export_symbols(ext)

    def build_extensions(self):
        self._units = self._plan()
        self._compile({unit for units in self._units.values() for unit in units})
        super().build_extensions()  # links each product: build_extension below

    def _plan(self) -> dict[str, list[Unit]]:
        """Each product's objects, in link order: ISA-specific ones last, which keeps the
        baseline copies of shared inline code (see csrc/kernels/vision/deform_conv2d_tile_avx2.cc)."""
        x86 = platform.machine().lower() in ("x86_64", "amd64")
        kernel_sources = _sources("csrc/kernels/**/*.cc")
        isa_sources = [s for s in kernel_sources if _isa_of(s) and x86]
        isas = sorted({_isa_of(s) for s in isa_sources}, key=list(ISA_FLAGS).index)
        # Found before anything is compiled, so that missing headers stop the build at once, with
        # the fix; not at import, so that an sdist builds without them.
        ort_include, eigen_include = _ort_include_dir(), _eigen_include_dir()
        common = [*COMMON_FLAGS, *SANITIZE_FLAGS, "-Icsrc", f"-I{eigen_include}"]
        common += [f"-DSYMREG_{isa.upper()}_KERNELS=1" for isa in isas]
        # The link order of ISA builds: avx2 before avx512, as ISA_FLAGS lists them.
        isa_units = [Unit(s, (*common, *ISA_FLAGS[isa])) for isa in isas for s in isa_sources if _isa_of(s) == isa]
        kernels = [Unit(s, tuple(common)) for s in kernel_sources if not _isa_of(s)]
        glue = [*common, *_meta_defines()]  # only the glue sees _meta's values: a version bump recompiles no kernel
        ort = [Unit(s, (*glue, f"-I{ort_include}")) for s in _sources("csrc/ort/**/*.cc")]
        python_includes = [pybind11.get_include(), *self.include_dirs]
        python = [Unit(s, (*glue, *(f"-I{d}" for d in python_includes))) for s in _sources("csrc/python/**/*.cc")]
        return {ORT_LIB: [*kernels, *ort, *isa_units], PY_MODULE: [*kernels, *python, *isa_units]}

    # --- compiling -------------------------------------------------------------------

    def _object(self, unit: Unit) -> Path:
        return HERE / self.build_temp / (unit.source + ".o")

    def _command(self, unit: Unit) -> list[str]:
        compiler = getattr(self.compiler, "compiler_so_cxx", None) or self.compiler.compiler_so
        return [*compiler, *unit.flags, "-c", unit.source, "-o", str(self._object(unit))]

    def _stale(self, unit: Unit) -> bool:
        obj = self._object(unit)
        dep = obj.with_suffix(".d")
        if self.force or not dep.is_file():
            return True
        return _outdated(obj, obj.with_suffix(".cmd"), shlex.join(self._command(unit)), _prerequisites(dep))

    def _compile_one(self, unit: Unit) -> None:
        obj = self._object(unit)
        record = obj.with_suffix(".cmd")
        obj.parent.mkdir(parents=True, exist_ok=True)
        record.unlink(missing_ok=True)  # written back once the object matches it
        command = self._command(unit)
        launcher = [ccache] if (ccache := shutil.which("ccache")) and "ccache" not in command[0] else []
        result = subprocess.run(
            [*launcher, *command, "-MMD", "-MF", str(obj.with_suffix(".d"))], cwd=HERE, capture_output=True, text=True
        )
        print(f"symreg: {shlex.join(command)}\n{result.stdout}{result.stderr}", end="", flush=True)
        if result.returncode != 0:
            raise CompileError(f"symreg: compiling {unit.source} failed:\n{result.stderr}")
        record.write_text(shlex.join(command))

    def _compile(self, units: set[Unit]) -> None:
        stale = sorted((u for u in units if self._stale(u)), key=lambda u: u.source)
        print(f"symreg: {len(stale)} of {len(units)} objects to compile", flush=True)
        if not stale:
            return
        jobs = int(os.environ.get("SYMREG_BUILD_JOBS", 0)) or _usable_cpus()
        with ThreadPoolExecutor(max_workers=min(jobs, len(stale))) as pool:
            futures = [pool.submit(self._compile_one, unit) for unit in stale]
            done, _ = wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f.exception() for f in done if f.exception() is not None), None)
            if failed is not None:
                pool.shutdown(cancel_futures=True)  # the running ones finish; no new ones start
                raise failed

    # --- linking ---------------------------------------------------------------------

    def build_extension(self, ext):
        """Links ext in the temp folder (again only when an object or the link command
        changed), then copies it where the wheel takes it from."""
        objects = [str(self._object(unit)) for unit in self._units[ext.name]]
        product = HERE / self.build_temp / self.get_ext_filename(ext.name)
        record = product.with_name(product.name + ".link")
        command = shlex.join([*self.compiler.linker_so, *objects, *ext.extra_link_args, *self.get_libraries(ext)])
        if self.force or _outdated(product, record, command, [*objects, *(HERE / d for d in ext.depends)]):
            record.unlink(missing_ok=True)
            # The compiler skips a link whose output is newer than its objects ("skipping
            # (up-to-date)"), which kept a changed link command from taking effect.
            product.unlink(missing_ok=True)
            self.compiler.link_shared_object(
                objects,
                str(product),
                libraries=self.get_libraries(ext),
                library_dirs=ext.library_dirs,
                runtime_library_dirs=ext.runtime_library_dirs,
                extra_postargs=ext.extra_link_args,
                export_symbols=self.get_export_symbols(ext),
                debug=self.debug,
                build_temp=self.build_temp,
                target_lang="c++",
            )
            record.write_text(command)
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(product, target)


ext_modules = [
    Extension(
        ORT_LIB,
        sources=_sources("csrc/kernels/**/*.cc", "csrc/ort/**/*.cc"),
        depends=["csrc/ort/symreg_ort.map"],
        # -z nodelete: ORT dlcloses the library when the last SessionOptions that registered it
        # goes, and dlopens it again at the next registration. The op registry that sessions
        # point into is built once and never freed (csrc/ort/register.cc), so each reload used to
        # leak one (~2.4 KB per session lifetime, 12 MB over 5,000: tests/test_ort_lifetimes.py).
        # Kept loaded, the library's statics survive dlclose and one registry serves every load.
        extra_link_args=[
            "-Wl,--no-undefined",
            "-Wl,-z,nodelete",
            f"-Wl,--version-script={HERE / 'csrc/ort/symreg_ort.map'}",
            *SANITIZE_FLAGS,
        ],
        language="c++",
    ),
    Extension(
        PY_MODULE,
        sources=_sources("csrc/kernels/**/*.cc", "csrc/python/**/*.cc"),
        extra_link_args=SANITIZE_FLAGS,
        language="c++",
    ),
]
# Sanitized: apart from the optimised build, with the whole package in build/sanitize/lib.
build_options = {"build": {"build_base": SANITIZE_BUILD_BASE, "build_lib": f"{SANITIZE_BUILD_BASE}/lib"}}
setup(
    ext_modules=ext_modules,
    cmdclass={"build_ext": BuildExt},
    options=build_options if SANITIZE else {},
    zip_safe=False,
)
