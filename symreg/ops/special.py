"""Special functions of op pack II (``special.*``, ``copysign``, ``fmax``/``fmin``, ``hypot``, ...): standard-op
lowerings where they are exact, custom-domain nodes with kernels in ``libsymreg_ort.so`` otherwise.
"""

from __future__ import annotations
