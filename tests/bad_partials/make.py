#!/usr/bin/env python3
"""Regenerates the broken partials of this folder from a good one, after the
partial format or the metric layout changed (tests/bad_partials.rs says so):

    bilateral run scenarios/us_mexico_2025-02.toml --runs 3 --shard 1/1 --no-runs --out /tmp/bp
    python3 tests/bad_partials/make.py /tmp/bp/partial-1-of-1.json

Each NAME.json is one tampering; NAME.expect lists what merge must say."""
import copy
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
base = json.load(open(sys.argv[1]))
base["scenario_path"] = "scenarios/us_mexico_2025-02.toml"


def mk(name, edit, expects):
    d = copy.deepcopy(base)
    if edit:
        edit(d)
    json.dump(d, open(os.path.join(here, name + ".json"), "w"))
    if expects:
        open(os.path.join(here, name + ".expect"), "w").write("".join(e + "\n" for e in expects))


def s(k, v):
    return lambda d: d.__setitem__(k, v)


def moments(d):
    return d["results"]["levers"][0]["metrics"][0]["moments"]


mk("good", None, None)
mk("runs_file_outside", s("runs_file", "../../../../etc/passwd"),
   ["`runs_file` is `../../../../etc/passwd`", "has its runs in `runs-1-of-1.csv` beside the partial"])
mk("runs_file_absolute", s("runs_file", "/etc/passwd"), ["`runs_file` is `/etc/passwd`"])
mk("formula_lever_name",
   lambda d: (d.__setitem__("levers", ["=1+2"]), d["results"]["levers"][0].__setitem__("name", "=1+2")),
   ["`levers[0]` is `=1+2`, not a valid name", "at most 64"])
mk("absurd_horizon", s("horizon_months", 4000000000),
   ["`horizon_months` is 4000000000; a scenario's horizon is 1 to 600"])
mk("count_u64_max", lambda d: moments(d).__setitem__("n", 18446744073709551615),
   ["lever `baseline`", "a histogram total different from n"])
mk("sum_times_ten", lambda d: moments(d).__setitem__("sum", str(int(moments(d)["sum"]) * 10)),
   ["lever `baseline`", "a sum too large for its sum of squares"])
mk("other_format", s("format", "something-else"),
   ["is not a bilateral partial result: `format` is \"something-else\""])
mk("other_version", s("version", 99), ["this bilateral merges bilateral-partial version 1"])
open(os.path.join(here, "not_json.json"), "w").write('{"format": "bilateral-partial", "version": 1, ')
open(os.path.join(here, "not_json.expect"), "w").write("is not a bilateral partial result: EOF while parsing\n")
