"""Writes the Keras 3 models `nnc import --weights` is tested on: each model's to_json(), its
weights as model.save_weights writes them (.weights.h5), a few fixed inputs (.npy) and Keras's
own predictions on them (.expected.json), and a copy of dense_bn's weights with one variable
stored as float16 (what nnc refuses). Run from this folder: KERAS_BACKEND=torch python3 make.py"""

import json
import shutil

import h5py

import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(7)
rng = np.random.default_rng(7)
models = {}

# Dense and batchnorm (with moving statistics away from 0 and 1), named layers.
inputs = keras.Input((5,), name="features")
x = layers.Dense(8, activation="relu", name="hidden")(inputs)
x = layers.BatchNormalization(name="norm")(x)
outputs = layers.Dense(3, activation="softmax", name="scores")(x)
models["dense_bn"] = (keras.Model(inputs, outputs, name="dense_bn"), rng.normal(size=(4, 5)))

# A small convolution (HWIO kernels) into a dense layer through Flatten.
inputs = keras.Input((6, 6, 2))
x = layers.Conv2D(4, 3, activation="relu")(inputs)
x = layers.MaxPooling2D()(x)
x = layers.Flatten()(x)
outputs = layers.Dense(2)(x)
models["small_conv"] = (keras.Model(inputs, outputs, name="small_conv"), rng.normal(size=(3, 6, 6, 2)))

# Recurrent layers: gate orders and GRU's two bias rows, a bidirectional wrapper.
inputs = keras.Input((5, 3))
x = layers.Bidirectional(layers.GRU(4, return_sequences=True))(inputs)
x = layers.LSTM(3)(x)
outputs = layers.Dense(2)(x)
models["recurrent"] = (keras.Model(inputs, outputs, name="recurrent"), rng.normal(size=(3, 5, 3)))

# Token ids through an embedding, a causal self-attention with biases, a residual add and a
# layernorm, an attention without biases whose values are wider than its keys, a mean over the
# steps. (Its own generator for the ids, so the models above draw what they drew before.)
inputs = keras.Input((6,), dtype="int32")
x = layers.Embedding(11, 8)(inputs)
a = layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x, use_causal_mask=True)
x = layers.LayerNormalization(epsilon=1e-5)(layers.Add()([x, a]))
b = layers.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=5, use_bias=False)(x, x)
x = layers.GlobalAveragePooling1D()(layers.Add()([x, b]))
outputs = layers.Dense(3, activation="softmax")(x)
ids = np.random.default_rng(11).integers(0, 11, size=(4, 6))
models["attention"] = (keras.Model(inputs, outputs, name="attention"), ids)

for name, (model, x) in models.items():
    x = x.astype(np.float32)
    # Weights away from their initial values (zero biases, unit gammas would hide mistakes).
    model.set_weights([w + rng.normal(scale=0.3, size=w.shape).astype(np.float32) for w in model.get_weights()])
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([gamma, beta, mean, np.abs(variance) + 0.5])
    with open(f"{name}.json", "w") as f:
        f.write(json.dumps(json.loads(model.to_json()), indent=2) + "\n")
    model.save_weights(f"{name}.weights.h5")
    np.save(f"{name}.input.npy", x)
    with open(f"{name}.expected.json", "w") as f:
        json.dump(np.asarray(model.predict(x, verbose=0), dtype=np.float64).tolist(), f)
        f.write("\n")
shutil.copy("dense_bn.weights.h5", "dense_bn_fp16.weights.h5")
with h5py.File("dense_bn_fp16.weights.h5", "r+") as f:
    kernel = f["layers/dense/vars/0"][...]
    del f["layers/dense/vars/0"]
    f["layers/dense/vars/0"] = kernel.astype(np.float16)
# A hostile file: the kernel declared 2^30 values (never written, so the file stays small).
shutil.copy("dense_bn.weights.h5", "dense_bn_huge.weights.h5")
with h5py.File("dense_bn_huge.weights.h5", "r+") as f:
    del f["layers/dense/vars/0"]
    f.create_dataset("layers/dense/vars/0", shape=(1 << 15, 1 << 15), dtype="f4")
print("keras", keras.__version__)
