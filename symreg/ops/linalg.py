"""Linear algebra of op pack II (``linalg.*``): standard-op lowerings where they are exact
(``vecdot``, ``diagonal``, ``vander``, ``matrix_power``), custom-domain nodes with Eigen kernels otherwise.
"""

from __future__ import annotations
