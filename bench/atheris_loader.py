"""Coverage-guided fuzzing of the reader and loader with atheris (libFuzzer for Python).

    pip install atheris
    python bench/atheris_loader.py CORPUS_DIR -max_total_time=600

CORPUS_DIR starts as a copy of the example layouts (``--seed-corpus`` copies them).
Each input goes through ``twin.load_bytes`` (source, blocks, loader) and, when it
loads cleanly, ``twin.validate`` without the contingency sweep; an exception, or a
finding without a code, a message or a line inside the input, is a crash (libFuzzer
saves the input as ``crash-*``).
"""
from __future__ import annotations

import os
import shutil
import sys

import atheris

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

with atheris.instrument_imports(include=["twin"]):
    import twin
    from twin.core import UsageError
    from twin.layout.source import Limits

LIMITS = Limits(max_bytes=1 << 20, max_nodes=200_000)


def one(data: bytes) -> None:
    try:
        loaded = twin.load_bytes(data, "fuzzed.yaml", limits=LIMITS)
    except UsageError:  # an include that names a missing file, for instance
        return
    lines = data.count(b"\n") + 1
    for f in loaded.findings:
        if f.file != "fuzzed.yaml":
            continue
        assert f.code and f.message, f
        assert 1 <= f.line <= lines and f.column >= 1, (f, lines)
    if loaded.layout is not None and not loaded.findings:
        try:
            twin.validate(loaded, contingency=0)
        except UsageError:
            pass


def main() -> None:
    args = sys.argv
    if "--seed-corpus" in args:
        args.remove("--seed-corpus")
        corpus = next(a for a in args[1:] if not a.startswith("-"))
        os.makedirs(corpus, exist_ok=True)
        root = os.path.dirname(HERE)
        for folder in ("layouts", "layouts/blocks", "tests/layouts", "tests/layouts/broken"):
            for name in sorted(os.listdir(os.path.join(root, folder))):
                if name.endswith(".yaml") and name != "campus-1gw.yaml":
                    shutil.copy(os.path.join(root, folder, name),
                                os.path.join(corpus, folder.replace("/", "-") + "-" + name))
    atheris.Setup(args, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
