"""Hostile layouts for the fuzzers: random mutations and shapes with a known right answer.

Shared by ``tests/test_fuzz.py`` (a seeded CI run) and ``bench/fuzz.py`` (a long
seeded run); ``tests/fuzzrun.py`` runs each input and checks it. Everything is driven
by one ``random.Random``, so an input is reproduced from its seed.

Two kinds of input:

- **mutations** (:func:`mutate`): a valid example layout with one to four random
  edits of its parsed data (drop, duplicate, retype and rename keys; swap references;
  extreme and non-finite numbers; unicode and very long ids; deep nesting) or of its
  text (duplicated and deleted lines, anchors, aliases and alias bombs, several
  documents, tags, stray bytes, truncation). Only the invariants every run must keep
  are checked on them.
- **shapes** (:data:`SHAPES`): a family of hostile inputs of one kind (a
  100,000-digit number, a YAML 1.1 number, a block bomb, an include of a FIFO, an id
  with control characters, an output path that is an input ...), each made as a
  :class:`Case` that also says what twin must answer: the finding it must give and
  where, the exit codes allowed, the layout with the same meaning in YAML 1.2 whose
  verdict it must match, the files it may write, the canary it must never print.
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
from dataclasses import dataclass, field

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
                "~", "null", "yes", "no", "on", "off", "y", "n", "True", "FALSE", "0120", "-010",
                "190:20:30", "1:20.5", "0x1F4", "0b1_0", "1_000.5", "0o777"]


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


def problems_in(code: int, out: str, err: str, argv: list[str], *,
                cwd: str | None = None) -> list[str]:
    """What is wrong with one run: a traceback, a bad exit code, or a bad finding
    (relative file names are relative to ``cwd``, default the current folder)."""
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
            if file in ("-", "<stdin>"):
                continue
            try:
                lines = line_count(os.path.join(cwd, file) if cwd and isinstance(file, str)
                                   else file)
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


# -- shapes: hostile inputs of a known kind, with what twin must answer -----------------

#: Every case lays out its files in a fresh folder: the layout is LAYOUT, the command may
#: write only under OUT, and ``{root}`` in a command line or a link is the folder.
LAYOUT = "layout/main.yaml"
OUT = "out"
#: The number length from which a number field must be refused (L004) whatever it
#: spells: a 100,000-digit number took 81 s to read (a quadratic regular expression).
NUMBER_CAP = 100_000
#: Nested blocks and ranges that make at least this many entries must be refused (an L
#: finding, before expanding them); at most SMALL_EXPANSION entries must be accepted.
HUGE_EXPANSION = 10_000_000
SMALL_EXPANSION = 2_000


@dataclass
class Case:
    """One input: the files to lay out, the command to run, and what twin must answer.

    Paths are relative to the case folder. ``need`` lists findings that must be printed,
    each ``(code, file, line)``: ``code`` "L" is any L code, ``file`` or ``line``
    ``None`` any. ``forbid`` lists codes that must not be printed ("limit": a finding
    that names a ``--max-`` flag). ``twins`` are files holding the layout as YAML 1.2
    (SPEC section 12) reads it: twin's verdict on the layout (its findings and the
    values it read) must be its verdict on one of them. ``writable`` are the only paths
    the command may create, change or delete; ``keep`` are files under them that must
    survive unchanged. ``canary`` must never appear in any output; ``bidi`` false lets
    bidi controls through to the output (C0, DEL, C1 and line separators are still
    checked). ``fork`` runs the case in a child process that is killed at the deadline
    (shapes that can block in a system call, or take gigabytes when they go wrong).
    """

    family: str
    label: str
    files: dict[str, bytes]
    argv: list[str]
    links: dict[str, str] = field(default_factory=dict)
    fifos: tuple[str, ...] = ()
    stdin: bytes | None = None
    cwd: str | None = None
    fork: bool = False
    writable: tuple[str, ...] = (OUT,)
    keep: tuple[str, ...] = ()
    canary: str | None = None
    need: tuple[tuple[str, str | None, int | None], ...] = ()
    forbid: tuple[str, ...] = ()
    exits: tuple[int, ...] = (0, 1, 2)
    twins: tuple[str, ...] = ()
    max_findings: int | None = None
    markup: tuple[str, ...] = ()
    bidi: bool = True
    #: The deadline is multiplied by this for an input that legitimately does a lot of
    #: work (expanding 100,000 racks and reading the written file back).
    cost: float = 1.0


_MARK = "@@twin-fuzz@@"
_ROOT = "{root}"


def _layout_argv(rng: random.Random, command: str | None = None, *, path: str = LAYOUT,
                 fail: str | None = None) -> list[str]:
    """A command line that reads the case's layout; writes go under OUT."""
    layout = f"{_ROOT}/{path}"
    command = command or rng.choice(["validate", "validate", "validate", "whatif", "expand",
                                     "report"])
    if command == "validate":
        return ["validate", layout, "--format", rng.choice(["json", "json", "text", "sarif",
                                                            "junit"]), "--no-progress"]
    if command == "whatif":
        return ["whatif", layout, "--fail", fail or "no-such-id", "--format",
                rng.choice(["json", "text"])]
    if command == "expand":
        return ["expand", layout] + (["-o", f"{_ROOT}/{OUT}/flat.yaml"] if rng.random() < 0.5
                                     else [])
    if command == "report":
        return ["report", layout, "--format", rng.choice(["json", "text"])] + (
            ["--html", f"{_ROOT}/{OUT}/report.html"] if rng.random() < 0.3 else [])
    if command == "export":
        argv = ["export", layout, "--netbox", f"{_ROOT}/{OUT}/netbox",
                "--dot", f"{_ROOT}/{OUT}/layout.dot"]
        return argv + (["--usd", f"{_ROOT}/{OUT}/usd"] if rng.random() < 0.1 else [])
    raise ValueError(command)


def shape_mutation(rng: random.Random) -> Case:
    """A random mutation of an example layout (:func:`mutate`); only the invariants."""
    seed_path, text = mutate(rng, seed_files())
    argv = argv_for(rng, f"{_ROOT}/{LAYOUT}", text)
    # bidi controls in the output are the ids-bidi family's: one family, one fix
    return Case("mutation", f"mutation of {os.path.basename(seed_path)}",
                {LAYOUT: as_bytes(rng, text)}, argv, bidi=False)


# -- values placed into one field of an example layout

_FLAT: list[tuple[str, dict]] = []
_CLEAN: list[tuple[str, dict]] = []


def _flat_seeds() -> list[tuple[str, dict]]:
    """(name, data) of the example layouts that parse and include nothing."""
    if not _FLAT:
        for path in seed_files():
            _, data = seed(path)
            if isinstance(data, dict) and "include" not in data and "racks" in data:
                _FLAT.append((os.path.basename(path), data))
    return _FLAT


def _clean_seeds() -> list[tuple[str, dict]]:
    """The flat seeds that load without an L finding: an L finding on such a layout
    after one edit is about that edit."""
    if not _CLEAN:
        import twin

        for name, data in _flat_seeds():
            text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True)
            if not any(f.code.startswith("L") for f in twin.load_bytes(text, name).findings):
                _CLEAN.append((name, data))
    return _CLEAN


def _field_keys(*types: str) -> set[str]:
    from twin.layout import fields as schema

    tables = [schema.SITE_FIELDS, *schema.POWER_FIELDS.values(),
              *schema.COOLING_FIELDS.values(), schema.RACK_TYPE_FIELDS, schema.RACK_FIELDS,
              schema.HALL_FIELDS, schema.POLICY_FIELDS]
    return {k for table in tables for k, f in table.items() if f.type in types}


def _slots(data, keys: set[str], *, in_blocks: bool, lists: tuple[str, ...] = (),
           maps: tuple[str, ...] = (), want=(int, float)):
    """Every (container, key, path) whose key is one of ``keys`` (or whose container is
    named in ``lists``/``maps``) and whose value is of type ``want``."""
    out = []
    stack = [(data, ())]
    while stack:
        node, path = stack.pop()
        if path and path[0] == "blocks" and not in_blocks:
            continue
        items = node.items() if isinstance(node, dict) else enumerate(node)
        parent = path[-1] if path else None
        for k, v in items:
            if isinstance(v, (dict, list)):
                stack.append((v, (*path, k)))
                continue
            if not isinstance(v, want) or (want != (bool,) and isinstance(v, bool)):
                continue
            if (isinstance(node, dict) and k in keys) or parent in lists + maps:
                out.append((node, k, (*path, k)))
    out.sort(key=lambda s: repr(s[2]))
    return out


def _dump_marked(rng: random.Random, data, container, key, *, rename: bool = False):
    """Dump ``data`` with one value (or with ``rename``, one key and every reference to
    it) replaced by a mark: (text, the mark as written, line of its first use)."""
    old = container[key]
    if rename:
        items = list(container.items())
        container.clear()
        container.update({(_MARK if k == key else k): v for k, v in items})
        _replace_refs(data, key, _MARK)
    else:
        container[key] = _MARK
    try:
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         default_flow_style=rng.choice([None, None, False]), width=10**6)
    finally:
        if rename:
            _replace_refs(data, _MARK, key)
            items = list(container.items())
            container.clear()
            container.update({(key if k == _MARK else k): v for k, v in items})
        else:
            container[key] = old
    for written in (f"'{_MARK}'", f'"{_MARK}"', _MARK):
        at = text.find(written + ":" if rename else written)
        if at >= 0:
            return text, written, text[:at].count("\n") + 1
    raise AssertionError("mark not dumped")


_REF_KEYS = ("from", "power", "to", "cooling", "hall")


def _replace_refs(node, old, new) -> None:
    """Replace ``old`` by ``new`` in place in every reference (``from``, ``power``,
    ``to``, ``cooling``, ``hall``, alone or in a list)."""
    stack = [node]
    while stack:
        n = stack.pop()
        for k, v in list(n.items() if isinstance(n, dict) else enumerate(n)):
            if k in _REF_KEYS and v == old:
                n[k] = new
            elif k in _REF_KEYS and isinstance(v, list):
                n[k] = [new if item == old else item for item in v]
            elif isinstance(v, (dict, list)):
                stack.append(v)


#: YAML 1.1 number forms, each with how YAML 1.2's core schema (SPEC section 12) reads
#: the same field: a number written plainly, or the text quoted (refused: L004). Where
#: the amendment allows either ("0120 is 120 or a finding") both are given.
YAML11_NUMBERS = [
    ("0120", ("120", "'0120'")), ("-010", ("-10", "'-010'")), ("007", ("7", "'007'")),
    ("08", ("8", "'08'")), ("0777", ("777", "'0777'")), ("0o17", ("15", "'0o17'")),
    ("1:20", ("'1:20'",)), ("190:20:30", ("'190:20:30'",)), ("-1:30", ("'-1:30'",)),
    ("1:20.5", ("'1:20.5'",)), ("0x1F4", ("'0x1F4'",)), ("0xff", ("'0xff'",)),
    ("-0x10", ("'-0x10'",)), ("0b101", ("'0b101'",)), ("-0b1", ("'-0b1'",)),
    ("1_000", ("'1_000'",)), ("1_000.5", ("'1_000.5'",)), ("0_7", ("'0_7'",)),
    (".inf", ("'.inf'",)), ("-.Inf", ("'-.Inf'",)), (".NaN", ("'.NaN'",)),
    ("yes", ("'yes'",)), ("Off", ("'Off'",)), ("on", ("'on'",)), ("NO", ("'NO'",)),
    ("1e3", ("1000",)), ("+12", ("12",)), ("12.", ("12.0",)), ("-.5", ("-0.5",)),
    ("1.5E+2", ("150",)),
]
#: The same for true/false fields: YAML 1.2 reads only true and false (any case).
YAML11_BOOLS = [
    ("yes", ("'yes'",)), ("No", ("'No'",)), ("on", ("'on'",)), ("OFF", ("'OFF'",)),
    ("y", ("'y'",)), ("n", ("'n'",)), ("Yes", ("'Yes'",)), ("off", ("'off'",)),
    ("True", ("true",)), ("FALSE", ("false",)), ("false", ("false",)),
]


def _with_twins(family: str, label: str, text: str, written: str, literal: str,
                readings, argv: list[str]) -> Case:
    files = {LAYOUT: text.replace(written, literal, 1).encode("utf-8")}
    twins = []
    for n, reading in enumerate(readings):
        files[f"yaml12-{n}/main.yaml"] = text.replace(written, reading, 1).encode("utf-8")
        twins.append(f"yaml12-{n}/main.yaml")
    return Case(family, label, files, argv, twins=tuple(twins))


def shape_yaml11_number(rng: random.Random) -> Case:
    """A YAML 1.1 number form in a number field: its verdict must be YAML 1.2's."""
    name, data = rng.choice(_flat_seeds())
    slots = _slots(data, _field_keys("number", "int") - {"twin"}, in_blocks=True,
                   lists=("inlet_c",), maps=("rows", "max_utilization", "failover_utilization"))
    container, key, path = rng.choice(slots)
    literal, readings = rng.choice(YAML11_NUMBERS)
    text, written, line = _dump_marked(rng, data, container, key)
    return _with_twins("yaml11-number", f"{literal} in {'.'.join(map(str, path))} of {name} "
                       f"(line {line})", text, written, literal, readings,
                       _layout_argv(rng, "validate"))


def shape_yaml11_bool(rng: random.Random) -> Case:
    """yes/no/on/off (and True, FALSE) in a true/false field: YAML 1.2's verdict."""
    name, data = rng.choice(_flat_seeds())
    data = copy.deepcopy(data)
    slots = _slots(data, _field_keys("bool"), in_blocks=True, want=(bool,))
    if not slots or rng.random() < 0.5:  # add `failable:` to a component
        entries = [(section, v) for section in ("power", "cooling")
                   for v in (data.get(section) or {}).values() if isinstance(v, dict)]
        section, entry = rng.choice(entries)
        entry["failable"] = rng.random() < 0.5
        slots = [(entry, "failable", (section, "failable"))]
    container, key, path = rng.choice(slots)
    literal, readings = rng.choice(YAML11_BOOLS)
    text, written, line = _dump_marked(rng, data, container, key)
    return _with_twins("yaml11-bool", f"{literal} in {'.'.join(map(str, path))} of {name} "
                       f"(line {line})", text, written, literal, readings,
                       _layout_argv(rng, "validate"))


def long_number(rng: random.Random, length: int) -> tuple[str, str]:
    """(form, text) of a number-like text about ``length`` characters long."""
    digits = "".join(rng.choice("0123456789") for _ in range(min(length, 64)))
    body = (digits * (length // len(digits) + 1))[:length]
    form = rng.choice(["digits", "digits", "leading-zeros", "fraction", "mantissa", "exponent",
                       "negative", "underscores", "base60", "hex", "dot", "zeros-dot"])
    n = max(length, 4)
    text = {
        "digits": "1" + body[1:],
        "leading-zeros": "0" * (n - 1) + "7",
        "fraction": "0." + "0" * (n - 3) + "1",
        "mantissa": "1." + body[2:],
        "exponent": "1e" + "0" * (n - 3) + "2",
        "negative": "-1" + body[2:],
        "underscores": ("1_" * (n // 2))[: n - 1] + "1",
        "base60": "1" + ":30" * ((n - 1) // 3),
        "hex": "0x" + "f" * (n - 2),
        "dot": "." + "5" * (n - 1),
        "zeros-dot": "0" * (n - 3) + "1.5",
    }[form]
    return form, text


NUMBER_LENGTHS = [16, 100, 255, 256, 257, 309, 310, 400, 1_000, 4_300, 4_301, 10_000,
                  NUMBER_CAP - 1, NUMBER_CAP, NUMBER_CAP + 1, 250_000]


def shape_number_length(rng: random.Random) -> Case:
    """A number of up to 250,000 characters in a number field: never slow; refused
    (L004, as its quoted text is) from NUMBER_CAP characters on, or when it is not a
    YAML 1.2 number at all."""
    name, data = rng.choice(_flat_seeds())
    slots = _slots(data, _field_keys("number", "int") - {"twin"}, in_blocks=False)
    container, key, path = rng.choice(slots)
    length = rng.choice(NUMBER_LENGTHS)
    form, literal = long_number(rng, length)
    text, written, line = _dump_marked(rng, data, container, key)
    refused = len(literal) >= NUMBER_CAP or form in ("underscores", "base60", "hex")
    command = rng.choice(["validate", "validate", "expand", "report", "whatif"])
    return _with_twins("number-length", f"{form} number of {len(literal):,} characters in "
                       f"{'.'.join(map(str, path))} of {name} (line {line})", text, written,
                       literal, (f"'{literal}'",) if refused else (),
                       _layout_argv(rng, command))


# -- ids of every character class

_C0 = [chr(c) for c in range(0x00, 0x20)]
_C1 = [chr(c) for c in range(0x80, 0xA0)]
_BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
         "\u2069", "\u200e", "\u200f", "\u061c"]
_COMBINING = ["\u0301", "\u0308", "\u0327", "\u20dd", "\u0489", "\u036f"]
_ASTRAL = ["\U0001F525", "\U0001D518", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
           "\U0001F1FA\U0001F1F8", "\U000E0041", "\U0010FFFD", "\U00020000"]


def _id_c0(rng):
    return rng.choice(["r", "ups-", ""]) + "".join(rng.choice(_C0) for _ in range(
        rng.randint(1, 3))) + rng.choice(["x", "", "[31m"])


def _id_c1(rng):
    return "r" + "".join(rng.choice(_C1) for _ in range(rng.randint(1, 3))) + "x"


def _id_del(rng):
    return rng.choice(["r\x7f", "\x7f", "a\x7fb", "\x7f\x7f"])


def _id_bidi(rng):
    return rng.choice(["ups-", "r", ""]) + rng.choice(_BIDI) + rng.choice(["a-spu", "1", "x"]) \
        + rng.choice(["", "\u202c", "\u2069"])


def _id_slash(rng):
    return rng.choice(["a/b", "/etc/passwd", "a//b", "b/", "/", "x/y/z", "/tmp/twin-x"])


def _id_backslash(rng):
    return rng.choice(["a\\b", "C:\\Windows\\x", "\\\\server\\share", "\\", "x\\"])


def _id_dotdot(rng):
    return rng.choice(["..", "../x", "a/../b", "../../../../tmp/twin-x", "..\\..\\x", "x/..",
                       "./../y"])


def _id_astral(rng):
    return rng.choice(["r", "", "ups-"]) + "".join(rng.choice(_ASTRAL)
                                                   for _ in range(rng.randint(1, 3)))


def _id_combining(rng):
    return rng.choice(["e\u0301", "\u0301abc", "a" + "\u0301" * rng.randint(2, 60),
                       "x\u20dd", "Z\u0489\u036f\u0308"])


def _id_long(rng):
    return "r" * rng.choice([255, 256, 257, 1_000, 70_000])


def _id_markup(rng):
    return rng.choice(["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                       "a&amp;b<b>", "]]><x>", "<!--x-->", "</td></tr><svg onload=alert(1)>"])


def _id_formula(rng):
    return rng.choice(['=HYPERLINK("http://x.example","y")', "+1+2", "-3+cmd|' /C calc'!A0",
                       "@SUM(A1)", "=1+1", "\t=1", "\r=1"])


#: id classes: (make an id, must it be refused with L004). Control characters and ".."
#: path segments are refused by the id grammar (SPEC section 12 work), ids longer than
#: --max-id-length (256) by that limit; the other classes must only come out escaped.
ID_CLASSES = {
    "c0": (_id_c0, True), "c1": (_id_c1, True), "del": (_id_del, True),
    "bidi": (_id_bidi, False), "slash": (_id_slash, False),
    "backslash": (_id_backslash, False), "dotdot": (_id_dotdot, True),
    "astral": (_id_astral, False), "combining": (_id_combining, False),
    "long": (_id_long, None), "markup": (_id_markup, False), "formula": (_id_formula, False),
}
_ESCAPE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def yaml_quoted(text: str) -> str:
    """``text`` as a double-quoted YAML scalar: raw where YAML allows, escaped elsewhere."""
    if not _ESCAPE.search(text):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    dumped = yaml.dump(text, Dumper=_Dumper, default_style='"', allow_unicode=True,
                       width=2**31 - 1)
    return dumped[: dumped.rindex('"') + 1]


_BLOCK_LAYOUT = """\
twin: 1
blocks:
  pod:
    power:
      ups: {kind: ups, capacity_kw: 500, from: grid}
    cooling:
      crah: {kind: crac, capacity_kw: 200}
    racks:
      r1: {it_kw: 100, power: [ups], cooling: [crah]}
power:
  grid: {kind: utility, capacity_kw: 2000}
instances:
  MARK: {block: pod}
"""


def shape_ids(cls: str, rng: random.Random) -> Case:
    """A component, rack, hall or instance id of one character class."""
    make, refused = ID_CLASSES[cls]
    ident = make(rng)
    if refused is None:
        refused = len(ident) > 256
    if rng.random() < 0.25:  # an instance id: it becomes the prefix of every id it makes
        text = _BLOCK_LAYOUT.replace("MARK", _MARK)
        written, line, where, fail = _MARK, text.count("\n"), "instance", ident + "/ups"
    else:
        name, data = rng.choice(_clean_seeds())
        entries = [(data[s], k, s) for s in ("power", "cooling", "racks")
                   if isinstance(data.get(s), dict) for k in data[s]]
        halls = (data.get("space") or {}).get("halls") if isinstance(data.get("space"),
                                                                      dict) else None
        entries += [(halls, k, "hall") for k in halls] if isinstance(halls, dict) else []
        container, key, section = rng.choice(entries)
        text, written, line = _dump_marked(rng, data, container, key, rename=True)
        where, fail = f"{section} id in {name}", ident
    text = text.replace(written, yaml_quoted(ident))
    if cls == "markup":
        command = rng.choice(["report-html", "report-html", "validate", "export"])
    elif cls == "formula":
        command = rng.choice(["export", "export", "export", "validate"])
    else:
        command = rng.choice(["validate", "validate", "whatif", "expand", "report", "export"])
    if command == "report-html":
        argv = ["report", f"{_ROOT}/{LAYOUT}", "--html", f"{_ROOT}/{OUT}/report.html"]
    elif command == "validate" and cls == "markup":
        argv = _layout_argv(rng, "validate")[:3] + [rng.choice(["junit", "sarif"])]
    else:
        argv = _layout_argv(rng, command, fail=fail)
    # the id grammar and length are the loader's: only validate prints the loader's findings
    refused = refused and argv[0] == "validate"
    # a key longer than 1,024 characters is not a YAML implicit key at all: L001 there
    code = "L" if len(yaml_quoted(ident)) > 1024 else "L004"
    return Case(f"ids-{cls}", f"{where} {ident[:40]!r}{'...' if len(ident) > 40 else ''} "
                f"(line {line}), {argv[0]}", {LAYOUT: text.encode("utf-8")}, argv,
                need=((code, LAYOUT, line),) if refused else (),
                markup=(ident,) if cls == "markup" else ())


# -- block and range expansions near the limits

_EXPANSION_HEAD = "twin: 1\npower:\n  grid: {kind: utility, capacity_kw: 1.0e+12}\n"


def _expansion_case(family: str, label: str, text: str, count: int, rng: random.Random,
                    *, line: int | None = None) -> Case:
    """A layout that makes ``count`` entries: refused fast (an L finding) when huge,
    accepted (no limit finding) when small, and never slower than the deadline."""
    need = forbid = ()
    if count >= HUGE_EXPANSION:
        need = (("L", LAYOUT, line),)
    elif count <= SMALL_EXPANSION:
        forbid = ("L001", "limit")
    command = "expand" if count > SMALL_EXPANSION else rng.choice(["validate", "expand"])
    return Case(family, f"{label}: {count:,} entries", {LAYOUT: text.encode()},
                _layout_argv(rng, command), fork=True, need=need, forbid=forbid,
                cost=3.0 if SMALL_EXPANSION < count < HUGE_EXPANSION else 1.0)


RANGE_COUNTS = [1, 2, 1_000, 2_000, 99_999, 100_000, 100_001, 10**6, 10**12, 10**30]


def shape_expansion_range(rng: random.Random) -> Case:
    """One range at the edges of its limit (100,000 items), reversed, zero-padded, huge."""
    count = rng.choice(RANGE_COUNTS)
    start = rng.choice([0, 1, 7])
    low = str(start).zfill(rng.choice([1, 1, 3]))
    if rng.random() < 0.1:  # ends below its start: L004
        low, high = str(start + 1 + rng.randint(0, 5)).zfill(len(low)), str(start)
        count = 0
    else:
        high = str(start + count - 1)
    text = (_EXPANSION_HEAD + "blocks: {}\nracks:\n"
            f"  r{{{low}..{high}}}: {{it_kw: 1, power: [grid]}}\n")
    line = text.count("\n")
    case = _expansion_case("expansion-range", f"range r{{{low}..{high}}}", text, count, rng,
                           line=line)
    if count == 0 or count > 100_000:  # the range rule itself (docs/blocks.md)
        case.need, case.forbid = (("L004", LAYOUT, line),), ()
    return case


def shape_expansion_nested(rng: random.Random) -> Case:
    """Blocks of blocks: each level multiplies the racks (three levels of ranges, or a
    chain of blocks each instantiating the next k times)."""
    if rng.random() < 0.5:
        sizes = [rng.choice([1, 2, 10, 100, 1_000, 10_000, 100_000]) for _ in range(3)]
        a, b, c = sizes
        text = (_EXPANSION_HEAD.replace("power:", "blocks:\n  row:\n    racks:\n"
                                        f"      r{{1..{a}}}: {{it_kw: 1, power: [grid]}}\n"
                                        "  hall:\n    instances:\n"
                                        f"      w{{1..{b}}}: {{block: row}}\npower:")
                + f"instances:\n  h{{1..{c}}}: {{block: hall}}\n")
        count, label = a * b * c, f"{a} x {b} x {c} racks in nested blocks"
    else:
        k, depth = rng.choice([2, 3, 10]), rng.randint(2, 12)
        lines = ["twin: 1", "blocks:", "  b0: {racks: {r: {it_kw: 1, power: [grid]}}}"]
        for d in range(1, depth):
            lines.append(f'  b{d}: {{instances: {{"i{{1..{k}}}": {{block: b{d - 1}}}}}}}')
        lines += ["power:", "  grid: {kind: utility, capacity_kw: 1.0e+12}", "instances:",
                  f"  top: {{block: b{depth - 1}}}", ""]
        text = "\n".join(lines)
        count, label = k ** (depth - 1), f"a chain of {depth} blocks, each {k} of the next"
    if SMALL_EXPANSION < count < HUGE_EXPANSION:  # the middle: no right answer to check
        return shape_expansion_nested(rng)
    return _expansion_case("expansion-nested", label, text, count, rng)


def shape_expansion_fanout(rng: random.Random) -> Case:
    """A range in the reference lists of a range of racks: racks x references."""
    racks, refs = rng.choice([(1, 10), (10, 100), (1_000, 2), (1_000, 100_000),
                              (100_000, 1_000), (100, 100_000)])
    text = (_EXPANSION_HEAD + f"  pdu-{{1..{refs}}}: {{kind: pdu, capacity_kw: 1.0e+9, "
            "from: grid}\nblocks: {}\nracks:\n"
            f'  r{{1..{racks}}}: {{it_kw: 1, power: ["pdu-{{1..{refs}}}"]}}\n')
    count = racks * refs
    if SMALL_EXPANSION < count < HUGE_EXPANSION:
        return shape_expansion_fanout(rng)
    return _expansion_case("expansion-fanout", f"{racks:,} racks x {refs:,} feeds", text,
                           count, rng)


# -- includes: of special files, of files outside the layout's folder, and of ordinary ones

def _canary(rng: random.Random) -> str:
    return "CANARY-" + "".join(rng.choice("0123456789abcdef") for _ in range(16))


def _secret(canary: str) -> bytes:
    """An outside file that shows its canary in every output if it is ever read."""
    return (f"power:\n  {canary}: {{kind: utility, capacity_kw: -1}}\n{canary}-key: 1\n"
            f"racks:\n  {canary}-rack: {{it_kw: 1, power: [{canary}]}}\n").encode()


_INCLUDE_MAIN = """\
twin: 1
power:
  grid: {kind: utility, capacity_kw: 1000}
include:
  - sub/part.yaml
  - ITEM
racks:
  r1: {it_kw: 10, power: [part-ups]}
"""
_INCLUDE_LINE = 6
_PART = b"power:\n  part-ups: {kind: ups, capacity_kw: 100, from: grid}\n"


def _include_case(family: str, rng: random.Random, item: str, *, label: str,
                  links=None, fifos=(), files=None, need_at=(LAYOUT, _INCLUDE_LINE),
                  refused: bool = True, canary: str | None = None) -> Case:
    main = _INCLUDE_MAIN.replace("ITEM", yaml_quoted(item))
    all_files = {LAYOUT: main.encode(), "layout/sub/part.yaml": _PART,
                 "layout/inside.yaml": b"cooling:\n  inside-crah: {kind: crac, capacity_kw: 50}\n",
                 **(files or {})}
    if canary:
        all_files["outside/secret.yaml"] = _secret(canary)
    stdin = cwd = None
    argv = _layout_argv(rng, rng.choice(["validate", "validate", "expand"]))
    if refused and rng.random() < 0.15:  # the layout on standard input, includes from cwd
        # a layout on standard input has no folder of its own: without --include-root
        # every include it names is L010 at its own line, nested ones are never reached
        argv[1], stdin, cwd = "-", main.encode(), "layout"
        need_at = (None, _INCLUDE_LINE)
    return Case(family, label, all_files, argv, links=dict(links or {}), fifos=tuple(fifos),
                stdin=stdin, cwd=cwd, fork=True, canary=canary,
                need=(("L010", *need_at),) if refused else (),
                forbid=() if refused else ("L010", "L001"))


def shape_include_escape(rng: random.Random) -> Case:
    """An include that reaches outside the layout's folder: relative, absolute, through a
    symlink to a file or a folder, or from an included file. The outside file holds a
    canary that must never be printed; the include is L010."""
    canary = _canary(rng)
    kind = rng.choice(["relative", "nested-dots", "absolute", "symlink", "symlink-absolute",
                       "symlink-folder", "from-included"])
    links, files, need_at = {}, {}, (LAYOUT, _INCLUDE_LINE)
    item = {"relative": "../outside/secret.yaml",
            "nested-dots": "sub/../../outside/secret.yaml",
            "absolute": f"{_ROOT}/outside/secret.yaml",
            "symlink": "link.yaml", "symlink-absolute": "link.yaml",
            "symlink-folder": "outlink/secret.yaml", "from-included": "sub/part2.yaml"}[kind]
    if kind == "symlink":
        links["layout/link.yaml"] = "../outside/secret.yaml"
    elif kind == "symlink-absolute":
        links["layout/link.yaml"] = f"{_ROOT}/outside/secret.yaml"
    elif kind == "symlink-folder":
        links["layout/outlink"] = "../outside"
    elif kind == "from-included":
        files["layout/sub/part2.yaml"] = b"include: ../../outside/secret.yaml\n"
        need_at = ("layout/sub/part2.yaml", 1)
    return _include_case("include-escape", rng, item, label=f"include {kind}: {item}",
                         links=links, files=files, need_at=need_at, canary=canary)


def shape_include_special(rng: random.Random) -> Case:
    """An include of something that is not a regular file: a FIFO nobody writes to (an
    open() that never returns), a device, a folder. Refused fast with L010."""
    kind = rng.choice(["fifo", "fifo", "fifo-symlink", "/dev/zero", "/dev/urandom",
                       "/dev/null", "folder"])
    links, fifos = {}, ()
    item = kind
    if kind == "fifo":
        item, fifos = "pipe.yaml", ("layout/pipe.yaml",)
    elif kind == "fifo-symlink":
        item, fifos, links = "alias.yaml", ("layout/sub/pipe.yaml",), {
            "layout/alias.yaml": "sub/pipe.yaml"}
    elif kind == "folder":
        item = "sub"
    return _include_case("include-special", rng, item, label=f"include of {kind}",
                         links=links, fifos=fifos)


def shape_include_inside(rng: random.Random) -> Case:
    """Includes that stay inside the layout's folder: never refused (no L010, no L001)."""
    kind = rng.choice(["plain", "dot", "dots-back-in", "symlink-inside", "symlink-folder",
                       "from-included-up"])
    links, files = {}, {}
    item = {"plain": "inside.yaml", "dot": "./inside.yaml", "dots-back-in": "sub/../inside.yaml",
            "symlink-inside": "alias.yaml", "symlink-folder": "sublink/part3.yaml",
            "from-included-up": "sub/part2.yaml"}[kind]
    if kind == "symlink-inside":
        links["layout/alias.yaml"] = "inside.yaml"
    elif kind == "symlink-folder":
        links["layout/sublink"] = "sub"
        files["layout/sub/part3.yaml"] = b"cooling:\n  part3-crah: {kind: crac, capacity_kw: 5}\n"
    elif kind == "from-included-up":  # inside the layout's folder, above the including file
        files["layout/sub/part2.yaml"] = b"include: ../inside.yaml\n"
    return _include_case("include-inside", rng, item, label=f"include {kind}: {item}",
                         links=links, files=files, refused=False)


# -- outputs that are inputs, and folders twin did not make

def shape_write_targets(rng: random.Random) -> Case:
    """An output path that names an input (the layout, through another spelling or a
    symlink, or a file it includes), or a folder holding files twin did not write.
    Inputs are never changed; a write over an input is refused (exit 2)."""
    layout = f"{_ROOT}/{LAYOUT}"
    files = {LAYOUT: _INCLUDE_MAIN.replace("ITEM", "inside.yaml").encode(),
             "layout/sub/part.yaml": _PART,
             "layout/inside.yaml": b"cooling:\n  inside-crah: {kind: crac, capacity_kw: 50}\n"}
    links, keep, writable, exits = {}, (), (), (2,)
    spellings = [layout, f"{_ROOT}/layout/./main.yaml", f"{_ROOT}/layout/../layout/main.yaml",
                 f"{_ROOT}/layout/same.yaml"]
    links["layout/same.yaml"] = "main.yaml"
    target = rng.choice(spellings + [f"{_ROOT}/layout/sub/part.yaml"])
    kind = rng.choice(["expand", "expand", "report-html", "export-dot", "simulate-plot",
                       "capacity", "usd-foreign", "usd-layout-folder", "symlink-out"])
    if kind == "expand":
        argv = ["expand", layout, "-o", target]
    elif kind == "report-html":
        argv = ["report", layout, "--html", target]
    elif kind == "export-dot":
        argv = ["export", layout, "--dot", target]
    elif kind == "simulate-plot":
        argv = ["simulate", layout, "--hours", "24", "--no-progress", "--plot", target]
    elif kind == "capacity":
        # this layout includes nothing: the input it may not overwrite is itself
        files[LAYOUT] = seed(os.path.join(ROOT, "tests/layouts/capacity-pdu.yaml"))[0].encode()
        target = rng.choice(spellings)
        argv = ["capacity", layout, "--rack-type", "hgx-h100-x4", "--write", target]
    elif kind == "usd-foreign":  # a folder with a scene.usda twin did not write
        files[f"{OUT}/usd/scene.usda"] = b"#usda 1.0\n# made by hand\n"
        files[f"{OUT}/usd/mine.txt"] = b"not twin's\n"
        argv, writable, exits = ["export", layout, "--usd", f"{_ROOT}/{OUT}/usd"], (OUT,), \
            (0, 1, 2)
        keep, target = (f"{OUT}/usd/mine.txt", f"{OUT}/usd/scene.usda"), "out/usd"
    elif kind == "usd-layout-folder":  # the layout's own folder, with a scene.usda in it
        files["layout/scene.usda"] = b"#usda 1.0\n# made by hand\n"
        argv, target = ["export", layout, "--usd", f"{_ROOT}/layout"], "the layout's folder"
    else:  # -o through a symlink to a file outside: refused (exit 2), the link left alone
        files["elsewhere/victim.txt"] = b"someone's file\n"
        links[f"{OUT}/flat.yaml"] = "../elsewhere/victim.txt"
        argv, writable, exits = ["expand", layout, "-o", f"{_ROOT}/{OUT}/flat.yaml"], (), (2,)
        target = "a symlink to a file outside"
    return Case("write-targets", f"{kind} -> {target.replace(_ROOT + '/', '')}", files, argv,
                links=links, writable=writable, keep=keep, exits=exits)


# -- flags other work adds: the same threats, limits given on the command line

def shape_new_flags(rng: random.Random) -> Case:
    """--max-findings, --max-racks, --max-components and --include-root at work."""
    kind = rng.choice(["max-findings", "max-racks", "max-components", "include-root"])
    layout = f"{_ROOT}/{LAYOUT}"
    if kind == "max-findings":
        n = rng.choice([10, 50, 100])
        racks = "".join(f"  r{i}: {{it_kw: -1, power: [grid]}}\n" for i in range(3 * n))
        text = "twin: 1\npower:\n  grid: {kind: utility, capacity_kw: 1000}\nracks:\n" + racks
        return Case("new-flags", f"--max-findings {n} on {3 * n} bad racks",
                    {LAYOUT: text.encode()},
                    ["validate", layout, "--format", rng.choice(["json", "text"]),
                     "--max-findings", str(n)], exits=(1,), max_findings=n + 1)
    if kind in ("max-racks", "max-components"):
        n = rng.choice([10, 100])
        what = "racks" if kind == "max-racks" else "components"
        text = (_EXPANSION_HEAD + f"  pdu-{{1..{2 * n}}}: {{kind: pdu, capacity_kw: 1.0e+9, "
                f"from: grid}}\nblocks: {{}}\nracks:\n  r{{1..{2 * n}}}: "
                "{it_kw: 1, power: [pdu-1]}\n")
        return Case("new-flags", f"--max-{what} {n} on {2 * n} {what}", {LAYOUT: text.encode()},
                    ["validate", layout, "--format", "json", f"--max-{what}", str(n)],
                    need=(("L", LAYOUT, None),), exits=(1,))
    case = _include_case("new-flags", rng, "../outside/secret.yaml", refused=False,
                         label="--include-root above the layout's folder")
    case.files["outside/secret.yaml"] = b"cooling:\n  outside-crah: {kind: crac, capacity_kw: 5}\n"
    case.argv = [a for a in case.argv if a != "-"]
    if case.argv[1] != layout:
        case.argv[1] = layout
    case.stdin = case.cwd = None
    case.argv += ["--include-root", _ROOT]
    case.exits = (0, 1)
    return case


SHAPES = {
    "mutation": shape_mutation,
    "number-length": shape_number_length,
    "yaml11-number": shape_yaml11_number,
    "yaml11-bool": shape_yaml11_bool,
    "expansion-range": shape_expansion_range,
    "expansion-nested": shape_expansion_nested,
    "expansion-fanout": shape_expansion_fanout,
    "include-escape": shape_include_escape,
    "include-special": shape_include_special,
    "include-inside": shape_include_inside,
    **{f"ids-{cls}": (lambda rng, cls=cls: shape_ids(cls, rng)) for cls in ID_CLASSES},
    "write-targets": shape_write_targets,
    "new-flags": shape_new_flags,
}


def make_case(family: str, rng: random.Random) -> Case:
    """One input of ``family`` (a key of :data:`SHAPES`)."""
    return SHAPES[family](rng)


if __name__ == "__main__":  # pragma: no cover - print one mutated layout
    r = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(mutate(r, seed_files())[1])
