"""One source for the constants that Python and the C++ build share.

``setup.py`` reads this file as text (it must not import symreg) and passes the values
to the compiler (``SYMREG_VERSION``, ``SYMREG_DOMAIN``, ``SYMREG_MIN_ORT_VERSION``,
``SYMREG_MIN_ORT_API``); ``pyproject.toml`` takes the package version from ``VERSION``.
Keep every value a plain literal.
"""

#: The package version.
VERSION = "0.1.0"
#: The distribution name (pyproject.toml's ``project.name``; the import name is ``symreg``).
DISTRIBUTION = "symreg-onnx"
#: The ONNX domain of symreg's custom ops (``symreg::Erfinv``).
DOMAIN = "symreg"
#: Oldest onnxruntime that loads ``libsymreg_ort.so``: it is built against that release's
#: C/C++ headers and asks for C API version ``MIN_ORT_API`` (release 1.N has API version N).
MIN_ORT_VERSION = "1.21"
MIN_ORT_API = 21
