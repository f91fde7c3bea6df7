# keras_hub (0.32) PositionEmbedding, SinePositionEncoding and TransformerEncoder, numpy backend:
# shapes, counts and the sine table ParameterTests and the kernels follow, and the encoder block
# of models/transformer_reverse.yaml. keras_hub imports its tokenizers eagerly; those
# modules are stubbed (unused here). Run: python3 models/verify/keras_hub_layers.py
import os, sys, types, importlib.abc, importlib.machinery
os.environ["KERAS_BACKEND"] = "numpy"
MISSING = ("tokenizers", "tensorflow_text", "sentencepiece", "kagglehub")
class Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"): raise AttributeError(name)
        return type(name, (), {})
class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in MISSING:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
    def create_module(self, spec): return Stub(spec.name)
    def exec_module(self, module): module.__path__ = []
sys.meta_path.insert(0, Finder())
import keras, numpy as np
from keras_hub.layers import PositionEmbedding, SinePositionEncoding, TransformerEncoder
x = keras.Input((12, 64)); l = PositionEmbedding(16); y = l(x)
print("position_embedding(16) on [12, 64]:", list(y.shape[1:]), "params", l.count_params(), [list(w.shape) for w in l.weights])
s = SinePositionEncoding(); print("sine_position_encoding on [12, 64]:", list(s(keras.Input((12, 64))).shape[1:]), "params", s.count_params())
e = np.asarray(SinePositionEncoding(max_wavelength=50)(np.zeros((1, 5, 6), dtype="float32")))[0]
np.set_printoptions(precision=6, suppress=True)
print("SinePositionEncoding(max_wavelength=50) on [5, 6]:"); print(e)
t = TransformerEncoder(intermediate_dim=64, num_heads=4); t(keras.Input((8, 32)))
print("TransformerEncoder(intermediate_dim=64, num_heads=4) on [8, 32]: params", t.count_params())
