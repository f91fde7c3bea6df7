"""Writes train.tsv, test.tsv and vocabulary.txt from chatterbot-corpus 1.3.3's conversations.

The corpus (https://github.com/gunthercox/chatterbot-corpus, BSD 3-clause) ships YAML files of
short dialog statements written by people, one folder per language. Language identification
over five languages in Latin script: english (0), spanish (1), portuguese (2), italian (3),
dutch (4). For each language, its files are read in name order, each statement's whitespace
collapsed, statements with fewer than two words or seen before dropped, and 600 taken evenly
across the list (index i·n/600); of those, every fifth (i mod 5 = 4) goes to test: 480 train
and 120 test per language, no randomness. Words are runs of letters, lowercased. The
vocabulary is the training split's 1,998 most frequent words (ties alphabetical), ids 2…1999;
0 is padding and 1 every other word. Each line is `label<TAB>id id …` (nnc's token format).
Run from this folder: python3 make.py (needs PyYAML; fetches the wheel with pip download, not
installing it).
"""

import collections
import glob
import os
import re
import subprocess
import tempfile
import zipfile

import yaml

LANGUAGES = ["english", "spanish", "portuguese", "italian", "dutch"]
PER_LANGUAGE = 600
VOCABULARY = 2000  # with padding (0) and unknown (1)

with tempfile.TemporaryDirectory() as wheels:
    subprocess.run(
        ["pip", "download", "--no-deps", "--quiet", "chatterbot-corpus==1.3.3", "--only-binary=:all:", "-d", wheels],
        check=True,
    )
    wheel = zipfile.ZipFile(glob.glob(os.path.join(wheels, "*.whl"))[0])
    files = sorted(wheel.namelist())
    train, test = [], []
    for label, language in enumerate(LANGUAGES):
        statements, seen = [], set()
        for name in files:
            if not (name.startswith(f"chatterbot_corpus/data/{language}/") and name.endswith(".yml")):
                continue
            document = yaml.safe_load(wheel.read(name)) or {}
            for conversation in document.get("conversations") or []:
                for statement in conversation:
                    if not isinstance(statement, str):
                        continue
                    text = " ".join(statement.split())
                    words = re.findall(r"[^\W\d_]+", text.lower())
                    if len(words) >= 2 and text not in seen:
                        seen.add(text)
                        statements.append(words)
        n = len(statements)
        assert n >= PER_LANGUAGE, f"{language}: {n} statements"
        for i in range(PER_LANGUAGE):
            (test if i % 5 == 4 else train).append((label, statements[i * n // PER_LANGUAGE]))

counts = collections.Counter(word for _, words in train for word in words)
ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: VOCABULARY - 2]
ids = {word: 2 + k for k, (word, _) in enumerate(ranked)}
with open("vocabulary.txt", "w", encoding="utf-8") as f:
    f.write("<pad>\n<unk>\n" + "".join(word + "\n" for word, _ in ranked))
for path, samples in (("train.tsv", train), ("test.tsv", test)):
    with open(path, "w", encoding="utf-8") as f:
        for label, words in samples:
            f.write(f"{label}\t{' '.join(str(ids.get(word, 1)) for word in words)}\n")
