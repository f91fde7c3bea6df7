"""Writes the Keras models `nnc import` is tested on: each model's to_json() and its parameter
count from Keras itself (counts.json). Run from this folder with Keras 3 (any backend:
KERAS_BACKEND=torch python3 make.py)."""

import json

import keras
from keras import layers

models = {}

models["lenet5"] = keras.Sequential(
    [
        keras.Input((28, 28, 1)),
        layers.Conv2D(6, 5, padding="same", activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(16, 5, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4)),
        layers.MaxPooling2D(),
        layers.Flatten(),
        layers.Dense(120, activation="relu", kernel_initializer="he_normal"),
        layers.Dropout(0.5),
        layers.Dense(84, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ],
    name="lenet5",
)

inputs = keras.Input((16, 16, 3))
x = layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
branch = layers.DepthwiseConv2D(3, padding="same")(x)
branch = layers.SeparableConv2D(8, 3, padding="same", activation="relu")(branch)
x = layers.Add()([x, branch])
squeeze = layers.GlobalAveragePooling2D()(x)
gates = layers.Dense(8, activation="sigmoid")(squeeze)
gates = layers.Reshape((1, 1, 8))(gates)
x = layers.Multiply()([x, gates])
x = layers.Concatenate()([x, layers.MaxPooling2D(1)(x)])
x = layers.UpSampling2D()(x)
x = layers.GlobalMaxPooling2D()(x)
outputs = layers.Dense(3, activation="softmax")(x)
models["functional_cnn"] = keras.Model(inputs, outputs, name="functional_cnn")

models["text_rnn"] = keras.Sequential(
    [
        keras.Input((20,)),
        layers.Embedding(100, 16, mask_zero=True),
        layers.Bidirectional(layers.GRU(12, return_sequences=True)),
        layers.LSTM(10, recurrent_dropout=0.1),
        layers.LayerNormalization(),
        layers.Dense(1, activation="sigmoid"),
    ],
    name="text_rnn",
)

models["unsupported"] = keras.Sequential(
    [
        keras.Input((8,)),
        layers.Dense(4, kernel_initializer="truncated_normal"),
        layers.Lambda(lambda t: t * 2),
        layers.ReLU(max_value=6.0),
        layers.Dense(2, activation="gelu"),
    ],
    name="unsupported",
)

counts = {}
for name, model in models.items():
    with open(f"{name}.json", "w") as f:
        f.write(json.dumps(json.loads(model.to_json()), indent=2) + "\n")
    counts[name] = model.count_params()
with open("counts.json", "w") as f:
    json.dump({"keras": keras.__version__, "counts": counts}, f, indent=2)
    f.write("\n")
