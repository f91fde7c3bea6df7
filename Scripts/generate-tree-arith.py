#!/usr/bin/env python3
"""Writes models/data/tree_arith/{train.txt,test.txt,README.md}: arithmetic expression trees
for nnc's `format: trees` (one `label<TAB>tree` line per sample).

Each sample is a random expression over the digits 0-9 (token ids 0-9) with 1 to 5 binary
operators, + (id 10) and - (id 11), written as a tree: `(10 (11 3 4) 7)` is (3 - 4) + 7. The
number of operators is uniform in 1..5, the shape is random (the left subtree takes a uniform
share of the operators, so trees lean neither left nor right), each operator is + or - and
each leaf a digit, all uniform. The label is 1 when the expression's value is above 0, else 0.
Samples are drawn until each class has half of the split (train 4000 + 4000, test 1000 + 1000),
then each split is shuffled. At most 5 operators make at most 11 nodes, and every operator
has 2 children: a model reads them with `input: [11, 3]` and a vocabulary of 12.

Subtraction makes the children's order matter, so counting tokens cannot solve the task: the
script trains a bag-of-tokens logistic regression (token counts, standardized on train;
full-batch gradient descent) on train, measures it on test, prints it and writes it into the
README with the majority-class accuracy.

Deterministic: numpy's PCG64 generator seeded with SEED. Needs numpy only. Run from the
repository's root: python3 Scripts/generate-tree-arith.py
"""

import os

import numpy as np

SEED = 20151206  # Tai et al.'s Tree-LSTM paper came out in 2015
PLUS, MINUS = 10, 11
VOCABULARY = 12
MAX_OPERATORS = 5
SPLITS = {"train": 4000, "test": 1000}  # samples per class
FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "data", "tree_arith")


def expression(rng, operators):
    """A random tree with `operators` inner nodes: a digit, or [operator, left, right]."""
    if operators == 0:
        return int(rng.integers(0, 10))
    left = int(rng.integers(0, operators))
    op = PLUS if rng.integers(0, 2) == 0 else MINUS
    return [op, expression(rng, left), expression(rng, operators - 1 - left)]


def value(tree):
    if isinstance(tree, int):
        return tree
    left, right = value(tree[1]), value(tree[2])
    return left + right if tree[0] == PLUS else left - right


def text(tree):
    if isinstance(tree, int):
        return str(tree)
    return f"({tree[0]} {text(tree[1])} {text(tree[2])})"


def tokens(tree):
    if isinstance(tree, int):
        return [tree]
    return [tree[0]] + tokens(tree[1]) + tokens(tree[2])


def split(rng, per_class, exclude=frozenset()):
    """`per_class` samples of each label, shuffled: (label, tree) pairs; none whose text is in
    `exclude` (the test split leaves out every tree of train, so it measures generalization)."""
    classes = {0: [], 1: []}
    while min(len(c) for c in classes.values()) < per_class:
        tree = expression(rng, int(rng.integers(1, MAX_OPERATORS + 1)))
        label = 1 if value(tree) > 0 else 0
        if len(classes[label]) < per_class and text(tree) not in exclude:
            classes[label].append(tree)
    samples = [(label, tree) for label in (0, 1) for tree in classes[label]]
    order = rng.permutation(len(samples))
    return [samples[i] for i in order]


def bag_of_tokens(samples):
    counts = np.zeros((len(samples), VOCABULARY))
    for row, (_, tree) in enumerate(samples):
        for token in tokens(tree):
            counts[row, token] += 1
    return counts, np.array([label for label, _ in samples], dtype=float)


def logistic_regression(train, test, steps=5000, rate=0.5):
    """Test accuracy of a logistic regression on token counts (full-batch gradient descent)."""
    x, y = bag_of_tokens(train)
    x_test, y_test = bag_of_tokens(test)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-12
    x, x_test = (x - mean) / std, (x_test - mean) / std
    w, b = np.zeros(VOCABULARY), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        w -= rate * x.T @ (p - y) / len(y)
        b -= rate * float(np.mean(p - y))
    train_accuracy = float(np.mean((x @ w + b > 0) == (y == 1)))
    return train_accuracy, float(np.mean((x_test @ w + b > 0) == (y_test == 1)))


def main():
    rng = np.random.default_rng(SEED)
    data = {"train": split(rng, SPLITS["train"])}
    data["test"] = split(rng, SPLITS["test"], exclude=frozenset(text(tree) for _, tree in data["train"]))
    os.makedirs(FOLDER, exist_ok=True)
    for name, samples in data.items():
        with open(os.path.join(FOLDER, f"{name}.txt"), "w") as f:
            for label, tree in samples:
                f.write(f"{label}\t{text(tree)}\n")
    train, test = data["train"], data["test"]
    positive = {name: sum(label for label, _ in samples) / len(samples) for name, samples in data.items()}
    majority = max(positive["test"], 1 - positive["test"])
    fit, bag = logistic_regression(train, test)
    nodes = [len(tokens(tree)) for _, tree in train + test]
    seen = {text(tree) for _, tree in train}
    overlap = sum(text(tree) in seen for _, tree in test) / len(test)
    print(f"train {len(train)} lines, {positive['train']:.1%} label 1; test {len(test)} lines, {positive['test']:.1%} label 1")
    print(f"nodes per tree {min(nodes)}..{max(nodes)}, mean {np.mean(nodes):.2f}; test trees also in train: {overlap:.1%}")
    print(f"majority-class test accuracy {majority:.1%}")
    print(f"bag-of-tokens logistic regression: train accuracy {fit:.1%}, test accuracy {bag:.1%}")
    with open(os.path.join(FOLDER, "README.md"), "w") as f:
        f.write(README.format(
            train=len(train), test=len(test), train_positive=positive["train"], test_positive=positive["test"],
            low=min(nodes), high=max(nodes), mean=np.mean(nodes), overlap=overlap, majority=majority, fit=fit,
            bag=bag, seed=SEED, numpy=np.__version__))


README = """# tree_arith: arithmetic expression trees

Generated, not collected: `Scripts/generate-tree-arith.py` writes every file here (no
third-party data; nothing to attribute). Each line of `train.txt` ({train} lines) and `test.txt`
({test} lines) is `label<TAB>tree` for nnc's `format: trees`: a random arithmetic expression
over the digits 0-9 with 1 to 5 binary operators + and -, uniform in number, in random shapes
(the left subtree takes a uniform share of the operators), operators and digits uniform. The
label is 1 when the expression's value is above 0, else 0; samples are drawn until each class
holds half of its split (train {train_positive:.1%} label 1, test {test_positive:.1%}).

`1<TAB>(10 (11 3 4) 7)` is (3 - 4) + 7 = 6, label 1. Trees have {low} to {high} nodes (mean
{mean:.2f}) and every operator 2 children, so a model reads them as `input: [11, 3]` (11 rows of
[token id, child row, child row]) with a vocabulary of 12. No test tree stands in train
({overlap:.1%} overlap): small trees repeat, so test draws skip those train already holds, and
test's trees are a little larger on average.

| id | token |
| --- | --- |
| 0-9 | the digits 0-9 |
| 10 | + |
| 11 | - |

Subtraction makes the children's order matter, so a model that ignores structure cannot solve
the task. Measured by the generator on test:

| model | test accuracy |
| --- | --- |
| majority class | {majority:.1%} |
| bag-of-tokens logistic regression (token counts, trained on train: {fit:.1%} there) | {bag:.1%} |

Made with numpy {numpy}'s PCG64 seeded {seed}, from the repository's root:

```
python3 Scripts/generate-tree-arith.py
```
"""

if __name__ == "__main__":
    main()
