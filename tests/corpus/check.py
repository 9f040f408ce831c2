#!/usr/bin/env python3
"""Validate the corpus files (*.jsonl next to this script) against README.md.

Checks every line of every *.jsonl: valid JSON object, required fields present
and non-empty strings, blame and category from the vocabulary, category in its
blame's row, ids unique across files, split follows the sha256 rule, no
stack trace twice (compared with whitespace collapsed). Prints counts per
blame, category and split; exits 1 on any problem.

Usage: python3 tests/corpus/check.py [file.jsonl ...]
"""
import collections
import glob
import hashlib
import json
import os
import re
import sys

VOCAB = {
    "user": ["user-code", "serialization", "state-incompatible", "class-loading",
             "user-config", "checkpoint-user"],
    "system": ["tm-lost", "heartbeat-timeout", "rpc", "no-resources",
               "partition-not-found", "network", "jm-failover", "checkpoint-storage",
               "checkpoint-timeout", "state-backend", "flink-runtime"],
    "resource": ["oom-heap", "oom-direct", "oom-metaspace", "oom", "container-killed",
                 "too-many-open-files", "disk-full"],
    "dependency": ["connection-refused", "connection-reset", "dependency-timeout",
                   "kafka", "jdbc", "http", "object-store", "dns", "service"],
    "unknown": ["unknown"],
}
REQUIRED = ["id", "stacktrace", "blame", "category", "source", "reason", "split"]


def expected_split(item_id):
    return "holdout" if hashlib.sha256(item_id.encode("utf-8")).hexdigest()[0] in "012345" else "tune"


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    files = argv[1:] or sorted(glob.glob(os.path.join(here, "*.jsonl")))
    problems = []
    ids = {}
    traces = {}
    per_file = collections.Counter()
    blames = collections.Counter()
    cats = collections.Counter()
    splits = collections.Counter()
    blame_split = collections.Counter()

    for path in files:
        name = os.path.basename(path)
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                where = "%s:%d" % (name, n)
                if not line.strip():
                    problems.append("%s: empty line" % where)
                    continue
                try:
                    item = json.loads(line)
                except ValueError as e:
                    problems.append("%s: not JSON: %s" % (where, e))
                    continue
                if not isinstance(item, dict):
                    problems.append("%s: not a JSON object" % where)
                    continue
                bad = False
                for k in REQUIRED:
                    v = item.get(k)
                    if not isinstance(v, str) or not v.strip():
                        problems.append("%s: field %r missing or empty" % (where, k))
                        bad = True
                if bad:
                    continue
                where = "%s (%s)" % (where, item["id"])
                blame, cat = item["blame"], item["category"]
                if blame not in VOCAB:
                    problems.append("%s: unknown blame %r" % (where, blame))
                elif cat not in VOCAB[blame]:
                    owner = [b for b, cs in VOCAB.items() if cat in cs]
                    if owner:
                        problems.append("%s: category %r belongs to %s, not %s" % (where, cat, owner[0], blame))
                    else:
                        problems.append("%s: unknown category %r" % (where, cat))
                if item["id"] in ids:
                    problems.append("%s: duplicate id, first at %s" % (where, ids[item["id"]]))
                else:
                    ids[item["id"]] = where
                want = expected_split(item["id"])
                if item["split"] != want:
                    problems.append("%s: split %r, the sha256 rule says %r" % (where, item["split"], want))
                key = re.sub(r"\s+", " ", item["stacktrace"]).strip()
                if key in traces:
                    problems.append("%s: same stack trace as %s" % (where, traces[key]))
                else:
                    traces[key] = where
                per_file[name] += 1
                blames[blame] += 1
                cats[(blame, cat)] += 1
                splits[item["split"]] += 1
                blame_split[(blame, item["split"])] += 1

    total = sum(per_file.values())
    print("items: %d" % total)
    for name, c in sorted(per_file.items()):
        print("  %-24s %4d" % (name, c))
    print("per blame (tune / holdout):")
    for b in VOCAB:
        if blames[b]:
            print("  %-12s %4d  (%d / %d)" % (b, blames[b], blame_split[(b, "tune")], blame_split[(b, "holdout")]))
    print("per category:")
    for b, cs in VOCAB.items():
        for c in cs:
            if cats[(b, c)]:
                print("  %-12s %-22s %4d" % (b, c, cats[(b, c)]))
    print("per split:")
    for s, c in sorted(splits.items()):
        print("  %-12s %4d" % (s, c))
    if problems:
        print("\n%d problem(s):" % len(problems))
        for p in problems:
            print("  " + p)
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
