# Runs small convolution models in real Keras 3 (numpy backend; `pip install keras jax`)
# with deterministic weights and inputs and prints their outputs: the numbers
# ConvolutionKerasTests compares nnc's compiled plans against (the depthwise kernel's
# [kh, kw, C, multiplier] layout and output channel order c·multiplier + m; a separable
# convolution's depthwise_kernel, pointwise_kernel and bias; a transposed convolution's
# kernel [kh, kw, filters, C], output sizes and placement, output_padding included).
# Run: python3 models/verify/keras_convolution.py > models/verify/keras_convolution.txt
#
# Parameters: element i of the k-th weight tensor (in model.weights order, which is nnc's
# parameter order) is 0.3·sin(0.37·i + 1.1·k + 0.2). Inputs: element i of the flattened
# [batch, height, width, channels] input is 0.8·cos(0.91·i + 0.3). Batch 2.
import math
import os
os.environ["KERAS_BACKEND"] = "numpy"
import keras
import numpy as np
from keras import layers as L

B = 2


def weights(model):
    return [np.array([0.3 * math.sin(0.37 * i + 1.1 * k + 0.2) for i in range(int(np.prod(w.shape)))], dtype=np.float32).reshape(w.shape)
            for k, w in enumerate(model.weights)]


def floats(shape):
    n = B * int(np.prod(shape))
    return np.array([0.8 * math.cos(0.91 * i + 0.3) for i in range(n)], dtype=np.float32).reshape((B,) + shape)


def seq(shape, *ls):
    x = keras.Input(shape)
    y = x
    for layer in ls:
        y = layer(y)
    return keras.Model(x, y), shape


CASES = {
    "depthwise_same_strided": lambda: seq(
        (5, 5, 2), L.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2, activation="tanh")),
    "depthwise_dilated_no_bias": lambda: seq(
        (6, 7, 2), L.DepthwiseConv2D((2, 3), dilation_rate=2, depth_multiplier=3, use_bias=False)),
    "depthwise_stack": lambda: seq(
        (6, 6, 3), L.DepthwiseConv2D(3, padding="same", activation="relu"), L.DepthwiseConv2D(2, strides=2, depth_multiplier=2)),
    "separable_same": lambda: seq(
        (6, 5, 3), L.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, activation="tanh")),
    "separable_strided_dilated_no_bias": lambda: seq(
        (7, 7, 2), L.SeparableConv2D(3, (3, 2), strides=2, use_bias=False), L.SeparableConv2D(5, 2, dilation_rate=(1, 2), depth_multiplier=3)),
    "transpose_valid_strided": lambda: seq(
        (4, 3, 2), L.Conv2DTranspose(3, 3, strides=2, activation="tanh")),
    "transpose_same_output_padding": lambda: seq(
        (3, 4, 3), L.Conv2DTranspose(2, (3, 4), strides=(2, 3), padding="same", output_padding=(1, 2)),
        L.Conv2DTranspose(3, 4, strides=2, padding="same", use_bias=False)),
    "transpose_valid_output_padding_small_kernel": lambda: seq(
        (3, 3, 2), L.Conv2DTranspose(2, 2, strides=3), L.Conv2DTranspose(3, (2, 3), strides=2, output_padding=(1, 0))),
    "transpose_dilated": lambda: seq(
        (4, 4, 2), L.Conv2DTranspose(3, 3, dilation_rate=2, padding="same"), L.Conv2DTranspose(2, 2, dilation_rate=(1, 2))),
}

for name, make in CASES.items():
    model, shape = make()
    model.set_weights(weights(model))
    y = np.asarray(model(floats(shape))).ravel()
    print(name, " ".join("%.8g" % v for v in y))
