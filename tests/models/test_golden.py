"""Golden outputs: the book's own models, built at seed 0, on a fixed input, give the stored logits.

A change to a layer, an initialisation or the order in which a model draws its random
weights changes these numbers; if the change is intended, regenerate the file with
``python tests/models/test_golden.py`` and commit it with the change.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from cnnbook.models import create_model

GOLDEN = Path(__file__).with_name("golden_outputs.json")
BOOK_MODELS = ["lenet", "lenet5", "lenet_modern", "alexnet_small", "vgg11_small", "nin_small",
               "googlenet_small", "resnet_small", "densenet_small", "resnet_cifar20"]


def outputs(name: str) -> list[list[float]]:
    torch.manual_seed(0)
    model = create_model(name).eval()
    spec = model.input_spec
    x = torch.randn(2, model.in_channels, spec.size, spec.size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return model(x).tolist()


@pytest.mark.parametrize("name", BOOK_MODELS)
def test_outputs_match_the_golden_file(name):
    expected = json.loads(GOLDEN.read_text())[name]
    torch.testing.assert_close(torch.tensor(outputs(name)), torch.tensor(expected), rtol=1e-4, atol=1e-5)


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps({n: [[round(v, 7) for v in row] for row in outputs(n)]
                                  for n in BOOK_MODELS}, indent=1) + "\n")
    print(f"wrote {GOLDEN}")
