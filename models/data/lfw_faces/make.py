"""Writes this folder's PNG files from scikit-image 0.26.0's `lfw_subset.npy`.

The array is 200 grayscale 25x25 crops in [0, 1]: 100 faces from Labeled Faces in the Wild,
then 100 non-face patches (scikit-image's `data.lfw_subset()`). Each crop is stored as an
8-bit PNG, round(v * 255). Train takes the first 70 of each class, test the last 30: no
randomness. Run from this folder: python3 make.py (needs numpy and Pillow; fetches the wheel
with pip download, not installing it).
"""

import glob
import io
import os
import subprocess
import tempfile
import zipfile

import numpy as np
from PIL import Image

with tempfile.TemporaryDirectory() as wheels:
    subprocess.run(
        ["pip", "download", "--no-deps", "--quiet", "scikit-image==0.26.0", "--only-binary=:all:", "-d", wheels],
        check=True,
    )
    wheel = zipfile.ZipFile(glob.glob(os.path.join(wheels, "*.whl"))[0])
    crops = np.load(io.BytesIO(wheel.read("skimage/data/lfw_subset.npy")))
assert crops.shape == (200, 25, 25)
pixels = np.round(crops * 255).astype(np.uint8)
for class_name, start in (("face", 0), ("not_face", 100)):
    for split, indices in (("train", range(0, 70)), ("test", range(70, 100))):
        folder = os.path.join(split, class_name)
        os.makedirs(folder, exist_ok=True)
        for i in indices:
            Image.fromarray(pixels[start + i], mode="L").save(os.path.join(folder, f"{i:03d}.png"), optimize=True)
