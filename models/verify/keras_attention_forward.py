# nnc's attention forward pass against Keras 3 with keras_hub (numpy backend; `pip install keras
# jax keras-hub`): trains a small model with nnc (cross-attention with value_dim and a causal
# mask, learned and sinusoidal position embeddings, self-attention with output_shape), loads
# its weights into the same network built in Keras, and prints both predictions for eight
# random inputs. They agree to float round-off (6 digits). (Keras's jax backend refuses
# value_dim ≠ key_dim in its fused attention; its numpy backend drops padding masks. Padding was
# checked by hand under jax and torch, through a numpy transcription of Keras's masking that
# reproduced Keras to 6 digits: nnc agrees except at padding query positions, see Grammar/README.md.)
# Run: python3 models/verify/keras_attention_forward.py .build/release/nnc
import importlib.abc, importlib.machinery, json, os, struct, subprocess, sys, tempfile, types
os.environ["KERAS_BACKEND"] = "numpy"
nnc = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/nnc")
SPEC = """model: forward
input: [6, 2]
layers:
  - dense: {units: 5, activation: tanh, name: v}
  - multi_head_attention: {num_heads: 2, key_dim: 3, value_dim: 4, inputs: [input, v], use_causal_mask: true, name: cross}
  - position_embedding: {sequence_length: 7, name: pos}
  - sinusoidal_position_embedding: {max_wavelength: 20, name: sine}
  - multi_head_attention: {num_heads: 3, key_dim: 2, output_shape: 3, name: self}
  - flatten
  - dense: 1
loss: mse
train: {epochs: 1, batch_size: 32, seed: 1}
data:
  train: {generate: {adding: {length: 6, samples: 256}}}
"""
class Stub(types.ModuleType):  # keras_hub imports its tokenizers' libraries eagerly; unused here
    def __getattr__(self, name):
        if name.startswith("__"): raise AttributeError(name)
        return type(name, (), {})
class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in ("tokenizers", "tensorflow_text", "sentencepiece", "kagglehub"):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
    def create_module(self, spec): return Stub(spec.name)
    def exec_module(self, module): module.__path__ = []
sys.meta_path.insert(0, Finder())
import keras, numpy as np
from keras import layers as L
from keras_hub.layers import SinePositionEncoding
os.chdir(tempfile.mkdtemp())
open("forward.yaml", "w").write(SPEC)
np.save("x.npy", np.random.RandomState(0).uniform(-1, 1, (8, 6, 2)).astype("float32"))
subprocess.run([nnc, "train", "forward.yaml"], check=True, capture_output=True)
csv = subprocess.run([nnc, "predict", "forward.yaml", "--input", "x.npy", "--format", "csv"], check=True,
                     capture_output=True, text=True).stdout
print("nnc:  ", " ".join(f"{float(line.split(',')[1]):.6f}" for line in csv.strip().split("\n")[1:]))
b = open("runs/forward/weights.safetensors", "rb").read(); n = struct.unpack("<Q", b[:8])[0]
h = json.loads(b[8:8 + n])
W = {k: np.frombuffer(b[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], dtype="<f4").reshape(v["shape"])
     for k, v in h.items() if k != "__metadata__"}
class PositionEmbedding(L.Layer):  # keras_hub's, added to its input
    def build(self, s): self.embeddings = self.add_weight(shape=(7, s[-1]))
    def call(self, t): return t + self.embeddings[:t.shape[1]]
x = keras.Input((6, 2))
dv = L.Dense(5, activation="tanh"); v = dv(x)
m1 = L.MultiHeadAttention(2, 3, value_dim=4); y = m1(x, v, use_causal_mask=True)
pos = PositionEmbedding(); y = pos(y)
y = y + SinePositionEncoding(max_wavelength=20)(y)
m2 = L.MultiHeadAttention(3, 2, output_shape=3); y = m2(y, y)
d = L.Dense(1); model = keras.Model(x, d(L.Flatten()(y)))
names = ["query_kernel", "query_bias", "key_kernel", "key_bias", "value_kernel", "value_bias", "output_kernel",
         "output_bias"]
dv.set_weights([W["v.kernel"], W["v.bias"]]); pos.set_weights([W["pos.embeddings"]])
m1.set_weights([W["cross." + k] for k in names]); m2.set_weights([W["self." + k] for k in names])
d.set_weights([W["dense.kernel"], W["dense.bias"]])
print("keras:", " ".join(f"{p:.6f}" for p in model.predict(np.load("x.npy"), verbose=0)[:, 0]))
