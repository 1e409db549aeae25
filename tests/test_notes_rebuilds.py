"""The notes' models behave as the chapters' "Check your notes" sections say."""
import pytest
import torch

from cnnbook import anatomy
from cnnbook.exercises import ModelCheckError, check_model
from cnnbook.notes import NotesAlexNet, NotesLeNet, NotesVGG16


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_notes_lenet_fails_at_28_with_the_books_error_on_conv3():
    with pytest.raises(ModelCheckError) as info:
        check_model(NotesLeNet(), input_shape=(2, 1, 28, 28), output_shape=(2, 10))
    assert info.value.check == "forward pass" and "conv3" in info.value.layer
    assert "(2, 16, 4, 4)" in str(info.value) or "4×4" in info.value.hint


def test_notes_lenet_works_at_32_with_61706_parameters():
    check_model(NotesLeNet(), input_shape=(2, 1, 32, 32), output_shape=(2, 10), params=61_706)


def test_notes_alexnet_is_one_column_of_16_6_million_without_lrn():
    model = NotesAlexNet()
    check_model(model, input_shape=(1, 3, 227, 227), output_shape=(1, 1000), params=16_630_440)
    assert not any(isinstance(m, torch.nn.LocalResponseNorm) for m in model.modules())
    with pytest.raises(ModelCheckError):          # 224 gives a 5×5 final map, not the 6×6 linear1 expects
        check_model(model, input_shape=(1, 3, 224, 224), output_shape=(1, 1000))


def test_notes_vgg16_has_128_million_parameters_and_too_few_distinct_convs():
    model = NotesVGG16()
    assert count(model) == 128_328_232
    convs = [n for n, m in model.named_modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 8 and "conv3_3" not in convs and "conv4_3" not in convs
    table = anatomy(model, 224).table
    assert (table["layer"] == "conv4_2").sum() == 5   # conv4_2 called five times
    assert model.conv4_1.in_channels == 256


def test_notes_vgg16_logits_are_never_negative():
    model = NotesVGG16().eval()
    with torch.no_grad():
        assert (model(torch.randn(1, 3, 224, 224)) >= 0).all()


def test_notes_nin_block_is_the_books_block():
    from cnnbook.models.nin import nin_block
    from cnnbook.notes import notes_nin_block

    ours, theirs = notes_nin_block(96, 256, 5, 1, 2), nin_block(96, 256, kernel_size=5, stride=1, padding=2)
    assert [type(m) for m in ours] == [type(m) for m in theirs]
    assert count(ours) == count(theirs)


def test_notes_alexnet_is_the_zoos_alexnet_notes_configuration():
    """The notes' class as written (cnnbook.notes) and the zoo's configuration of AlexNetPaper
    (``alexnet_notes``) are the same network: same weight shapes, layer by layer."""
    from cnnbook.models import create_model
    from cnnbook.notes import NotesAlexNet

    written = [tuple(p.shape) for p in NotesAlexNet().parameters()]
    configured = [tuple(p.shape) for p in create_model("alexnet_notes").parameters()]
    assert written == configured


# --- the quotes: notes_excerpts.md is the notes' code, compiled as it stands -----------------------

def test_show_source_displays_the_quoted_block_with_the_books_remarks():
    from cnnbook import show_source
    from cnnbook.notes import EXCERPTS, NotesLeNet, NotesVGG16

    lenet = show_source(NotesLeNet).data
    assert lenet == EXCERPTS["NotesLeNet"].source.rstrip("\n")
    assert lenet.startswith("class LeNet(nn.Module):\n  def __init__(self):\n    super(LeNet, self).__init__()")
    forward = show_source(NotesVGG16, start="def forward").data.splitlines()
    assert forward[0] == "  def forward(self, x):"
    remarked = [line for line in forward if "#" in line]
    assert [line.split("#")[0].strip() for line in remarked] == [
        "x = self.relu(self.conv3_2(x))", "x = self.relu(self.conv4_2(x))",
        "x = self.relu(self.conv4_2(x))", "x = self.relu(self.linear3(x))"]
    assert "no conv3_3" in remarked[0] and "logits" in remarked[-1]
    quote = EXCERPTS["NotesVGG16"].source.splitlines()          # without the remarks, the quote's lines
    assert [line.split("#")[0].rstrip() for line in forward] == quote[quote.index("  def forward(self, x):"):]


def test_the_notes_models_carry_the_books_names_and_point_tracebacks_at_the_quote():
    import pickle
    from pathlib import Path

    import cnnbook.notes as notes

    assert [NotesLeNet.__name__, NotesAlexNet.__name__, NotesVGG16.__name__] == ["NotesLeNet", "NotesAlexNet", "NotesVGG16"]
    assert type(pickle.loads(pickle.dumps(NotesLeNet()))) is NotesLeNet
    code = NotesLeNet.forward.__code__
    path = Path(code.co_filename)
    assert path.name == "notes_excerpts.md"
    assert path.read_text(encoding="utf-8").splitlines()[code.co_firstlineno - 1] == "  def forward(self, x):"
    assert notes.quoted_source(torch.nn.Linear) is None


def test_a_remark_on_the_wrong_line_is_refused_naming_the_fix():
    from cnnbook.notes import excerpts_from_markdown

    text = ("## NotesX: `def f` from seed.txt (a section)\n\n```python\ndef f():\n  return 1\n```\n\n"
            "- line 2 (`return 2`): a remark\n")
    with pytest.raises(ValueError, match=r"line 8: remark on line 2 of NotesX quotes 'return 2', but that "
                                         r"line of the block is 'return 1'; fix the line number"):
        excerpts_from_markdown(text, "x.md")
    good = excerpts_from_markdown(text.replace("return 2", "return 1"), "x.md")["NotesX"]
    assert (good.quoted, good.seed, good.first_line, good.remarks) == ("f", "seed.txt", 4, {2: "a remark"})


def test_each_quote_is_in_its_seed_file_verbatim():
    """Where the project's seed files are at hand (``shared/seeds``, or ``CNNBOOK_SEEDS``)."""
    import os
    import re
    from pathlib import Path

    from cnnbook.notes import EXCERPTS

    seeds = Path(os.environ.get("CNNBOOK_SEEDS", Path(__file__).resolve().parents[1] / "shared" / "seeds"))
    if not seeds.is_dir():
        pytest.skip(f"no seed files at {seeds} (set CNNBOOK_SEEDS)")
    for excerpt in EXCERPTS.values():
        blocks = re.findall(r"```python\n(.*?)```", (seeds / excerpt.seed).read_text(encoding="utf-8"), re.S)
        assert excerpt.source in blocks, f"{excerpt.name}: not a code block of {excerpt.seed} as written"
