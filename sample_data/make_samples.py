"""Regenerate the sample files: python sample_data/make_samples.py (seeded, deterministic)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
rng = np.random.default_rng(20261123)


def write_csv(name: str, header: list[str], cols: list[np.ndarray], fmt: list[str]) -> None:
    lines = [",".join(header)]
    for row in zip(*cols):
        lines.append(",".join(f % v for f, v in zip(fmt, row)))
    (HERE / name).write_text("\n".join(lines) + "\n")


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# Regression: house prices in 100k units, a model with noise.
n = 200
x = rng.uniform(0.5, 5.0, n)
y = 1.2 + 0.8 * x + rng.normal(0, 0.3, n)
yhat = 1.1 + 0.82 * x + rng.normal(0, 0.2, n)
write_csv("regression.csv", ["target", "prediction"], [y, yhat], ["%.4f", "%.4f"])
np.save(HERE / "regression.npy", np.column_stack([y, yhat]))

# Binary: probabilities from a calibrated-ish classifier.
logit = rng.normal(0, 2, n)
label = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int)
prob = 1 / (1 + np.exp(-(logit * 0.9 + rng.normal(0, 0.5, n))))
write_csv("binary.csv", ["label", "prob"], [label, prob], ["%d", "%.6f"])
np.save(HERE / "binary.npy", np.column_stack([label, prob]))

# Binary margins: SVM decision scores with labels in {-1, +1}.
margin = (2 * label - 1) * 0.5 + logit * 0.6
write_csv("binary_margin.csv", ["label", "score"], [2 * label - 1, margin], ["%d", "%.5f"])
np.save(HERE / "binary_margin.npy", np.column_stack([2 * label - 1, margin]))

# Multiclass: 3 classes (cat, dog, bird), logits and softmax probabilities.
classes = ["cat", "dog", "bird"]
true = rng.integers(0, 3, n)
logits = rng.normal(0, 1.0, (n, 3))
logits[np.arange(n), true] += 1.8
probs = softmax(logits)
write_csv(
    "multiclass_probs.csv", ["label", *classes], [true, *probs.T], ["%d", "%.12f", "%.12f", "%.12f"]
)
write_csv(
    "multiclass_logits.csv", ["label", *classes], [true, *logits.T], ["%d", "%.5f", "%.5f", "%.5f"]
)
(HERE / "multiclass_names.csv").write_text(
    "label,"
    + ",".join(classes)
    + "\n"
    + "".join(f"{classes[t]},{','.join('%.12f' % v for v in p)}\n" for t, p in zip(true, probs))
)
np.save(HERE / "multiclass_probs.npy", np.column_stack([true, probs]))
np.savez(HERE / "multiclass_logits.npz", y_true=true, y_pred=logits)

# Multilabel: 4 tags, independent sigmoids.
tags = ["sports", "politics", "tech", "health"]
z = rng.normal(-0.5, 1.5, (n, 4))
truth = (rng.uniform(size=(n, 4)) < 1 / (1 + np.exp(-z))).astype(int)
p = 1 / (1 + np.exp(-(z + rng.normal(0, 0.7, (n, 4)))))
write_csv("multilabel_targets.csv", tags, list(truth.T), ["%d"] * 4)
write_csv("multilabel_preds.csv", tags, list(p.T), ["%.6f"] * 4)
np.save(HERE / "multilabel_targets.npy", truth)
np.save(HERE / "multilabel_preds.npy", p)
