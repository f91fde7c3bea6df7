# Runs small recurrent models in real Keras 3 (numpy backend; `pip install keras jax`)
# with deterministic weights and inputs and prints their outputs: the numbers
# RecurrentKerasTests compares nnc's compiled plans against (weight layouts, gate order,
# GRU reset_after and reset_before, bidirectional merges, masking from mask_zero).
# Run: python3 models/verify/keras_recurrent.py > models/verify/keras_recurrent.txt
#
# Parameters: element i of the k-th weight tensor (in model.weights order, which is nnc's
# parameter order) is 0.3·sin(0.37·i + 1.1·k + 0.2). Float inputs: element i of the
# flattened [batch, steps, features] input is 0.8·cos(0.91·i + 0.3). Batch 2, 6 steps.
import math
import os
os.environ["KERAS_BACKEND"] = "numpy"
import keras
import numpy as np
from keras import layers as L

B, T, F = 2, 6, 3
TOKENS = [[0, 0, 3, 1, 4, 2], [5, 2, 0, 6, 0, 0]]  # pre, interior and post padding (id 0)


def weights(model):
    return [np.array([0.3 * math.sin(0.37 * i + 1.1 * k + 0.2) for i in range(int(np.prod(w.shape)))], dtype=np.float32).reshape(w.shape)
            for k, w in enumerate(model.weights)]


def floats():
    return np.array([0.8 * math.cos(0.91 * i + 0.3) for i in range(B * T * F)], dtype=np.float32).reshape(B, T, F)


def seq(shape, *ls):
    x = keras.Input(shape)
    y = x
    for layer in ls:
        y = layer(y)
    return keras.Model(x, y)


def lrelu(x):
    return keras.activations.leaky_relu(x, negative_slope=0.3)


def swish(x):
    return x * keras.activations.sigmoid(1.5 * x)


CASES = {
    "lstm_stack": lambda: seq((T, F), L.LSTM(5, return_sequences=True), L.LSTM(4)),
    "gru_after_before": lambda: seq((T, F), L.GRU(5, return_sequences=True), L.GRU(4, reset_after=False)),
    "simple_rnn": lambda: seq((T, F), L.SimpleRNN(4, activation="relu", return_sequences=True), L.SimpleRNN(3)),
    "bidirectional_merges": lambda: seq(
        (T, F),
        L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="concat"),
        L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum"),
        L.Bidirectional(L.GRU(2, reset_after=False, return_sequences=True), merge_mode="mul"),
        L.Bidirectional(L.SimpleRNN(2), merge_mode="ave")),
    "activations": lambda: seq(
        (T, F),
        L.LSTM(3, activation="elu", recurrent_activation="softplus", return_sequences=True),
        L.GRU(3, activation=swish, recurrent_activation=lrelu, return_sequences=True),
        L.GRU(2, activation="selu", reset_after=False, use_bias=False)),
    "masked_stack": lambda: seq(
        (T,), L.Embedding(7, 3, mask_zero=True),
        L.Bidirectional(L.LSTM(3, return_sequences=True)),
        L.GRU(3, return_sequences=True),
        L.SimpleRNN(2)),
    "masked_sequences": lambda: seq((T,), L.Embedding(7, 3, mask_zero=True), L.LSTM(3, return_sequences=True)),
    "masked_bidirectional_sequences": lambda: seq(
        (T,), L.Embedding(7, 3, mask_zero=True), L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode="concat")),
}

for name, build in CASES.items():
    model = build()
    model.set_weights(weights(model))
    x = np.array(TOKENS, dtype=np.int32) if name.startswith("masked") else floats()
    y = np.asarray(model(x)).reshape(-1)
    print(name, " ".join(f"{v:.8g}" for v in y))
