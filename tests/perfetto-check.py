# perfetto-check.py FILE: parse a --export=perfetto file with a real JSON
# parser, check that Perfetto's importer can place every event (named
# tracks, slices that do not overlap on a thread, flows that start and
# end inside slices), and print one line per kind of event: "PH NAME".
import json
import sys


def fail(msg):
    print("perfetto-check: " + msg, file=sys.stderr)
    sys.exit(1)


with open(sys.argv[1], encoding="utf-8") as f:
    doc = json.load(f)
events = doc.get("traceEvents")
if not isinstance(events, list) or not events:
    fail("no traceEvents list")
if "microsecond" not in doc.get("otherData", {}).get("time", ""):
    fail("otherData does not say what a tick is")

procs, threads, slices, flows = set(), set(), {}, {}
for e in events:
    ph = e.get("ph")
    if ph == "M" and e["name"] == "process_name":
        procs.add(e["pid"])
    elif ph == "M" and e["name"] == "thread_name":
        threads.add((e["pid"], e["tid"]))
for e in events:
    ph = e["ph"]
    if ph in ("X", "s", "f") or (ph == "i" and e.get("s") == "t"):
        if (e["pid"], e["tid"]) not in threads:
            fail("event on an unnamed thread track: %r" % e)
    if ph == "C" and e["pid"] not in procs:
        fail("counter on an unnamed process track: %r" % e)
    if ph == "X":
        if not isinstance(e["ts"], int) or not isinstance(e["dur"], int) or e["dur"] < 0:
            fail("bad slice times: %r" % e)
        slices.setdefault((e["pid"], e["tid"]), []).append((e["ts"], e["ts"] + e["dur"], e["name"]))
    if ph in ("s", "f"):
        flows.setdefault(e["id"], []).append(e)
for track, xs in slices.items():
    xs.sort()
    for a, b in zip(xs, xs[1:]):
        if b[0] < a[1]:
            fail("slices overlap on %r: %r and %r" % (track, a, b))


def inside(e):
    return any(lo <= e["ts"] < hi or lo == e["ts"] == hi
               for lo, hi, _ in slices.get((e["pid"], e["tid"]), []))


for fid, pair in flows.items():
    kinds = sorted(x["ph"] for x in pair)
    if kinds != ["f", "s"]:
        fail("flow %r is not one start and one end: %r" % (fid, pair))
    for x in pair:
        if not inside(x):
            fail("flow %r is outside every slice of its thread: %r" % (fid, x))
    s = [x for x in pair if x["ph"] == "s"][0]
    f_ = [x for x in pair if x["ph"] == "f"][0]
    if f_["ts"] < s["ts"] or f_.get("bp") != "e":
        fail("flow %r goes back in time or binds loosely: %r" % (fid, pair))

seen = set()
for e in events:
    if e["ph"] == "M":
        seen.add("M %s %s" % (e["name"], e["args"].get("name", "")))
    else:
        seen.add("%s %s" % (e["ph"], e["name"]))
for line in sorted(seen):
    print(line)
