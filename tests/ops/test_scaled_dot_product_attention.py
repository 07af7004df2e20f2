"""Extras of aten::scaled_dot_product_attention that the op table cannot express.

- ``is_causal`` computed by the model (a scripted ``q.size(2) > 1``): the TorchScript exporter
  passes it as a graph value, and the rule selects the causal mask at run time; one model
  serves a query of length 1 (not causal) and of length 4 (causal).
- ``nn.MultiheadAttention`` in evaluation mode, as models call it, with a key padding mask,
  with and without attention weights, at every opset of the op table: it reaches SDPA
  (``need_weights=False``) or softmax, and below opset 13 ``aten::unflatten`` (the shape
  family's rule). OpInfo's ``multi_head_attention_forward`` samples are no test of it: the
  second one is a training call with dropout 0.5 (random), which is why every exporter looked
  wrong on them.
"""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from ortcheck import EXPORTS, assert_matches, export, run


class ComputedCausal(torch.nn.Module):
    def forward(self, q, k, v):
        return F.scaled_dot_product_attention(q, k, v, is_causal=q.size(2) > 1)


@pytest.mark.parametrize("opset", [9, 11, 13, 17])
def test_is_causal_computed_by_the_model(opset):
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = torch.jit.script(ComputedCausal())
    q, k, v = (torch.randn(2, 3, 4, 8) for _ in range(3))
    proto = export(model, (q, k, v), "torchscript", opset)
    for length in (4, 1):
        inputs = [q[:, :, :length], k[:, :, :length], v[:, :, :length]]
        (got,) = run(proto, inputs)
        assert_matches(got, model(*inputs), rtol=1e-5, atol=1e-6, what=f"length {length}")


class Attention(torch.nn.Module):
    def __init__(self, need_weights: bool):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(8, 2, batch_first=True)
        self.need_weights = need_weights

    def forward(self, x, padding):
        return self.mha(x, x, x, key_padding_mask=padding, need_weights=self.need_weights)[0]


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("exporter,opset", EXPORTS)
def test_multi_head_attention_in_eval(exporter, opset, need_weights):
    torch.manual_seed(0)
    model = Attention(need_weights).eval()
    x, padding = torch.randn(2, 5, 8), torch.zeros(2, 5, dtype=torch.bool)
    padding[1, 3:] = True
    proto = export(model, (x, padding), exporter, opset)
    # another batch size; the TorchScript export of MultiheadAttention bakes the sequence
    # length into a Reshape (torch's tracing, before any attention rule), so it stays 5
    x2, padding2 = torch.randn(3, 5, 8), torch.rand(3, 5) > 0.7
    padding2[:, 0] = False
    for inputs in ([x, padding], [x2, padding2]):
        (got,) = run(proto, inputs)
        with torch.no_grad():
            assert_matches(got, model(*inputs), rtol=1e-5, atol=1e-6)
