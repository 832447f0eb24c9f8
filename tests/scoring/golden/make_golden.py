"""Generate tests/scoring/golden/torch_golden.json: reference values from PyTorch.

Run with torch installed (here: ``pip install torch==2.13.0``, CPU build):

    python tests/scoring/golden/make_golden.py

The JSON records the torch version; CI only reads the JSON and never needs torch.
Inputs are generated from a fixed seed with numpy and stored in the JSON too.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(4)
N, C = 12, 4
logits = rng.normal(0, 2, (N, C))
labels = rng.integers(0, C, N)
bin_logits = rng.normal(0, 2, N)
bin_labels = rng.integers(0, 2, N).astype(float)
rates = rng.uniform(0.1, 5, N)
counts = rng.poisson(2.0, N).astype(float)
reg_y = rng.normal(0, 2, N)
reg_p = reg_y + rng.normal(0, 1.5, N)
soft = np.exp(rng.normal(size=(N, C)))
soft /= soft.sum(axis=1, keepdims=True)
class_weight = [1.0, 2.0, 0.5, 3.0]


def t(x):
    return torch.tensor(
        np.asarray(x, dtype=np.float64)
        if not isinstance(x, np.ndarray) or x.dtype.kind == "f"
        else x
    )


cases = []


def case(name: str, loss: str, task: str, y, p, params: dict, value: float) -> None:
    cases.append(
        {
            "name": name,
            "loss": loss,
            "task": task,
            "y": np.asarray(y).tolist(),
            "p": np.asarray(p).tolist(),
            "params": params,
            "expected": float(value),
        }
    )


case(
    "cross_entropy_logits",
    "categorical_cross_entropy",
    "multiclass",
    labels,
    logits,
    {"from_logits": True},
    F.cross_entropy(t(logits), t(labels)),
)
for ls in (0.1, 0.3):
    case(
        f"cross_entropy_label_smoothing_{ls}",
        "categorical_cross_entropy",
        "multiclass",
        labels,
        logits,
        {"from_logits": True, "label_smoothing": ls},
        F.cross_entropy(t(logits), t(labels), label_smoothing=ls),
    )
case(
    "cross_entropy_class_weight",
    "categorical_cross_entropy",
    "multiclass",
    labels,
    logits,
    {"from_logits": True, "class_weight": ",".join(map(str, class_weight))},
    F.cross_entropy(t(logits), t(labels), weight=t(class_weight)),
)
case(
    "bce_with_logits",
    "binary_cross_entropy",
    "binary",
    bin_labels,
    bin_logits,
    {"from_logits": True},
    F.binary_cross_entropy_with_logits(t(bin_logits), t(bin_labels)),
)
case(
    "bce_with_logits_pos_weight",
    "binary_cross_entropy",
    "binary",
    bin_labels,
    bin_logits,
    {"from_logits": True, "pos_weight": 3.0},
    F.binary_cross_entropy_with_logits(t(bin_logits), t(bin_labels), pos_weight=t(3.0)),
)
probs = 1 / (1 + np.exp(-bin_logits))
case(
    "bce_probabilities",
    "binary_cross_entropy",
    "binary",
    bin_labels,
    probs,
    {},
    F.binary_cross_entropy(t(probs), t(bin_labels)),
)


def sigmoid_focal_loss(inputs, targets, alpha: float, gamma: float):
    """torchvision.ops.sigmoid_focal_loss (torchvision 0.x), verbatim in torch ops."""
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    return loss.mean()


case(
    "focal_logits_gamma2",
    "focal",
    "binary",
    bin_labels,
    bin_logits,
    {"from_logits": True},
    sigmoid_focal_loss(t(bin_logits), t(bin_labels), -1, 2.0),
)
case(
    "focal_logits_alpha",
    "focal",
    "binary",
    bin_labels,
    bin_logits,
    {"from_logits": True, "alpha": 0.25, "gamma": 1.5},
    sigmoid_focal_loss(t(bin_logits), t(bin_labels), 0.25, 1.5),
)
case(
    "poisson_nll",
    "poisson",
    "regression",
    counts,
    rates,
    {},
    F.poisson_nll_loss(t(rates), t(counts), log_input=False, eps=1e-8),
)
case(
    "huber_delta_1.5",
    "huber",
    "regression",
    reg_y,
    reg_p,
    {"delta": 1.5},
    F.huber_loss(t(reg_p), t(reg_y), delta=1.5),
)
case("mse", "mse", "regression", reg_y, reg_p, {}, F.mse_loss(t(reg_p), t(reg_y)))
case(
    "kl_div_batchmean",
    "kl_divergence",
    "multiclass",
    soft,
    logits,
    {"from_logits": True},
    F.kl_div(F.log_softmax(t(logits), dim=1), t(soft), reduction="batchmean"),
)
case(
    "cross_entropy_soft_targets",
    "categorical_cross_entropy",
    "multiclass",
    soft,
    logits,
    {"from_logits": True},
    F.cross_entropy(t(logits), t(soft)),
)

# helper "losses" (issue 17): ignore_index, and the cosine similarity loss (Keras' sign)
for ii in (0, 2):
    case(
        f"cross_entropy_ignore_index_{ii}",
        "categorical_cross_entropy",
        "multiclass",
        labels,
        logits,
        {"from_logits": True, "ignore_index": ii},
        F.cross_entropy(t(logits), t(labels), ignore_index=ii),
    )
case(
    "cross_entropy_ignore_index_class_weight",
    "categorical_cross_entropy",
    "multiclass",
    labels,
    logits,
    {"from_logits": True, "ignore_index": 1, "class_weight": ",".join(map(str, class_weight))},
    F.cross_entropy(t(logits), t(labels), weight=t(class_weight), ignore_index=1),
)
vec_y = rng.normal(size=(N, 3))
vec_p = vec_y + rng.normal(0, 1.0, (N, 3))
case(
    "cosine_similarity_negated",
    "cosine_similarity",
    "regression",
    vec_y,
    vec_p,
    {},
    -F.cosine_similarity(t(vec_p), t(vec_y), dim=1).mean(),
)

out = {
    "generator": "tests/scoring/golden/make_golden.py",
    "torch": torch.__version__,
    "cases": cases,
}
Path(__file__).with_name("torch_golden.json").write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {len(cases)} cases with torch {torch.__version__}")
