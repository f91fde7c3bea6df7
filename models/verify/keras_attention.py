# Builds Keras 3's MultiHeadAttention (numpy backend; `pip install keras jax`) in the
# configurations Tests/NNCGraphTests/ParameterTests.swift (multiHeadAttentionMatchesKeras)
# pins, and prints each one's output shape, weight shapes and parameter count.
# Run: python3 models/verify/keras_attention.py > models/verify/keras_attention.txt
import os
os.environ["KERAS_BACKEND"] = "numpy"
import keras
from keras import layers as L

def mha(name, shapes, **args):
    ins = [keras.Input(s) for s in shapes]
    m = L.MultiHeadAttention(**args)
    y = m(ins[0], ins[1] if len(ins) > 1 else ins[0], key=ins[2] if len(ins) > 2 else None)
    weights = " ".join(str(list(w.shape)) for w in m.weights)
    print(f"{name}: output {list(y.shape[1:])}, params {m.count_params()}, weights {weights}")

mha("self", [(10, 32)], num_heads=4, key_dim=8)
mha("cross", [(5, 64), (10, 10), (10, 11)], num_heads=2, key_dim=6, value_dim=5)
mha("nobias", [(5, 64), (10, 10)], num_heads=2, key_dim=6, output_shape=20, use_bias=False)
mha("gradient_cross", [(6, 4), (6, 3), (6, 5)], num_heads=2, key_dim=3, value_dim=2, output_shape=5)
mha("gradient_nobias", [(6, 5), (6, 4)], num_heads=3, key_dim=2, use_bias=False)
