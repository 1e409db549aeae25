"""Exercises stay exercises in the stored notebooks (the book test checks the built HTML too)."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ["conv_arithmetic", "dense_to_conv", "lenet", "alexnet", "vgg", "nin"]
FOLDED = {"hide-cell", "remove-cell", "remove-output", "exercise-start"}


def cells_after_exercises(name):
    cells = json.loads((ROOT / "chapters" / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    start = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown" and "## 练习" in "".join(c["source"]))
    return cells[start:]


@pytest.mark.parametrize("name", CHAPTERS)
def test_exercise_code_cells_are_folded(name):
    for cell in cells_after_exercises(name):
        if cell["cell_type"] == "code":
            tags = set(cell.get("metadata", {}).get("tags", []))
            assert tags & FOLDED, f"{name}: exercise cell {cell.get('id')} shows its output: tags {sorted(tags)}"


@pytest.mark.parametrize("name", ["lenet", "alexnet", "vgg", "nin"])
def test_build_it_yourself_starts_from_an_empty_module_and_uses_the_checker(name):
    cells = cells_after_exercises(name)
    start = [c for c in cells if "exercise-start" in c.get("metadata", {}).get("tags", [])]
    assert len(start) == 1
    source = "".join(start[0]["source"])
    assert "nn.Module" in source and "check_model(" in source and "except AssertionError" in source
    body = source.split("def __init__", 1)[1].split("def forward", 1)[0]
    assert "nn." not in body, "the starting point must be an empty module"
