"""Run one fuzz case through the twin command and say what is wrong with it.

Used by ``tests/test_fuzz.py`` and ``bench/fuzz.py``. A case (``mutations.Case``) is
laid out in a fresh folder and run through ``twin.cli.main`` in this process, with a
per-input deadline: 5 s of CPU time (a SIGPROF timer that raises out of whatever twin
is doing, a regular expression included), or 20 s of wall time for an input that
waits instead of computing (a SIGALRM timer). CPU time, so that a loaded build machine
does not fail an input; wall time, so that one blocked in a system call is stopped
too. Shapes that can block in a system call (an ``open()`` of a FIFO) or take
gigabytes when they go wrong run in a forked child instead, killed at the wall-time
limit, its address space capped. Then every invariant is checked:

- ``crash``: an exception out of ``main``, "Traceback" in the output, an exit code
  other than 0, 1 or 2, or one the case does not allow;
- ``deadline``: no answer within the deadline (5 s of CPU time, 20 s of waiting);
- ``finding``: stdout is not JSON (or JUnit not XML) where it was asked for, a finding
  without a code or message, or placed outside its file;
- ``escape``: a raw control character (C0 but tab and newline, DEL, C1), a line or
  paragraph separator, or (unless the case says otherwise) a bidi embedding, override
  or isolate in stdout or stderr;
- ``verdict``: a finding the shape determines is missing (or a forbidden one is
  there), more findings than asked for, or the verdict differs from the one on the
  layout as YAML 1.2 reads it;
- ``canary``: text of a file outside the layout's folder appears in an output;
- ``write``: a file outside the output folder was created, changed or deleted (the
  inputs included), or one the case keeps was touched;
- ``csv``: a cell a spreadsheet would run as a formula (OWASP: ``= + - @``, tab, CR);
- ``markup``: an id with HTML markup written raw into an HTML or SVG file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import random
import re
import resource
import select
import shutil
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field

import mutations

DEADLINE_S = 5.0
#: An input that waits (blocked in a system call) is stopped after this many times the
#: deadline of wall time.
WALL_FACTOR = 4.0
#: A forked case may use this much more address space than the parent had.
MEMORY_BYTES = 2 << 30
_FINDING_LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): [a-z]+ "
                           r"(?P<code>[A-Z]\d{3}) (?P<message>.*)$")
#: Characters that must never reach a terminal or a log raw.
_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_RAW_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FORMULA = re.compile(r"[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?([eE][-+]?\d+)?\Z")


@dataclass
class Result:
    """What one run gave: exit code, output, wall and CPU seconds; ``timed_out`` is
    "cpu" or "wall" when a deadline stopped it; ``error`` is an escaped exception."""

    code: int | None
    out: str
    err: str
    seconds: float
    cpu: float = 0.0
    timed_out: str = ""
    error: str | None = None
    problems: list[str] = field(default_factory=list)


class DeadlineExceeded(BaseException):
    """Raised by the deadline timer; a BaseException so that no ``except Exception`` in
    the code under test can swallow it."""


# -- running -------------------------------------------------------------------------------

class deadline_timers:
    """Raise :class:`DeadlineExceeded` after ``cpu_s`` of this process's CPU time or
    ``wall_s`` of wall time, whichever comes first (the main thread only)."""

    def __init__(self, cpu_s: float, wall_s: float):
        self.cpu_s, self.wall_s, self.fired = cpu_s, wall_s, ""

    def _fire(self, signum, frame):
        self.fired = "cpu" if signum == signal.SIGPROF else "wall"
        raise DeadlineExceeded

    def __enter__(self):
        self.old = (signal.signal(signal.SIGPROF, self._fire),
                    signal.signal(signal.SIGALRM, self._fire))
        signal.setitimer(signal.ITIMER_PROF, self.cpu_s)
        signal.setitimer(signal.ITIMER_REAL, self.wall_s)
        return self

    def __exit__(self, *exc):
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGPROF, self.old[0])
        signal.signal(signal.SIGALRM, self.old[1])
        return False


def run_in_process(argv: list[str], deadline: float, *, stdin: bytes | None = None,
                   wall: float | None = None) -> Result:
    """``twin.cli.main(argv)`` here, stopped after ``deadline`` seconds of CPU time or
    ``wall`` seconds of wall time (default :data:`WALL_FACTOR` times the deadline)."""
    saved_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    started, cpu = time.perf_counter(), time.process_time()
    code, out, err, error = None, "", "", None
    timers = deadline_timers(deadline, wall or deadline * WALL_FACTOR)
    try:
        with timers:
            code, out, err = mutations.run_cli(argv)
    except DeadlineExceeded:
        pass
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # noqa: BLE001 - what the fuzzers look for
        error = "".join(traceback.format_exception(exc))
    finally:
        sys.stdin = saved_stdin
    return Result(code, out, err, time.perf_counter() - started, time.process_time() - cpu,
                  timers.fired, error)


def run_forked(argv: list[str], deadline: float, *, stdin: bytes | None = None,
               cwd: str | None = None) -> Result:
    """``twin.cli.main(argv)`` in a forked child: stopped after ``deadline`` seconds of
    CPU time, killed after :data:`WALL_FACTOR` times that of wall time, its address
    space capped at :data:`MEMORY_BYTES` more than this process has."""
    read_end, write_end = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: run, send the result as JSON, leave without cleanup
        try:
            os.close(read_end)
            if cwd:
                os.chdir(cwd)
            with open("/proc/self/statm") as handle:
                size = int(handle.read().split()[0]) * resource.getpagesize()
            resource.setrlimit(resource.RLIMIT_AS, (size + MEMORY_BYTES, size + MEMORY_BYTES))
            result = run_in_process(argv, deadline, stdin=stdin)
            payload = json.dumps(dataclasses.asdict(result)).encode("utf-8", "surrogatepass")
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, timed_out = [], False
    with os.fdopen(read_end, "rb") as pipe:
        while True:
            left = deadline * WALL_FACTOR + 0.5 - (time.perf_counter() - started)
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([pipe], [], [], left)
            if not ready:
                continue
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    seconds = time.perf_counter() - started
    if timed_out:
        return Result(None, "", "", seconds, 0.0, "wall")
    try:
        data = json.loads(b"".join(chunks).decode("utf-8", "surrogatepass"))
    except ValueError:
        how = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit status {os.WEXITSTATUS(status)}")
        return Result(None, "", "", seconds, error=f"the child process died ({how}) "
                      "without an answer (out of memory?)")
    data["seconds"] = seconds
    return Result(**data)


# -- laying out a case ---------------------------------------------------------------------

def _expand(text: str, root: str) -> str:
    return text.replace("{root}", root)


def lay_out(case: mutations.Case, root: str) -> None:
    """Create the case's files, FIFOs and symlinks under ``root``, and its output folder."""
    os.makedirs(os.path.join(root, mutations.OUT), exist_ok=True)
    for rel, data in case.files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    for rel in case.fifos:
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.mkfifo(path)
    for rel, target in case.links.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(_expand(target, root), path)


def snapshot(root: str) -> dict[str, tuple]:
    """Every entry under ``root``: its kind and its content's hash or link target."""
    out = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            st = os.lstat(path)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                out[rel] = ("dir",)
            elif os.path.isfile(path):
                with open(path, "rb") as handle:
                    out[rel] = ("file", hashlib.sha256(handle.read()).hexdigest(),
                                st.st_mode & 0o7777)
            else:
                out[rel] = ("special", st.st_mode)
    return out


def _under(rel: str, prefixes) -> bool:
    return any(rel == p or rel.startswith(p.rstrip("/") + "/") for p in prefixes)


# -- checking ------------------------------------------------------------------------------

def findings_of(out: str, err: str) -> list[dict] | None:
    """The findings printed: from JSON stdout, else from ``file:line:col: sev CODE`` lines."""
    text = out.strip()
    if text.startswith("{"):
        try:
            doc = json.loads(text)
        except ValueError:
            return None
        found = [f for lay in doc.get("layouts", []) for f in lay.get("findings", [])]
        if isinstance(doc.get("findings"), list):
            found += doc["findings"]
        if doc.get("runs"):  # SARIF
            for run in doc["runs"]:
                for r in run.get("results", []):
                    loc = (r.get("locations") or [{}])[0].get("physicalLocation", {})
                    region = loc.get("region", {})
                    found.append({"code": r.get("ruleId"), "file": loc.get(
                        "artifactLocation", {}).get("uri"), "line": region.get("startLine"),
                        "message": r.get("message", {}).get("text")})
        return found
    if text.startswith("<?xml"):  # JUnit: findings are lines of failure and system-out
        import xml.etree.ElementTree as ET

        try:
            doc = ET.fromstring(text)
        except ET.ParseError:
            return None
        out = "\n".join(e.text or "" for e in doc.iter() if e.tag in ("failure", "error",
                                                                     "system-out"))
    found = []
    for line in (out + "\n" + err).splitlines():
        m = _FINDING_LINE.match(line)
        if m:
            found.append({"code": m["code"], "file": m["file"], "line": int(m["line"]),
                          "message": m["message"]})
    return found


def _same_file(shown, rel: str | None, root: str) -> bool:
    if rel is None:
        return True
    if not isinstance(shown, str):
        return False
    want = os.path.realpath(os.path.join(root, rel))
    if shown.startswith("file://"):
        shown = shown[len("file://"):]
    return os.path.realpath(shown) == want or os.path.realpath(
        os.path.join(os.getcwd(), shown)) == want


def verdict(path: str, deadline: float):
    """What twin makes of a layout: its findings (code, line, component, scenario, racks)
    and the values it read (the model without positions). Raises DeadlineExceeded."""
    import twin.api as api

    with deadline_timers(deadline, deadline * WALL_FACTOR):
        loaded = api.load(path)
        report = api.validate(loaded)
    found = sorted((f.code, f.line, f.component or "", f.scenario, f.racks)
                   for f in report.findings)
    return found, model_values(loaded.layout)


def model_values(obj):
    """A layout model as nested tuples, without positions or the file name."""
    if dataclasses.is_dataclass(obj):
        return tuple((f.name, model_values(getattr(obj, f.name)))
                     for f in dataclasses.fields(obj)
                     if f.name not in ("loc", "locs", "_loc_index", "refs", "_ref_index",
                                       "file"))
    if isinstance(obj, (list, tuple)):
        return tuple(model_values(v) for v in obj)
    if isinstance(obj, dict):
        return tuple(sorted((repr(k), model_values(v)) for k, v in obj.items()))
    if isinstance(obj, float):
        return repr(obj)
    return obj


def _outputs(case, root: str, result: Result) -> dict[str, bytes]:
    """Every output: stdout, stderr and each file written under the writable paths."""
    outs = {"stdout": result.out.encode("utf-8", "surrogatepass"),
            "stderr": result.err.encode("utf-8", "surrogatepass")}
    for rel in case.writable:
        base = os.path.join(root, rel)
        for folder, _, files in os.walk(base):
            for name in files:
                path = os.path.join(folder, name)
                if os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as handle:
                        outs[os.path.relpath(path, root)] = handle.read()
    return outs


def check(case: mutations.Case, root: str, result: Result, before: dict,
          *, deadline: float = DEADLINE_S) -> list[str]:
    """Every invariant the run broke, each as ``kind: what``."""
    bad = []
    cwd = os.path.join(root, case.cwd) if case.cwd else None
    if result.timed_out:
        return [f"deadline: no answer within {deadline:g} s of CPU time or "
                f"{deadline * WALL_FACTOR:g} s of waiting (stopped after {result.seconds:.1f} s)"]
    if result.error:
        last = result.error.strip().splitlines()[-1]
        return [f"crash: {last}", result.error]
    argv = [_expand(a, root) for a in case.argv]
    out, err = result.out, result.err
    for p in mutations.problems_in(result.code, out, err, argv, cwd=cwd):
        bad.append(f"{'finding' if p.startswith(('finding', 'stdout')) else 'crash'}: {p}")
    if result.code not in case.exits and result.code in (0, 1, 2):
        bad.append(f"crash: exit code {result.code}, expected one of {case.exits}; "
                   f"stderr: {err.strip()[:300]!r}")
    if "junit" in argv and out.strip():
        import xml.etree.ElementTree as ET
        try:
            ET.fromstring(out)
        except ET.ParseError as exc:
            bad.append(f"finding: JUnit stdout is not XML: {exc}")
    for name, text in (("stdout", out), ("stderr", err)):
        m = _RAW_CONTROL.search(text) or (case.bidi and _RAW_BIDI.search(text))
        if m:
            line = text[: m.start()].count("\n") + 1
            context = text[max(0, m.start() - 40): m.end() + 20]
            bad.append(f"escape: raw {m.group()!r} in {name} line {line}: {context!r}")
    found = findings_of(out, err)
    if case.need or case.forbid or case.max_findings is not None:
        if found is None:
            found = []
        for code, rel, line in case.need:
            if not any((f.get("code") or "").startswith(code) and _same_file(f.get("file"),
                       rel, root) and (line is None or f.get("line") == line) for f in found):
                where = f"{rel or 'any file'}:{line or 'any line'}"
                got = sorted({(f.get("code"), f.get("line")) for f in found})[:8]
                bad.append(f"verdict: no {code} at {where} (exit {result.code}; found "
                           f"{got}{' ...' if len(found) > 8 else ''})")
        for code in case.forbid:
            hits = [f for f in found if f.get("code") == code or (
                code == "limit" and "--max-" in (f.get("message") or ""))]
            if hits:
                bad.append(f"verdict: {code} given to an input that must be accepted: "
                           f"{hits[0].get('message', '')[:200]}")
        if case.max_findings is not None and len(found) > case.max_findings:
            bad.append(f"verdict: {len(found):,} findings, more than the {case.max_findings} "
                       "asked for")
    if case.twins:
        try:
            mine = verdict(os.path.join(root, mutations.LAYOUT), deadline)
            theirs = [verdict(os.path.join(root, t), deadline) for t in case.twins]
        except DeadlineExceeded:
            bad.append(f"deadline: the verdict took more than {deadline:g} s of CPU time")
        else:
            if mine not in theirs:
                diff = _verdict_diff(mine, theirs[0])
                bad.append(f"verdict: differs from YAML 1.2's reading "
                           f"({' or '.join(case.twins)}): {diff}")
    after = snapshot(root)
    for rel in sorted(set(before) | set(after)):
        if _under(rel, case.writable) and not _under(rel, case.keep):
            continue
        if before.get(rel) != after.get(rel):
            what = ("created" if rel not in before else "deleted" if rel not in after
                    else "changed")
            bad.append(f"write: {rel} {what} (outside the output folder, or kept)")
    outputs = _outputs(case, root, result)
    if case.canary:
        for name, data in outputs.items():
            if case.canary.encode() in data:
                bad.append(f"canary: the outside file's text is in {name}")
    for name, data in outputs.items():
        if name.endswith(".csv"):
            bad += _csv_problems(name, data)
        if case.markup and name.endswith((".html", ".svg")):
            text = data.decode("utf-8", "replace")
            for raw in case.markup:
                if raw in text:
                    bad.append(f"markup: {raw!r} raw in {name}")
    return bad


def _verdict_diff(mine, theirs) -> str:
    f1, f2 = mine[0], theirs[0]
    if f1 != f2:
        extra = [f[:3] for f in f1 if f not in f2][:3]
        missing = [f[:3] for f in f2 if f not in f1][:3]
        return f"findings: extra {extra}, missing {missing}"
    return "the same findings, different values read"


def _csv_problems(name: str, data: bytes) -> list[str]:
    import csv

    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")))
    except csv.Error as exc:
        return [f"csv: {name} is not well-formed CSV: {exc}"]
    for row in rows:
        for cell in row:
            if cell and _FORMULA.match(cell) and not _PLAIN_NUMBER.match(cell):
                return [f"csv: {name} has a cell a spreadsheet runs as a formula: "
                        f"{cell[:60]!r}"]
    return []


def run_case(case: mutations.Case, root: str, *, deadline: float = DEADLINE_S) -> Result:
    """Lay the case out in the empty folder ``root``, run it, check it: the result with
    ``problems`` filled in (empty when every invariant held)."""
    lay_out(case, root)
    before = snapshot(root)
    deadline *= case.cost
    argv = [_expand(a, root) for a in case.argv]
    if case.fork:
        result = run_forked(argv, deadline, stdin=case.stdin,
                            cwd=os.path.join(root, case.cwd) if case.cwd else None)
    else:
        result = run_in_process(argv, deadline, stdin=case.stdin)
    result.problems = check(case, root, result, before, deadline=deadline)
    return result


def kind_of(problem: str) -> str:
    """The invariant a problem breaks: the word before the first colon."""
    return problem.split(":", 1)[0]


def scratch_base() -> str:
    """Where case folders go: /dev/shm when it is there (a case folder is made and
    removed in 0.2 ms in memory, 12 ms on the disk of the build machine)."""
    shm = "/dev/shm"
    if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK):
        return shm
    return tempfile.gettempdir()


def run_one(family: str, seed: str, index: int, base: str, *,
            deadline: float = DEADLINE_S) -> tuple[mutations.Case, Result]:
    """Make input ``index`` of ``family`` for run ``seed``, run and check it in a fresh
    folder under ``base`` (removed after)."""
    case = mutations.make_case(family, random.Random(f"{seed}-{family}-{index}"))
    root = tempfile.mkdtemp(prefix="twin-fuzz-", dir=base)
    try:
        return case, run_case(case, root, deadline=deadline)
    finally:
        shutil.rmtree(root, ignore_errors=True)
