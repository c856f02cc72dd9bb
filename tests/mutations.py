"""Layout mutations for the fuzzers: valid layouts made hostile, driven by one ``random.Random``.

Shared by ``tests/test_fuzz.py`` (hypothesis supplies the ``Random``, so a failing
input is reproducible and shrinks) and ``bench/fuzz.py`` (a long seeded run). Each
mutation either edits the parsed data (drop, duplicate, retype and rename keys; swap
references; extreme and non-finite numbers; unicode and very long ids; deep nesting)
before it is dumped again, or edits the text (duplicated and deleted lines, anchors,
aliases and alias bombs, several documents, tags, stray bytes, truncation).
"""
from __future__ import annotations

import copy
import io
import math
import os
import random
import re
import sys
from contextlib import redirect_stderr, redirect_stdout

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECTIONS = ("power", "cooling", "racks", "space")


def seed_files(*, include_slow: bool = False) -> list[str]:
    """The valid and broken example layouts the mutations start from (repo-relative paths)."""
    out = []
    for folder in ("layouts", "layouts/blocks", "tests/layouts", "tests/layouts/broken",
                   "tests/layouts/regress"):
        path = os.path.join(ROOT, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith(".yaml") and (include_slow or name != "campus-1gw.yaml"):
                out.append(os.path.join(path, name))
    return out


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


_SEEDS: dict[str, tuple[str, object]] = {}


def seed(path: str) -> tuple[str, object]:
    """(text, parsed data or None) of a seed file, cached."""
    if path not in _SEEDS:
        text = _read(path)
        try:
            data = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError:
            data = None
        _SEEDS[path] = (text, data)
    return _SEEDS[path]


# -- values --------------------------------------------------------------------------------

EXTREME_NUMBERS = [0, -0.0, -1, 1e-320, 5e-324, 1e308, -1e308, 1.7976931348623157e308,
                   math.inf, -math.inf, math.nan, 10 ** 30, -(10 ** 30), 2 ** 63, 2 ** 64 + 1,
                   10 ** 400, 0.1, 1.0000000001, 0.9999999999, 1e-9, 3, 2]
TEXT_NUMBERS = [".nan", ".NaN", ".inf", "-.inf", "+.Inf", "1e309", "-1e309", "0x1F", "0o17",
                "0b101", "1_000", "1:30", "12e3", "1.", "-.5", "+7", "007", "1e", "∞", "NaN",
                "inf", "0.", "9" * 400, "-" + "9" * 400, "1e-400", "1,5", "2026-01-01",
                "~", "null", "yes", "no", "on", "off", "y", "n", "True", "FALSE"]


def weird_string(rng: random.Random) -> str:
    choice = rng.randrange(9)
    if choice == 0:
        return "x" * rng.choice([255, 256, 257, 1000, 5000, 70000])
    if choice == 1:
        return rng.choice(["ü", "日本語", "\u200b", "e\u0301", "🔥", "\u202e", "Ω", "\ufeff"]) \
            * rng.randint(1, 50)
    if choice == 2:
        return rng.choice(["", " ", "  lead", "trail ", "a b", "-", "#", ":", "a: b", "[x]",
                           "{}", "*a", "&a", "!tag", "%", "@", "`", "'", '"', "\\", "\t"])
    if choice == 3:
        return "".join(chr(rng.randrange(0x20, 0x2FFF)) for _ in range(rng.randint(1, 30)))
    if choice == 4:
        return rng.choice(["twin", "power", "racks", "kind", "from", "<<", "$mv_a", "${x}"])
    if choice == 5:
        return "\n".join(["line"] * rng.randint(2, 5))
    if choice == 6:
        return "".join(rng.choice("abcXYZ019-_.") for _ in range(rng.randint(1, 300)))
    if choice == 7:
        return rng.choice(["\x07", "\x1b[31m", "\x7f", "\ud7ff", "\ue000", "\U0010ffff"])
    return rng.choice(TEXT_NUMBERS)


def weird_value(rng: random.Random, ids: list[str]):
    choice = rng.randrange(10)
    if choice == 0:
        return rng.choice(EXTREME_NUMBERS)
    if choice == 1:
        return weird_string(rng)
    if choice == 2:
        return rng.choice([None, True, False, [], {}, [None], {"x": 1}, [[]], [{}]])
    if choice == 3 and ids:
        return rng.choice(ids)
    if choice == 4 and ids:
        return rng.sample(ids, k=min(len(ids), rng.randint(1, 4)))
    if choice == 5:
        return nest(rng, rng.choice([2, 5, 30, 63, 64, 65, 100]))
    if choice == 6:
        return [rng.choice(EXTREME_NUMBERS) for _ in range(rng.randint(0, 4))]
    if choice == 7:
        return rng.randint(-10, 10)
    if choice == 8:
        return {weird_string(rng): rng.choice(EXTREME_NUMBERS)}
    return rng.choice(EXTREME_NUMBERS) * rng.choice([1, -1])


def nest(rng: random.Random, depth: int):
    value: object = rng.choice([1, "x", None])
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"k": value}
    return value


# -- data mutations ------------------------------------------------------------------------

def _containers(data):
    """Every (depth, container) in the data, mappings and lists alike, 40 levels at most."""
    stack = [(0, data)]
    while stack:
        depth, node = stack.pop()
        if isinstance(node, (dict, list)):
            yield depth, node
            if depth < 40:
                values = node.values() if isinstance(node, dict) else node
                stack.extend((depth + 1, v) for v in values)


def _ids(data) -> list[str]:
    out = []
    if isinstance(data, dict):
        for section in SECTIONS:
            part = data.get(section)
            if isinstance(part, dict):
                out.extend(str(k) for k in part)
    return out


def _pick_slot(rng: random.Random, data):
    """A random (container, key) with a value in it, or ``None``."""
    slots = [(c, k) for _, c in _containers(data)
             for k in (list(c) if isinstance(c, dict) else range(len(c)))]
    return rng.choice(slots) if slots else None


def mutate_data(rng: random.Random, data):
    """One mutation of the parsed layout data, in place where possible; returns the data."""
    ids = _ids(data)
    slot = _pick_slot(rng, data)
    if slot is None:
        return weird_value(rng, ids)
    container, key = slot
    op = rng.randrange(10)
    if op == 0 and isinstance(container, dict):  # drop a key
        del container[key]
    elif op == 1:  # retype a value
        container[key] = weird_value(rng, ids)
    elif op == 2:  # an extreme or non-finite number where a number is
        numbers = [(c, k) for _, c in _containers(data)
                   for k in (list(c) if isinstance(c, dict) else range(len(c)))
                   if isinstance(c[k], (int, float)) and not isinstance(c[k], bool)]
        c, k = rng.choice(numbers) if numbers else (container, key)
        c[k] = rng.choice(EXTREME_NUMBERS)
    elif op == 3:  # swap references: a string naming one id now names another
        refs = [(c, k) for _, c in _containers(data)
                for k in (list(c) if isinstance(c, dict) else range(len(c)))
                if isinstance(c[k], str) and c[k] in ids]
        if refs and ids:
            c, k = rng.choice(refs)
            c[k] = rng.choice(ids + ["missing-id", weird_string(rng)])
        elif len(refs) >= 2:
            (c1, k1), (c2, k2) = rng.sample(refs, 2)
            c1[k1], c2[k2] = c2[k2], c1[k1]
    elif op == 4 and isinstance(container, dict):  # rename a key (ids: unicode, long, clashes)
        new = rng.choice([weird_string(rng), *(ids or ["x"])])
        value = container.pop(key)
        container[new] = value
    elif op == 5 and isinstance(container, dict):  # copy an entry under a new key
        container[f"{key}-copy" if rng.random() < 0.5 else weird_string(rng)] = \
            copy.deepcopy(container[key])
    elif op == 6:  # deep nesting
        container[key] = nest(rng, rng.choice([10, 63, 64, 65, 150]))
    elif op == 7 and isinstance(container, dict):  # an unknown key
        container[rng.choice(["kindd", "capacity", "form", "colling", weird_string(rng)])] = 1
    elif op == 8 and isinstance(container, list):  # duplicate or drop list items
        if container and rng.random() < 0.5:
            container.append(copy.deepcopy(rng.choice(container)))
        elif container:
            container.pop(rng.randrange(len(container)))
    elif op == 9 and isinstance(data, dict):  # a whole top-level section retyped or dropped
        section = rng.choice(["twin", "policy", "site", "catalog", *SECTIONS, "blocks",
                              "instances", "include"])
        if section in data and rng.random() < 0.5:
            del data[section]
        else:
            data[section] = weird_value(rng, ids)
    else:
        container[key] = weird_value(rng, ids)
    return data


def dump(rng: random.Random, data) -> str:
    try:
        return yaml.dump(data, Dumper=_Dumper, sort_keys=rng.random() < 0.3,
                              default_flow_style=rng.choice([None, None, False, True]),
                              allow_unicode=rng.random() < 0.7, width=rng.choice([80, 200, 10**6]))
    except (yaml.YAMLError, RecursionError, ValueError, TypeError):
        return "twin: 1\nnot-dumpable: true\n"  # deep nesting is also made in the text


# -- text mutations ------------------------------------------------------------------------

def _alias_bomb(rng: random.Random) -> str:
    width, depth = rng.choice([(9, 9), (10, 7), (4, 12), (2, 30)])
    lines = ["bomb-0: &b0 [" + ", ".join(["x"] * width) + "]"]
    for d in range(1, depth):
        lines.append(f"bomb-{d}: &b{d} [" + ", ".join([f"*b{d - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def mutate_text(rng: random.Random, text: str) -> str:
    """One mutation of the layout's text."""
    lines = text.split("\n")
    op = rng.randrange(14)
    n = len(lines)
    i = rng.randrange(n) if n else 0
    if op == 0 and n:  # duplicate a line: duplicate keys
        lines.insert(i, lines[i])
    elif op == 1 and n:  # delete a line
        del lines[i]
    elif op == 2 and n >= 2:  # swap two lines
        j = rng.randrange(n)
        lines[i], lines[j] = lines[j], lines[i]
    elif op == 3:  # an anchor on one line, aliases to it on others
        cand = [k for k, ln in enumerate(lines) if ": " in ln and not ln.lstrip().startswith("#")]
        if cand:
            a = rng.choice(cand)
            head, _, tail = lines[a].partition(": ")
            lines[a] = f"{head}: &anc {tail}"
            for _ in range(rng.randint(1, 3)):
                b = rng.choice(cand)
                h2, _, t2 = lines[b].partition(": ")
                if b != a:
                    lines[b] = f"{h2}: *anc" if rng.random() < 0.7 else f"{h2}: {{<<: *anc}}"
    elif op == 4:  # an alias bomb
        return _alias_bomb(rng) + text if rng.random() < 0.5 else text + "\n" + _alias_bomb(rng)
    elif op == 5:  # several documents
        return rng.choice([text + "\n---\n" + text, "---\n" + text + "\n...\n---\ntwin: 1\n",
                           text + "\n--- !!str x\n", "%YAML 1.1\n---\n" + text,
                           "%TAG ! tag:evil.example,2000:\n---\n" + text])
    elif op == 6 and n:  # a tag that must not construct anything
        tag = rng.choice(["!!python/object/apply:os.system ['echo pwned']",
                          "!!python/name:os.system", "!custom 1", "!!binary aGk=", "!!set {a}",
                          "!!omap [a: 1]", "!!float x", "!!int 1.5", "!!timestamp 2001-12-14",
                          "!<tag:yaml.org,2002:python/none> ''", "!!map {}", "!!seq []"])
        head, sep, _ = lines[i].partition(": ")
        lines[i] = f"{head}: {tag}" if sep else f"{lines[i]} {tag}"
    elif op == 7:  # stray bytes or characters
        pos = rng.randrange(len(text) + 1)
        junk = rng.choice(["\t", "\x00", "\ufeff", "\r", "\r\n", "\x85", "\u2028", "\x1b", "{",
                           "[", "}", "]", ":", "- ", "? ", "&", "*", "!", "|", ">", "'", '"',
                           "%", "@", "`", "#", ",", "\\", "\ud800", "\udfff"])
        return text[:pos] + junk * rng.randint(1, 3) + text[pos:]
    elif op == 8:  # truncate
        return text[: rng.randrange(len(text) + 1)]
    elif op == 9 and n:  # re-indent a line
        lines[i] = " " * rng.choice([0, 1, 3, 8, 40]) + lines[i].lstrip()
    elif op == 10 and n:  # replace a number token in a line by a strange literal
        words = lines[i].split(" ")
        nums = [k for k, w in enumerate(words) if w.strip(",}]").replace(".", "", 1).isdigit()]
        if nums:
            k = rng.choice(nums)
            tail = words[k][len(words[k].rstrip(",}]")):]
            words[k] = rng.choice(TEXT_NUMBERS) + tail
            lines[i] = " ".join(words)
    elif op == 11:  # a very deep flow nesting
        depth = rng.choice([63, 64, 65, 500, 20000])
        open_, close = ("[", "]") if rng.random() < 0.5 else ("{a: ", "}")
        lines.insert(i, f"deep: {open_ * depth}1{close * depth}")
    elif op == 12 and n:  # a long line or a long key
        lines.insert(i, weird_string(rng).replace("\n", " ") + ": 1")
    else:  # an encoding change: UTF-16 or Latin-1 bytes, decoded as text later
        return text.replace("a", rng.choice(["ä", "\x80", "a"]))
    return "\n".join(lines)


def mutate(rng: random.Random, files: list[str]) -> tuple[str, str]:
    """(seed path, mutated text): 1-4 data and text mutations of a randomly chosen seed."""
    path = rng.choice(files)
    text, data = seed(path)
    steps = rng.randint(1, 4)
    if data is not None and rng.random() < 0.6:
        data = copy.deepcopy(data)
        for _ in range(rng.randint(1, steps)):
            data = mutate_data(rng, data)
        text = dump(rng, data)
        steps -= 1
    for _ in range(steps if rng.random() < 0.7 else 0):
        text = mutate_text(rng, text)
    return path, text


def as_bytes(rng: random.Random, text: str) -> bytes:
    """The text as bytes: UTF-8 mostly, sometimes another encoding or raw junk."""
    raw = text.encode("utf-8", errors="surrogatepass")
    choice = rng.randrange(40)
    if choice == 0:
        return text.encode("utf-16", errors="surrogatepass")
    if choice == 1:
        return b"\xef\xbb\xbf" + raw
    if choice == 2:
        pos = rng.randrange(len(raw) + 1)
        return raw[:pos] + bytes([rng.randrange(256)]) + raw[pos:]
    return raw


# -- running twin in-process ---------------------------------------------------------------

def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run ``twin.cli.main(argv)`` with captured output: (exit code, stdout, stderr).

    ``SystemExit`` (argparse) becomes its code; any other exception escapes, which is
    what the fuzzers look for.
    """
    from twin.cli import main

    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def line_count(path: str) -> int:
    with open(path, "rb") as handle:
        data = handle.read()
    return data.count(b"\n") + 1


def problems_in(code: int, out: str, err: str, argv: list[str]) -> list[str]:
    """What is wrong with one run: a traceback, a bad exit code, or a bad finding."""
    import json

    bad = []
    if code not in (0, 1, 2):
        bad.append(f"exit code {code}")
    if "Traceback" in err or "Traceback" in out:
        bad.append("traceback in output")
    if "--format" in argv and argv[argv.index("--format") + 1] == "json" and out.strip():
        try:
            doc = json.loads(out)
        except ValueError as exc:
            return [*bad, f"stdout is not JSON: {exc}"]
        findings = [f for lay in doc.get("layouts", []) for f in lay["findings"]]
        findings += doc.get("findings", []) if isinstance(doc.get("findings"), list) else []
        for f in findings:
            if not (isinstance(f.get("code"), str) and len(f["code"]) == 4
                    and f["code"][0] in "LTPCRS" and f["code"][1:].isdigit()):
                bad.append(f"finding without a code: {f}")
            if not (isinstance(f.get("message"), str) and f["message"].strip()):
                bad.append(f"finding without a message: {f}")
            line, file = f.get("line"), f.get("file")
            try:
                lines = line_count(file)
            except (OSError, TypeError):
                bad.append(f"finding in a file that does not exist: {f}")
                continue
            if not (isinstance(line, int) and 1 <= line <= lines):
                bad.append(f"finding line {line} outside the file ({lines} lines): {f}")
            if not (isinstance(f.get("column"), int) and f["column"] >= 1):
                bad.append(f"finding column not 1-based: {f}")
    return bad


COMMANDS = ("validate", "validate", "validate", "validate", "whatif", "expand", "report")


def argv_for(rng: random.Random, path: str, text: str) -> list[str]:
    """A command line for one fuzzed file; JSON output mostly, so findings can be checked."""
    command = rng.choice(COMMANDS)
    if command == "validate":
        argv = ["validate", path, "--format", rng.choice(["json", "json", "json", "text",
                                                          "sarif", "junit"]), "--no-progress"]
        if rng.random() < 0.2:
            argv += ["--contingency", rng.choice(["0", "1"])]
        return argv
    if command == "whatif":
        # ids by their indentation, without parsing: the text may be an alias bomb
        ids = re.findall(r"^  ([A-Za-z0-9_.-]+):", text, flags=re.M)
        fail = rng.choice(ids) if ids and rng.random() < 0.8 else "no-such-id"
        return ["whatif", path, "--fail", fail, "--format", "json"]
    if command == "expand":
        return ["expand", path]
    return ["report", path, "--format", "json"]


if __name__ == "__main__":  # pragma: no cover - print one mutated layout
    r = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(mutate(r, seed_files())[1])
