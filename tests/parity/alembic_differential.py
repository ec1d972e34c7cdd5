#!/usr/bin/python3
"""Differential test: turnstone-migrate against Alembic (Debian's python3-alembic) on random graphs.

Each graph (5-15 revisions: bases, branches, merges, branch labels, depends_on) is written twice
from the same description: as an Alembic script directory (env.py + one script per revision) and
as turnstone-migrate SQL units in a tree of their own ("parity"). Every revision's upgrade
creates a marker table t_<rev>, its downgrade drops it. The same random command sequence
(upgrade/downgrade to heads, head, base, revisions and prefixes, +N/-N, <rev>+N/<rev>-N,
<label>@head/@base/@+N/@-N) runs through Alembic in-process (alembic.command with a Config) and
through the binary (subprocess), each on its own SQLite file. After every command both must
agree on
  - the outcome: both succeed, or both refuse (Alembic raises CommandError/RevisionError, the
    binary exits 2);
  - the version rows (alembic_version vs turnstone_parity_version), as sets;
  - the applied revisions (the marker tables).

Not compared, counted instead:
  - Alembic crashes (an internal assertion, KeyError, IndexError, a version-row update that
    matched no row...): the rest of that graph's sequence is skipped (Alembic may have left the
    file half-migrated);
  - commands Alembic runs with a warning where turnstone-migrate refuses by design (README:
    "refusals instead of its warnings", e.g. `downgrade -1` from several heads): the rest of
    the graph is skipped, as the two files now differ on purpose.

Every graph is built from its own deterministic seed ("<seed>:<graph number>"); a disagreement is
printed with the seed, the graph, the commands so far and what each tool did, and
`--only N` replays graph N alone (`--keep` keeps its files).

Exit status: 0 when everything agreed, 1 on any disagreement, 77 when Alembic is not installed
(CTest reports a skip) unless CI=true or --require-alembic, where a missing Alembic is a failure.
"""

import argparse
import io
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from contextlib import redirect_stdout, redirect_stderr

SKIP = 77
TREE = "parity"
OUR_VERSION_TABLE = "turnstone_parity_version"


def is_ci():
    return os.environ.get("CI", "") in ("true", "1")


# --- random graphs ------------------------------------------------------------------------------

class Rev:
    def __init__(self, rid, down, deps, labels):
        self.id = rid
        self.down = down      # list of ids, [] = base
        self.deps = deps      # list of ids
        self.labels = labels  # list of labels


def ancestors(revs_by_id, rid):
    """Inclusive ancestors along down_revisions and depends_on."""
    seen, todo = set(), [rid]
    while todo:
        r = todo.pop()
        if r in seen:
            continue
        seen.add(r)
        todo.extend(revs_by_id[r].down)
        todo.extend(revs_by_id[r].deps)
    return seen


def random_graph(rng):
    n = rng.randint(5, 15)
    revs, by_id, used_ids = [], {}, set()
    label_count = 0
    for i in range(n):
        while True:  # 12 hex digits, distinct in their first 4 so prefixes resolve in both tools
            rid = "%012x" % rng.getrandbits(48)
            if rid[0].isalpha() and rid[:4] not in used_ids:
                break
        used_ids.add(rid[:4])
        earlier = [r.id for r in revs]
        roll = rng.random()
        if i == 0 or roll < 0.12:
            down = []
        elif roll < 0.30 and len(earlier) >= 2:
            # a merge of 2 (sometimes 3) revisions that are not ancestors of one another
            candidates = earlier[:]
            rng.shuffle(candidates)
            down = []
            for c in candidates:
                if len(down) == (3 if rng.random() < 0.2 else 2):
                    break
                if any(c in ancestors(by_id, d) or d in ancestors(by_id, c) for d in down):
                    continue
                down.append(c)
            if len(down) < 2:
                down = [rng.choice(earlier)]
        else:
            # mostly continue a recent revision, sometimes branch off an older one
            down = [earlier[-1] if rng.random() < 0.45 else rng.choice(earlier)]
        deps = []
        if earlier and rng.random() < 0.30:
            # any earlier revision: one already implied by a parent exercises normalization
            options = [e for e in earlier if e not in down]
            rng.shuffle(options)
            for e in options[: 1 if rng.random() < 0.8 else 2]:
                deps.append(e)
        labels = []
        if rng.random() < 0.2:
            label_count += 1
            labels = ["lbl%d" % label_count]
        r = Rev(rid, down, deps, labels)
        revs.append(r)
        by_id[rid] = r
    return revs


def inconsistency(by_id, state):
    """What is wrong with a (rows, applied) state on its own: every applied revision must be
    implied by a row, every row applied, and no row implied by another (canonical rows)."""
    rows, applied = state
    implied = set()
    for r in rows:
        implied |= ancestors(by_id, r)
    if implied != set(applied):
        return "the applied revisions are not what the rows imply (missing %s, extra %s)" % (
            sorted(implied - set(applied)), sorted(set(applied) - implied))
    for r in rows:
        for other in rows:
            if other != r and r in ancestors(by_id, other):
                return "row %s is implied by row %s" % (r, other)
    return None


def describe_graph(revs):
    lines = []
    for r in revs:
        parts = [r.id, "<- (" + ", ".join(r.down) + ")" if r.down else "(base)"]
        if r.deps:
            parts.append("depends_on (" + ", ".join(r.deps) + ")")
        if r.labels:
            parts.append("labels (" + ", ".join(r.labels) + ")")
        lines.append("    " + " ".join(parts))
    return "\n".join(lines)


def random_commands(rng, revs, count):
    ids = [r.id for r in revs]
    labels = [l for r in revs for l in r.labels]

    def rev_or_prefix():
        rid = rng.choice(ids)
        return rid[: rng.randint(4, 8)] if rng.random() < 0.2 else rid

    up = [
        (5, lambda: "heads"),
        (1, lambda: "head"),
        (5, rev_or_prefix),
        (3, lambda: "+1"),
        (1, lambda: "+2"),
        (1, lambda: rng.choice(ids) + "+1"),
        (1, lambda: rng.choice(ids) + "@head"),
        (1, lambda: "base"),
    ]
    down = [
        (2, lambda: "base"),
        (5, rev_or_prefix),
        (3, lambda: "-1"),
        (1, lambda: "-2"),
        (1, lambda: rng.choice(ids) + "-1"),
        (1, lambda: "heads"),
    ]
    if labels:
        up += [(2, lambda: rng.choice(labels) + "@head"), (2, lambda: rng.choice(labels) + "@+1"),
               (1, lambda: rng.choice(labels)), (1, lambda: rng.choice(labels) + "@heads"),
               (1, lambda: rng.choice(labels) + "@" + rng.choice(ids))]
        down += [(2, lambda: rng.choice(labels) + "@base"), (2, lambda: rng.choice(labels) + "@-1"),
                 (1, lambda: rng.choice(labels) + "@" + rng.choice(ids)),
                 (1, lambda: rng.choice(labels) + "@head")]

    def pick(choices):
        total = sum(w for w, _ in choices)
        x = rng.uniform(0, total)
        for w, fn in choices:
            x -= w
            if x <= 0:
                return fn()
        return choices[-1][1]()

    out = []
    for i in range(count):
        # start from a populated database more often than not
        if i == 0 or rng.random() < 0.55:
            out.append(("upgrade", pick(up)))
        else:
            out.append(("downgrade", pick(down)))
    return out


# --- both tools' files --------------------------------------------------------------------------

ENV_PY = '''\
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
connectable = engine_from_config(config.get_section(config.config_ini_section),
                                 prefix="sqlalchemy.", poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''


def py_tuple(items):
    if not items:
        return "None"
    if len(items) == 1:
        return repr(items[0])
    return "(" + ", ".join(repr(x) for x in items) + ")"


def write_alembic_dir(path, revs):
    os.makedirs(os.path.join(path, "versions"))
    with open(os.path.join(path, "env.py"), "w") as f:
        f.write(ENV_PY)
    for r in revs:
        with open(os.path.join(path, "versions", r.id + ".py"), "w") as f:
            f.write("revision = %r\n" % r.id)
            f.write("down_revision = %s\n" % py_tuple(r.down))
            f.write("branch_labels = %s\n" % py_tuple(r.labels))
            f.write("depends_on = %s\n" % py_tuple(r.deps))
            f.write("from alembic import op\n\n\n")
            f.write("def upgrade():\n    op.execute('CREATE TABLE t_%s (x INTEGER)')\n\n\n" % r.id)
            f.write("def downgrade():\n    op.execute('DROP TABLE t_%s')\n" % r.id)


def write_sql_units(path, revs):
    os.makedirs(path)
    for r in revs:
        with open(os.path.join(path, r.id + ".sql"), "w") as f:
            f.write("-- revision: %s\n" % r.id)
            f.write("-- down_revision: %s\n" % (", ".join(r.down) if r.down else "none"))
            if r.labels:
                f.write("-- branch_labels: %s\n" % ", ".join(r.labels))
            if r.deps:
                f.write("-- depends_on: %s\n" % ", ".join(r.deps))
            f.write("-- tree: %s\n" % TREE)
            f.write("-- +upgrade\nCREATE TABLE t_%s (x INTEGER);\n" % r.id)
            f.write("-- +downgrade\nDROP TABLE t_%s;\n" % r.id)


def read_state(db_path, version_table):
    """(version rows, applied revisions) of one SQLite file; empty when it does not exist yet."""
    if not os.path.exists(db_path):
        return frozenset(), frozenset()
    con = sqlite3.connect(db_path)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        rows = frozenset()
        if version_table in tables:
            rows = frozenset(r[0] for r in con.execute("SELECT version_num FROM %s" % version_table))
        applied = frozenset(t[2:] for t in tables if t.startswith("t_"))
        return rows, applied
    finally:
        con.close()


# --- Alembic's known head-maintenance bug (#1373) ------------------------------------------------

class Issue1373:
    """Alembic <= 1.13.0 can leave a version row that another row already implies.

    Downgrading a merge whose parents are linked by depends_on (I <- (G, H), H depends_on G)
    writes both G and H, although H implies G; from then on Alembic refuses every upgrade
    ("Requested revision H overlaps with other requested revisions G") until the table is repaired
    by hand. Upstream fixed it in Alembic 1.13.1 (commit 1b0e4bcd, "Fix downgrade when normalized
    down revisions have overlap via depends_on") for a downgrade with no other row; the branch
    with other rows has the same flaw. Debian 12 ships 1.8.1, so this test applies that fix to
    both branches of RevisionStep._unmerge_to_revisions (a revision to unmerge to is dropped when
    another one implies it) and counts the commands where the fix changed what Alembic wrote.
    turnstone-migrate always keeps the rows canonical (no row implies another).
    With --alembic-as-shipped the fix is off and this family shows up as disagreements.
    """

    def __init__(self):
        self.fired = 0  # steps where the fix removed a redundant row

    def install(self):
        from alembic.runtime.migration import RevisionStep
        original = RevisionStep._unmerge_to_revisions
        tracker = self

        def fixed(step, heads):
            shipped = original(step, heads)
            rmap = step.revision_map
            implied = set()
            for rid in shipped:
                for r in rmap._get_ancestor_nodes(rmap.get_revisions(rid), check=False):
                    if r.revision != rid:
                        implied.add(r.revision)
            result = tuple(r for r in shipped if r not in implied)
            if len(result) != len(shipped):
                tracker.fired += 1
            return result

        RevisionStep._unmerge_to_revisions = fixed


def cache_script_directories():
    """alembic.command re-reads every script of the directory on each command; the scripts of a
    graph never change, so keep one ScriptDirectory per directory (the run time halves)."""
    from alembic.script import ScriptDirectory
    original = ScriptDirectory.from_config.__func__
    cache = {}

    def from_config(cls, config):
        key = config.get_main_option("script_location")
        if key not in cache:
            cache.clear()  # one graph at a time
            cache[key] = original(cls, config)
        return cache[key]

    ScriptDirectory.from_config = classmethod(from_config)


# --- running each tool --------------------------------------------------------------------------

class Outcome:
    OK = "ok"
    REFUSED = "refused"
    CRASH = "crash"      # Alembic: an internal error; binary: a signal or an unexpected exit code
    WARNED = "ok with warning"

    def __init__(self, kind, detail=""):
        self.kind = kind
        self.detail = detail

    def __str__(self):
        return self.kind + (": " + self.detail if self.detail else "")


def run_alembic(alembic, script_dir, db_path, verb, target):
    from alembic.config import Config
    from alembic.util.exc import CommandError
    from alembic.script.revision import RevisionError

    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", script_dir)
    cfg.set_main_option("sqlalchemy.url", "sqlite:///" + db_path)
    fn = alembic.command.upgrade if verb == "upgrade" else alembic.command.downgrade
    sink = io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with redirect_stdout(sink), redirect_stderr(sink):
                fn(cfg, target)
        except (CommandError, RevisionError) as e:
            text = str(e)
            if "Online migration expected to match one row" in text:
                return Outcome(Outcome.CRASH, "%s: %s" % (type(e).__name__, text))
            return Outcome(Outcome.REFUSED, "%s: %s" % (type(e).__name__, text))
        except Exception as e:  # noqa: BLE001 - anything else is Alembic failing on its own
            frames = [f for f in traceback.extract_tb(e.__traceback__) if "/alembic/" in f.filename]
            where = " in %s()" % frames[-1].name if frames else ""
            return Outcome(Outcome.CRASH, "%s%s: %s" % (type(e).__name__, where, e))
    texts = [str(w.message) for w in caught if "alembic" in (w.filename or "") or
             issubclass(w.category, UserWarning)]
    if texts:
        return Outcome(Outcome.WARNED, "; ".join(texts))
    return Outcome(Outcome.OK)


def start_binary(binary, units_dir, db_path, verb, target):
    """Starts the binary; finish_binary() collects it (Alembic runs in the meantime)."""
    cmd = [binary, "--url", "sqlite:///" + db_path, "--revisions-dir", units_dir, "--tree", TREE, "-q",
           "--lock-timeout", "30", verb, target]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish_binary(p):
    try:
        _, stderr = p.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return Outcome(Outcome.CRASH, "timed out after 120 s")
    err = stderr.strip().replace("\n", " | ")
    if p.returncode == 0:
        return Outcome(Outcome.OK)
    if p.returncode == 2:
        return Outcome(Outcome.REFUSED, err)
    return Outcome(Outcome.CRASH, "exit %d: %s" % (p.returncode, err))


def scratch_dir():
    """tmpfs when there is one: SQLite's fsyncs on a disk dominate the run time otherwise."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        return "/dev/shm"
    return None


# --- one graph ----------------------------------------------------------------------------------

class Counts:
    def __init__(self):
        self.graphs = 0
        self.commands = 0           # commands run through both tools and compared
        self.agree_ok = 0           # both succeeded with the same rows and applied set
        self.agree_refused = 0      # both refused
        self.alembic_crashes = 0    # Alembic failed internally (an assertion, a KeyError...)
        self.alembic_crashes_unchanged = 0  # ... before changing anything, and the binary refused
        self.alembic_warned = 0     # Alembic warned and ran, turnstone-migrate refused by design
        self.skipped_commands = 0   # commands not run after a crash, a warning or a disagreement
        self.disagreements = 0
        self.issue_1373 = 0         # commands where the fix for Alembic's #1373 changed its rows
        self.not_compared = Counter()  # (what Alembic did, what the binary did) -> commands

    @property
    def agreements(self):
        return self.agree_ok + self.agree_refused


def run_graph(alembic, binary, base_seed, number, commands_per_graph, counts, keep, verbose, fix):
    rng = random.Random("%s:%d" % (base_seed, number))
    revs = random_graph(rng)
    commands = random_commands(rng, revs, commands_per_graph)
    work = tempfile.mkdtemp(prefix="tsm-parity-%d-" % number, dir=scratch_dir())
    try:
        script_dir = os.path.join(work, "alembic")
        units_dir = os.path.join(work, "units")
        write_alembic_dir(script_dir, revs)
        write_sql_units(units_dir, revs)
        a_db = os.path.join(work, "alembic.db")
        t_db = os.path.join(work, "turnstone.db")
        counts.graphs += 1
        by_id = {r.id: r for r in revs}
        history = []
        for index, (verb, target) in enumerate(commands):
            before = read_state(a_db, "alembic_version")
            fired = fix.fired if fix else 0
            proc = start_binary(binary, units_dir, t_db, verb, target)  # both at once: 2 cores
            a = run_alembic(alembic, script_dir, a_db, verb, target)
            if fix and fix.fired != fired:
                counts.issue_1373 += 1
            t = finish_binary(proc)
            a_state = read_state(a_db, "alembic_version")
            t_state = read_state(t_db, OUR_VERSION_TABLE)
            counts.commands += 1
            history.append("%s %s" % (verb, target))
            remaining = len(commands) - index - 1
            if verbose:
                print("  graph %d: %s %s -> alembic %s rows %s | ours %s rows %s" % (
                    number, verb, target, a.kind, sorted(a_state[0]), t.kind, sorted(t_state[0])))
            # turnstone-migrate's state must make sense on its own, also where Alembic crashed.
            ours_wrong = inconsistency(by_id, t_state)
            if ours_wrong:
                counts.disagreements += 1
                counts.skipped_commands += remaining
                print("INCONSISTENT (seed %s, graph %d, command %d): turnstone-migrate: %s" % (
                    base_seed, number, index + 1, ours_wrong))
                print("  graph:\n" + describe_graph(revs))
                print("  commands: " + "; ".join(history))
                print("  rows %s applied %s" % (sorted(t_state[0]), sorted(t_state[1])))
                return
            if a.kind == Outcome.CRASH or (a.kind == Outcome.WARNED and t.kind == Outcome.REFUSED):
                counts.not_compared[(a.kind + ": " + a.detail.split(": ")[0] if a.kind == Outcome.CRASH
                                     else a.kind + ": " + a.detail, t.kind)] += 1
            if a.kind == Outcome.CRASH:
                counts.alembic_crashes += 1
                if a_state == before and t.kind == Outcome.REFUSED and t_state == before:
                    # Alembic failed while planning (e.g. an assertion where `<rev>+1` walks past
                    # the head) and turnstone-migrate refused: neither file changed, go on.
                    counts.alembic_crashes_unchanged += 1
                    if verbose:
                        print("  graph %d: Alembic crashed before changing anything (%s)" % (number, a.detail))
                    continue
                counts.skipped_commands += remaining
                if verbose:
                    print("  graph %d: Alembic crashed (%s); skipping the rest" % (number, a.detail))
                return
            if a.kind == Outcome.WARNED and t.kind == Outcome.REFUSED:
                counts.alembic_warned += 1
                counts.skipped_commands += remaining
                return
            problem = None
            if t.kind == Outcome.CRASH:
                problem = "turnstone-migrate failed unexpectedly"
            elif (a.kind in (Outcome.OK, Outcome.WARNED)) != (t.kind == Outcome.OK):
                problem = "one tool refused, the other did not"
            elif t.kind == Outcome.OK and a_state != t_state:
                problem = "different results"
            elif t.kind == Outcome.REFUSED and t_state[1] != before[1]:
                problem = "turnstone-migrate refused but changed the database"
            if problem is None:
                if t.kind == Outcome.OK:
                    counts.agree_ok += 1
                else:
                    counts.agree_refused += 1
                continue
            counts.disagreements += 1
            counts.skipped_commands += remaining
            print("DISAGREEMENT (seed %s, graph %d, command %d): %s" % (base_seed, number, index + 1, problem))
            print("  graph:\n" + describe_graph(revs))
            print("  commands: " + "; ".join(history))
            print("  before:   rows %s applied %s" % (sorted(before[0]), sorted(before[1])))
            print("  alembic:  %s\n            rows %s applied %s" % (a, sorted(a_state[0]), sorted(a_state[1])))
            print("  turnstone-migrate: %s\n            rows %s applied %s" % (t, sorted(t_state[0]),
                                                                            sorted(t_state[1])))
            print("  replay: %s --binary %s --seed %s --only %d --verbose" % (sys.argv[0], binary, base_seed,
                                                                               number))
            return
    finally:
        if keep:
            print("  graph %d files kept in %s" % (number, work))
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="path of turnstone-migrate")
    ap.add_argument("--graphs", type=int, default=200, help="number of random graphs (default 200)")
    ap.add_argument("--commands", type=int, default=8, help="commands per graph (default 8)")
    ap.add_argument("--seed", default="1", help="base seed (default 1)")
    ap.add_argument("--only", type=int, help="run only this graph number")
    ap.add_argument("--keep", action="store_true", help="keep the files of each graph")
    ap.add_argument("--verbose", action="store_true", help="print every command's outcome")
    ap.add_argument("--alembic-as-shipped", action="store_true",
                    help="do not apply the fix for Alembic's issue #1373 (see Issue1373)")
    ap.add_argument("--require-alembic", action="store_true", help="fail (not skip) when Alembic is missing "
                    "(implied by CI=true)")
    args = ap.parse_args()

    # Alembic's head maintenance iterates Python sets of revision ids: fix string hashing so a
    # seed replays the same way (run the same interpreter again with PYTHONHASHSEED=0).
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

    try:
        import alembic
        import alembic.command
    except ImportError as e:
        msg = "Alembic is not installed for %s (%s): apt-get install python3-alembic" % (sys.executable, e)
        if args.require_alembic or is_ci():
            print("error: " + msg + " (required under CI=true)")
            return 1
        print("SKIP: " + msg)
        return SKIP
    if not os.access(args.binary, os.X_OK):
        print("error: no executable at %s" % args.binary)
        return 1
    binary = os.path.abspath(args.binary)

    cache_script_directories()
    fix = None
    if not args.alembic_as_shipped:
        fix = Issue1373()
        fix.install()
    start = time.monotonic()
    counts = Counts()
    numbers = [args.only] if args.only is not None else range(args.graphs)
    for number in numbers:
        run_graph(alembic, binary, args.seed, number, args.commands, counts, args.keep, args.verbose, fix)
    elapsed = time.monotonic() - start
    for (alembic_did, we_did), n in sorted(counts.not_compared.items(), key=lambda kv: -kv[1]):
        print("  not compared: %4d x Alembic %s; turnstone-migrate %s" % (n, alembic_did, we_did))
    print("alembic %s%s, seed %s: %d graphs, %d commands through both tools, %d agreements (%d both succeeded "
          "alike, %d both refused), %d disagreements; not compared: %d Alembic crashes (%d before changing "
          "anything, where turnstone-migrate refused too), %d Alembic warnings where turnstone-migrate refuses "
          "by design, %d later commands skipped; the #1373 fix changed Alembic's rows in %d commands; %.1f s" % (
              alembic.__version__, "" if fix else " as shipped", args.seed, counts.graphs, counts.commands,
              counts.agreements, counts.agree_ok, counts.agree_refused, counts.disagreements,
              counts.alembic_crashes, counts.alembic_crashes_unchanged, counts.alembic_warned,
              counts.skipped_commands, counts.issue_1373, elapsed))
    if counts.commands == 0:
        print("error: no command was compared")
        return 1
    return 1 if counts.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
