"""Every Python snippet of README.md runs as written: in order, in one fresh process (a snippet may use
what an earlier one defined, as a reader would run them), in an empty folder."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def python_snippets(markdown: str) -> list[str]:
    """The fenced ```python blocks of ``markdown``, in order."""
    return re.findall(r"^```python\n(.*?)^```", markdown, re.DOTALL | re.MULTILINE)


def test_the_readme_has_snippets():
    assert len(python_snippets((REPO / "README.md").read_text())) >= 5


def test_every_readme_snippet_runs(tmp_path):
    snippets = python_snippets((REPO / "README.md").read_text())
    marked = [f"print('--- snippet {i}', flush=True)\n{code}" for i, code in enumerate(snippets)]
    script = tmp_path / "readme_snippets.py"
    script.write_text("\n".join(marked))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    ran = result.stdout.count("--- snippet")
    assert result.returncode == 0, f"snippet {ran - 1} of README.md fails:\n{result.stderr[-3000:]}"
    assert (tmp_path / "model.onnx").exists()
