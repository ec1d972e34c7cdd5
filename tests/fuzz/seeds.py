#!/usr/bin/env python3
"""Writes the seed inputs of each fuzz harness into OUT/<name>/, taken from the project's own test
inputs: the string literals of the unit tests (adjacent literals joined, raw strings too) and the
SQL fixtures. bench/fuzz/run merges them into tests/fuzz/corpus/<name>/ when given
TSM_FUZZ_SEEDS=OUT (libFuzzer's -merge=1 keeps only those that add coverage).

    python3 tests/fuzz/seeds.py OUT
"""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

TOKEN = re.compile(r'R"([^(\s]*)\((.*?)\)\1"|"((?:[^"\\\n]|\\.)*)"|(\s+|//[^\n]*|/\*.*?\*/)'
                   r"|('(?:[^'\\\n]|\\.)*'|.)", re.S)
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'", "b": "\b", "f": "\f",
           "v": "\v", "a": "\a"}


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            c = s[i + 1]
            if c == "x":
                m = re.match(r"[0-9a-fA-F]+", s[i + 2:])
                out.append(chr(int(m.group(0), 16)))
                i += 2 + len(m.group(0))
                continue
            if c == "u":
                out.append(chr(int(s[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append(ESCAPES.get(c, c))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def literals(path):
    """The string literals of a C++ file, adjacent ones joined as the compiler joins them."""
    text = path.read_text(encoding="utf-8")
    out, current = [], None
    for m in TOKEN.finditer(text):
        raw, cooked, space = m.group(2), m.group(3), m.group(4)
        if raw is not None or cooked is not None:
            piece = raw if raw is not None else unescape(cooked)
            current = piece if current is None else current + piece
        elif space is None and current is not None:
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    return out


def write(out, name, inputs):
    d = out / name
    d.mkdir(parents=True, exist_ok=True)
    n = 0
    for text in inputs:
        data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
        (d / hashlib.sha1(data).hexdigest()).write_bytes(data)
        n += 1
    print(f"{name}: {n} seeds")


def main():
    out = pathlib.Path(sys.argv[1])
    unit = ROOT / "tests" / "unit"
    sql_files = sorted((ROOT / "tests" / "fixtures").rglob("*.sql"))

    url = [s for s in literals(unit / "test_url.cpp") if "://" in s or s.startswith("sqlite")]
    write(out, "url", url)

    graph_targets = ["head", "heads", "base", "core@head", "feat@+1", "feat@-1", "net@base", "ctx@heads",
                     "2000b", "2000bb+2", "9000cc-3", "+2", "-1", "c100:c300", "base:heads", "core@2000bc",
                     "1000aa:9000cc", "ctx@+1", "c201-1", "7000"]
    target = [s for s in literals(unit / "test_target.cpp") + literals(unit / "test_plan.cpp")
              if 0 < len(s) <= 40 and "\n" not in s and " " not in s]
    write(out, "target", target + graph_targets)

    units = [s for s in literals(unit / "test_sql_unit.cpp") if "-- revision:" in s or "-- +" in s]
    units += [p.read_text(encoding="utf-8") for p in sql_files if "lint" in p.parts]
    write(out, "sql_unit", units)

    # fuzz_split_sql: the first byte picks the dialect ('0' SQLite, '1' PostgreSQL, '2' MariaDB,
    # '3' MariaDB without compound bodies).
    split = [s for s in literals(unit / "test_sql_lexer.cpp") if ";" in s or "DELIMITER" in s]
    split += [p.read_text(encoding="utf-8")[:1024] for p in sql_files]
    write(out, "split_sql", [pick + s for s in split for pick in "0123"])

    # The version rows: hand-written situations on the fixed graph of fixed_graph.h.
    T = "\t"
    down_sql = '[{"sql":"DROP TABLE x","in_transaction":true,"edge":"none"}]'
    rows = [
        "row\tmain\t9000cc\nrow\tmain\t8000bb\nrow\tcontext\tc300\ndowngrade\tbase\n",
        "tree\tmain\nrow\tmain\t5000ee\nupgrade\tfeat@+1\n",
        "tree\tmain\nrow\tmain\t5000ee\ndowngrade\tcore@-2\n",
        "row\tmain\t3000cc\nrow\tmain\t2000bc\nupgrade\t4000dd\n",
        "row\tmain\t3000cc\nrow\tmain\t2000bc\ndowngrade\t1000aa\n",
        "row\tmain\t7000aa\nrow\tmain\t2000bb\nupgrade\t8000bb\n",
        "row\tmain\tu2\n" + T.join(["store", "main", "u1", "9000cc", "", "one ahead", down_sql, "2030-01-01"]) + "\n"
        + T.join(["store", "main", "u2", "u1", "7000aa", "two ahead", "[]", ""]) + "\ndowngrade\t5000ee\n",
        "row\tmain\tu2\n" + T.join(["store", "main", "u1", "9000cc", "", "one ahead", down_sql, "2030-01-01"]) + "\n"
        + T.join(["store", "main", "u2", "u1", "7000aa", "two ahead", "[]", ""]) + "\nupgrade\theads\n",
        "tree\tcontext\nrow\tcontext\tk9\n" + T.join(["store", "context", "k9", "c300,c201", "", "merge", down_sql])
        + "\ndowngrade\tctx@base\n",
        "row\tmain\tzz\n" + T.join(["store", "main", "zz", "qq", "", "", "[]"]) + "\n"
        + T.join(["store", "main", "qq", "zz", "", "", "[]"]) + "\n",
        "row\tmain\tu1\n" + T.join(["store", "main", "u1", "9000cc", "\\N", "\\N",
                                     '[{"sql_hex":"44524f50","in_transaction":false,"edge":"after"}]']) + "\n",
        "row\tmain\tu1\n" + T.join(["store", "main", "u1", "9000cc", "", "", '[{"sql":"caf\xe9","in_transaction":true,'
                                     '"edge":"before"}]']) + "\n",
        "row\tmain\tc100\nrow\tmain\t1000aa\nupgrade\theads\n",
        "row\tmain\t1000aa\nrow\tmain\t3000cc\nstamp\tfeat@head\tnet@base\n",
        "row\tcontext\tc201\nupgrade\tctx@+1\n",
        "row\tmain\t9000cc\nrow\tcontext\tc200\nstamp\t2000bc\tc300\n",
        "row\tmain\tnope\nstamp\t--purge\theads\n",
        "tree\tcontext\nrow\tcontext\tc300\ndowngrade\t-1\n",
    ]
    write(out, "version_rows", rows)


if __name__ == "__main__":
    main()
