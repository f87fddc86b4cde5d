"""The notebooks run top to bottom against the test database's committed demo data."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def test_there_are_at_least_three_notebooks():
    assert len(PATHS) >= 3


@pytest.mark.notebook
@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs(path, test_database_name, monkeypatch):
    monkeypatch.setenv("TRYGG_DB_NAME", test_database_name)
    notebook = nbformat.read(path, as_version=4)
    assert any(cell.cell_type == "markdown" for cell in notebook.cells)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Traceback" not in text
    # Every notebook shows at least one figure, map or table.
    assert any(o.output_type in ("display_data", "execute_result") for o in outputs)
