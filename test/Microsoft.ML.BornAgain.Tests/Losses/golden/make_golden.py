#!/usr/bin/env python3
"""Writes losses_golden.json: reference values and gradients for the Born-Again losses.

Run from anywhere:  /usr/bin/python3 make_golden.py   (Debian 12: apt-get install python3-torch)
The JSON is checked in; the C# tests in ../ compare TorchSharp's float32 results against it. Rerun only when an input
or a definition changes, and commit both files together.

Each loss is written from its definition (Furlanello et al. 2018, Sec. 3; Hinton et al. 2015, Sec. 2) with PyTorch's
own building blocks, in float64 from inputs that are exactly representable in float32, so the reference is more
precise than the float32 code under test. The gradient is d(loss)/d(student logits) from autograd.
"""
import json
import os
import warnings

import torch
import torch.nn.functional as F

LABEL_WEIGHT = 0.3
TEMPERATURE = 4.0
LABEL_SMOOTHING = 0.1

# Two small batches of 4 samples x 5 classes. "ordinary" has moderate logits, with sample 2's teacher wrong
# (argmax 2, label 1). "extreme" has logits up to +-100 so that naive log(softmax(z)) would give -inf or NaN, a teacher
# whose probabilities underflow, a student that is confidently wrong, all-zero logits (uniform distributions), and a
# wrong teacher (sample 2: argmax 0, label 2).
INPUT_SETS = {
    "ordinary": {
        "student_logits": [[1.2, -0.4, 0.3, 2.1, -1.0],
                           [0.0, 0.5, -0.5, 0.25, 1.5],
                           [-2.0, 1.0, 0.7, -0.3, 0.1],
                           [0.9, 0.9, -1.1, 0.2, -0.6]],
        "teacher_logits": [[0.5, -1.0, 0.2, 3.0, -0.5],
                           [1.0, 0.3, -0.2, 0.0, 2.5],
                           [-1.5, 0.2, 2.2, 0.0, -0.4],
                           [2.0, 0.1, -0.3, 0.4, -1.2]],
        "labels": [3, 4, 1, 0],
    },
    "extreme": {
        "student_logits": [[60.0, -40.0, 0.0, 15.0, -60.0],
                           [-50.0, 50.0, 0.0, -25.0, 10.0],
                           [0.0, 0.0, 0.0, 0.0, 0.0],
                           [30.0, -30.0, 29.0, -10.0, 5.0]],
        "teacher_logits": [[90.0, -90.0, 0.0, 10.0, -40.0],
                           [-80.0, -80.0, 80.0, 0.0, 20.0],
                           [100.0, 99.0, -100.0, 0.0, -100.0],
                           [0.0, 0.0, 0.0, 0.0, 0.0]],
        "labels": [3, 1, 2, 0],
    },
}


def soft_cross_entropy(z, target):
    """(1/b) sum_s -sum_i target_i log softmax(z)_i."""
    return -(target * F.log_softmax(z, dim=1)).sum(dim=1).mean()


def ban(z, y, t):
    return soft_cross_entropy(z, F.softmax(t, dim=1))


def ban_plus_labels(z, y, t):
    return LABEL_WEIGHT * F.cross_entropy(z, y) + (1 - LABEL_WEIGHT) * ban(z, y, t)


def distillation(z, y, t, reduction="batchmean"):
    kl = F.kl_div(F.log_softmax(z / TEMPERATURE, dim=1), F.log_softmax(t / TEMPERATURE, dim=1),
                  reduction=reduction, log_target=True)
    return LABEL_WEIGHT * F.cross_entropy(z, y) + (1 - LABEL_WEIGHT) * TEMPERATURE ** 2 * kl


def cwtm(z, y, t):
    teacher_max = F.softmax(t, dim=1).max(dim=1).values
    weights = teacher_max / teacher_max.sum()
    return -(weights * F.log_softmax(z, dim=1).gather(1, y.unsqueeze(1)).squeeze(1)).sum()


def dkpp_source_positions(t):
    """A fixed stand-in for DKPP's random permutation: the argmax keeps its place and every other position takes the
    value of the next non-argmax position (cyclically), so no non-argmax value stays where it was."""
    rows = []
    for a in F.softmax(t, dim=1).argmax(dim=1).tolist():
        others = [j for j in range(t.shape[1]) if j != a]
        source = list(range(t.shape[1]))
        for k, position in enumerate(others):
            source[position] = others[(k + 1) % len(others)]
        rows.append(source)
    return torch.tensor(rows, dtype=torch.int64)


def value_and_gradient(loss_function, z0, *args, **kwargs):
    z = z0.clone().requires_grad_(True)
    loss = loss_function(z, *args, **kwargs)
    loss.backward()
    return {"loss": loss.item(), "gradient": z.grad.tolist()}


def as_float32_exact(values):
    # Inputs go through float32 first so the C# side (float32) starts from exactly the same numbers.
    return torch.tensor(values, dtype=torch.float32).double()


def golden_for(inputs):
    z = as_float32_exact(inputs["student_logits"])
    t = as_float32_exact(inputs["teacher_logits"])
    y = torch.tensor(inputs["labels"], dtype=torch.int64)
    source = dkpp_source_positions(t)
    permuted_target = F.softmax(t, dim=1).gather(1, source)
    teacher_max = F.softmax(t, dim=1).max(dim=1).values
    return {
        "student_logits": z.tolist(),
        "teacher_logits": t.tolist(),
        "labels": y.tolist(),
        "dkpp_source_positions": source.tolist(),
        "dkpp_permuted_target": permuted_target.tolist(),
        "cwtm_weights": (teacher_max / teacher_max.sum()).tolist(),
        "losses": {
            "Ban": value_and_gradient(ban, z, y, t),
            "BanPlusLabels": value_and_gradient(ban_plus_labels, z, y, t),
            "Distillation": value_and_gradient(distillation, z, y, t),
            # The same with PyTorch's default KL reduction "mean" (divides by batch x classes): the common bug.
            # Written only so a test can show that the correct value is far from it.
            "DistillationWithMeanReduction": value_and_gradient(distillation, z, y, t, reduction="mean"),
            "Cwtm": value_and_gradient(cwtm, z, y, t),
            "Dkpp": value_and_gradient(soft_cross_entropy, z, permuted_target),
            "Label": value_and_gradient(lambda z_, y_: F.cross_entropy(z_, y_), z, y),
            "LabelSmoothed": value_and_gradient(
                lambda z_, y_: F.cross_entropy(z_, y_, label_smoothing=LABEL_SMOOTHING), z, y),
        },
    }


def main():
    # PyTorch warns that reduction="mean" is not the KL definition; that is exactly why it is computed.
    warnings.filterwarnings("ignore", message="reduction: .mean.")
    golden = {
        "_comment": "Generated by make_golden.py; do not edit by hand. Values in float64; gradients w.r.t. student logits.",
        "torch_version": torch.__version__,
        "label_weight": LABEL_WEIGHT,
        "temperature": TEMPERATURE,
        "label_smoothing": LABEL_SMOOTHING,
        "sets": {name: golden_for(inputs) for name, inputs in INPUT_SETS.items()},
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "losses_golden.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
