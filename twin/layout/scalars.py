"""Reading scalars: the id grammar, numbers and booleans as twin reads them, and why not.

What the loader and the block expansion both need to judge one written value: whether
a text is an id (:func:`id_problem`), what a field's value is (:func:`field_value`),
and a message that says what YAML 1.1 would have read so the fix is clear.
"""
from __future__ import annotations

import re
import unicodedata

from twin.core import did_you_mean  # noqa: F401 - the loader's name for it
from twin.layout.fields import Field
from twin.layout.source import MAX_NUMBER_LENGTH, YMap, YScalar, YSeq, is_number


def scalar_text(node) -> str:
    if isinstance(node, YScalar):
        return node.text
    return "a list" if isinstance(node, YSeq) else "a mapping"


def shown(text: str, width: int = 40) -> str:
    """``text`` quoted for a message, cut to ``width`` characters with its length."""
    if len(text) <= width:
        return repr(text)
    return f"{text[:width]!r}… ({len(text):,} characters)"


# -- numbers and booleans: what YAML 1.1 would have read, so a message can say it ------------
# Linear expressions only, and used on at most MAX_NUMBER_LENGTH characters.
_BASE60 = re.compile(r"([-+]?)([0-9][0-9_]*(?::[0-5]?[0-9])+)(\.[0-9_]*)?")
_PREFIXED = re.compile(r"[-+]?0([xob])[0-9a-fA-F_]+")
_SEPARATED = re.compile(r"[-+]?[0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?")
_DECIMAL = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_BASES = {"x": (16, "a hexadecimal"), "o": (8, "an octal"), "b": (2, "a YAML 1.1 binary")}
YAML11_BOOL = {w: w.lower() in ("y", "yes", "on", "true")
                for word in ("y", "yes", "n", "no", "on", "off")
                for w in (word, word.capitalize(), word.upper())}


def _yaml11_number(text: str) -> str | None:
    """How a YAML 1.1 reader would read ``text`` as a number twin does not read, and the
    decimal value to write instead; ``None`` when it is not such a form."""
    m = _BASE60.fullmatch(text)
    if m and (m.group(3) or m.group(2)[0] != "0"):  # YAML 1.1: 0:20 is text, 0:20.5 is not
        sign, whole, fraction = m.groups()
        value: float = 0
        for part in whole.replace("_", "").split(":"):
            value = value * 60 + int(part)
        if fraction:
            value += float(f"0{fraction.replace('_', '')}")
        return f"`{text}` is a YAML 1.1 base-60 number; write {'-' if sign == '-' else ''}{value!r}"
    m = _PREFIXED.fullmatch(text)
    if m:
        base, what = _BASES[m.group(1)]
        try:
            value = int(text.replace("_", ""), base)
        except ValueError:
            return None
        return f"`{text}` is {what} number; write the decimal value {value}"
    if "_" in text and _SEPARATED.fullmatch(text):
        bare = text.replace("_", "")
        if _DECIMAL.fullmatch(bare):
            return f"`{text}` has `_` digit separators (YAML 1.1); write {bare}"
    return None


# -- the id grammar ---------------------------------------------------------------------------
#: An id: parts joined by ``/`` (the separator blocks put between an instance and the ids
#: in it); each part starts with a letter, a digit or ``_`` and goes on with those and
#: ``- . : +``. Letters and digits are Unicode ones (``str.isalnum``); combining marks may
#: follow a letter. No ``..`` anywhere. The fast path is this expression (``\w`` is a
#: letter, a digit or ``_``); what it refuses goes through :func:`id_problem`'s scan.
_ID = re.compile(r"\w[\w.:+-]*(?:/\w[\w.:+-]*)*")
ID_GRAMMAR = ("an id is letters, digits and `_`, then also `-` `.` `:` `+`, with `/` only "
              "between such parts (as blocks join an instance and its ids), and no `..`")
_ID_PUNCTUATION = "-.:+"


def _char(c: str) -> str:
    name = unicodedata.name(c, "")
    if c == " ":
        return "a space"
    if c.isprintable() and not unicodedata.category(c).startswith(("Z", "C", "M")):
        return f"{c!r}"
    return f"{ascii(c)} (U+{ord(c):04X}{f' {name}' if name else ''})"


def id_problem(ident: str) -> str | None:
    """``None`` for an id of the grammar, else what is wrong with it and the grammar (the
    message after ``ID``)."""
    if _ID.fullmatch(ident) and ".." not in ident:
        return None
    why = None
    if not ident:
        why = "is empty"
    else:
        start = True  # at the start of the id or of a part
        for n, c in enumerate(ident, 1):
            if c == "/":
                if n == 1:
                    why = "starts with '/'"
                elif start:
                    why = f"has an empty part between '/' at character {n}"
                elif n == len(ident):
                    why = "ends with '/'"
                if why is not None:
                    break
                start = True
                continue
            if c.isalnum() or c == "_":
                start = False
                continue
            if start:
                if c in _ID_PUNCTUATION or unicodedata.category(c).startswith("M"):
                    what = "the id" if n == 1 else "a part after '/'"
                    why = f"starts {what} with {_char(c)} at character {n}"
                    break
            elif c in _ID_PUNCTUATION or unicodedata.category(c).startswith("M"):
                continue  # a mark after a letter: accented and Indic letters written decomposed
            why = f"has {_char(c)} at character {n}, which an id may not contain"
            break
    if why is None and ".." in ident:
        why = f"has `..` at character {ident.index('..') + 1}"
    if why is None:
        return None
    hint = ""
    if "$" in ident or ("{" in ident and ".." in ident):
        hint = ("; `$name` and ranges (`{1..3}`) are expanded only in a layout that uses "
                "blocks (docs/blocks.md)")
    return f"{why}: {ID_GRAMMAR}{hint}"


def not_a_number(raw) -> str:
    """Why ``raw`` is not a number twin reads, and the fix: the message after the label."""
    if not isinstance(raw, YScalar):
        return f"is {scalar_text(raw)!r}: not a number"
    text = raw.text
    if len(text) > MAX_NUMBER_LENGTH:
        if text[:1] in "0123456789+-.":
            return (f"is {shown(text, 20)}: a number is at most {MAX_NUMBER_LENGTH} "
                    "characters; write it with fewer digits (1.5e6, not 1500000.000…)")
        return f"is {shown(text)}: not a number"
    value = raw.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"is {text!r}: not a finite number"
    if not raw.plain and raw.tag == "tag:yaml.org,2002:str":
        written = "a quoted value" if raw._tag is None else "a value tagged !!str"
        fix = "quotes" if raw._tag is None else "the tag"
        hint = f"; write it without {fix}" if _DECIMAL.fullmatch(text.strip()) else ""
        return f"is {text!r}: not a number ({written} is text){hint}"
    form = _yaml11_number(text)
    if form is not None:
        return f"is {text!r}: {form}"
    return f"is {text!r}: not a number"


class Bad:
    """A value a field does not take: the L004 message and the node it is written at."""

    __slots__ = ("message", "at")

    def __init__(self, message: str, at):
        self.message, self.at = message, at


def field_value(node: YMap, key: str, spec: Field, where: str):
    """The field's checked Python value, ``None`` when absent, a :class:`Bad` when it is
    not what ``spec`` takes (the L004 message and the node to report it at)."""
    entry = node.entries.get(key)
    if entry is None:
        return None
    raw = entry.value
    label = f"{where}: {key}"
    if spec.type in ("number", "int"):
        v = raw.value if raw.__class__ is YScalar else None
        if not is_number(v):
            return Bad(f"{label} {not_a_number(raw)}", entry)
        if spec.type == "int" and not (isinstance(v, int) or float(v).is_integer()):
            return Bad(f"{label} is {raw.text}: must be a whole number", entry)
        if not in_bounds(float(v), spec):
            return Bad(f"{label} is {raw.text}: must be {spec.bounds_text()}", entry)
        return int(v) if spec.type == "int" else float(v)
    if spec.type == "bool":
        if isinstance(raw, YScalar) and isinstance(raw.value, bool):
            return raw.value
        text = scalar_text(raw)
        old = YAML11_BOOL.get(text) if isinstance(raw, YScalar) and raw.plain else None
        why = ("must be true or false" if old is None else f"`{text}` is a YAML 1.1 "
               f"boolean, text in YAML 1.2 which twin reads; write {str(old).lower()}")
        return Bad(f"{label} is {shown(text)}: {why}", entry)
    if spec.type == "choice":
        if (isinstance(raw, YScalar) and raw.value in spec.choices
                and not isinstance(raw.value, bool)):
            return raw.value
        choices = ", ".join(str(c) for c in spec.choices)
        text = scalar_text(raw)
        return Bad(f"{label} is {shown(text)}: must be one of {choices}"
                   f"{did_you_mean(text, [str(c) for c in spec.choices])}", entry)
    if spec.type in ("str", "id"):
        if isinstance(raw, YScalar) and raw.value is not None:
            return raw.text
        return Bad(f"{label} must be text, not {scalar_text(raw)}", entry)
    if spec.type == "ids":
        items = raw.items if isinstance(raw, YSeq) else [raw]
        out = []
        for item in items:
            if not isinstance(item, YScalar) or item.value is None:
                return Bad(f"{label} must be an id or a list of ids, not "
                           f"{scalar_text(item)}", item)
            out.append(item)
        return out
    raise AssertionError(spec.type)


def in_bounds(v: float, spec: Field) -> bool:
    """True when ``v`` is inside the field's bounds."""
    if spec.low is not None and (v < spec.low or (spec.low_open and v == spec.low)):
        return False
    if spec.high is not None and (v > spec.high or (spec.high_open and v == spec.high)):
        return False
    return True
