#!/usr/bin/env python3
"""Derive manifest.json from the Canvas feed corpus in this directory.

Every number and date in manifest.json comes out of the .ics files by this
script (standard library only, no iCalendar package, so the manifest is an
independent reading of the bytes). The only hand-entered data is SCHOOLS
below: which school each file came from and its IANA zone, because a Canvas
feed does not say its zone (no VTIMEZONE, no TZID, no X-WR-TIMEZONE; every
timed value is UTC "Z"). The evidence for each zone is in README.md and is
re-checked here: the script prints the local wall-clock times of the timed
events in the stated zone so a wrong zone shows up as odd times.

Usage:  python3 tests/data/canvas_feeds/make_manifest.py [--check]
  --check  exit 1 if manifest.json on disk differs from what would be written.
"""

from __future__ import annotations

import collections
import json
import re
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent

# file name -> facts that are not in the file itself (see README.md for sources)
SCHOOLS = {
    "asu_canvas-asu-edu_america-phoenix.ics": {
        "school": "Arizona State University",
        "host": "canvas.asu.edu",
        "iana_zone": "America/Phoenix",
    },
    "byu_byu-instructure-com_america-denver.ics": {
        "school": "Brigham Young University (Provo, Utah)",
        "host": "byu.instructure.com",
        "iana_zone": "America/Denver",
    },
    "uci_canvas-eee-uci-edu_america-los_angeles.ics": {
        "school": "University of California, Irvine",
        "host": "canvas.eee.uci.edu",
        "iana_zone": "America/Los_Angeles",
    },
    "ku_absalon-instructure-com_europe-copenhagen.ics": {
        "school": "University of Copenhagen (Absalon)",
        "host": "absalon.instructure.com",
        "iana_zone": "Europe/Copenhagen",
    },
    "erau_erau-instructure-com_america-new_york.ics": {
        "school": "Embry-Riddle Aeronautical University (Daytona Beach, Florida)",
        "host": "erau.instructure.com",
        "iana_zone": "America/New_York",
    },
}

UID_KIND = re.compile(r"^event-(assignment-override|assignment|calendar-event|sub-assignment|[a-z-]+?)-(\d+)$")


def logical_lines(raw: bytes) -> tuple[str, list[str]]:
    ending = "CRLF" if b"\r\n" in raw else "LF"
    text = raw.decode("utf-8")
    physical = re.split(r"\r\n|\n", text)
    out: list[str] = []
    for line in physical:
        if line[:1] in (" ", "\t") and out:
            out[-1] += line[1:]
        else:
            out.append(line)
    return ending, [line for line in out if line != ""]


def split_prop(line: str) -> tuple[str, list[tuple[str, str]], str]:
    """NAME;P1=V1;P2=V2:value  (values here never contain quoted ':' in params)."""
    head, _, value = line.partition(":")
    name, *params = head.split(";")
    plist = [tuple(p.split("=", 1)) if "=" in p else (p, "") for p in params]
    return name.upper(), plist, value


def parse(raw: bytes) -> dict:
    ending, lines = logical_lines(raw)
    cal: dict = {"line_ending": ending, "props": {}, "events": [], "vtimezones": 0, "tzids": set()}
    stack: list[str] = []
    cur: dict | None = None
    for line in lines:
        name, params, value = split_prop(line)
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                cur = {"props": collections.defaultdict(list)}
            elif value == "VTIMEZONE":
                cal["vtimezones"] += 1
            continue
        if name == "END":
            top = stack.pop()
            if top == "VEVENT":
                cal["events"].append(cur)
                cur = None
            continue
        for k, v in params:
            if k.upper() == "TZID":
                cal["tzids"].add(v)
        if cur is not None and stack[-1] == "VEVENT":
            cur["props"][name].append((params, value))
        elif stack == ["VCALENDAR"]:
            cal["props"].setdefault(name, value)
    return cal


def utc_instant(value: str) -> datetime:
    if not value.endswith("Z"):
        raise ValueError(f"timed value is not UTC: {value!r}")
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def describe_event(ev: dict, zone: ZoneInfo) -> tuple[str, dict]:
    props = ev["props"]
    uid = props["UID"][0][1]
    params, dtstart = props["DTSTART"][0]
    value_params = [v for k, v in params if k.upper() == "VALUE"]
    entry: dict = {}
    m = UID_KIND.match(uid)
    entry["kind"] = m.group(1) if m else "other"
    if value_params and all(v == "DATE" for v in value_params):
        # 2019-era Canvas wrote "DTSTART;VALUE=DATE:20190408T000000" (a DATE value
        # with a time part, invalid per RFC 5545); the date is the first 8 digits.
        d = datetime.strptime(dtstart[:8], "%Y%m%d").date()
        entry["all_day"] = True
        entry["local_date"] = d.isoformat()
        entry["dtstart_value_params"] = len(value_params)
        if len(dtstart) != 8:
            entry["date_value_has_time_part"] = dtstart
    else:
        start = utc_instant(dtstart)
        entry["all_day"] = False
        entry["utc"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        local = start.astimezone(zone)
        entry["local"] = local.isoformat()
        entry["local_date"] = local.date().isoformat()
    if "DTEND" in props:
        eparams, dtend = props["DTEND"][0]
        if any(v == "DATE" for k, v in eparams if k.upper() == "VALUE"):
            entry["dtend_date"] = datetime.strptime(dtend[:8], "%Y%m%d").date().isoformat()
            if len(dtend) != 8:
                entry["dtend_date_value_has_time_part"] = dtend
        else:
            end = utc_instant(dtend)
            entry["dtend_utc"] = end.strftime("%Y-%m-%dT%H:%M:%SZ")
            if not entry["all_day"]:
                entry["zero_length"] = entry["dtend_utc"] == entry["utc"]
    else:
        entry["dtend"] = None
    url = props.get("URL", [([], "")])[0][1]
    frag = url.rsplit("#", 1)[1] if "#" in url else None
    ctx = re.search(r"include_contexts=([a-z_]+\d+)", url)
    entry["url_object"] = frag
    entry["url_context"] = ctx.group(1) if ctx else None
    entry["dtstamp"] = props["DTSTAMP"][0][1] if "DTSTAMP" in props else None
    entry["sequence"] = props["SEQUENCE"][0][1] if "SEQUENCE" in props else None
    return uid, entry


def build() -> dict:
    feeds = {}
    for path in sorted(HERE.glob("*.ics")):
        meta = SCHOOLS[path.name]
        zone = ZoneInfo(meta["iana_zone"])
        cal = parse(path.read_bytes())
        uids = collections.Counter()
        events = {}
        kinds = collections.Counter()
        doubled = 0
        date_with_time = 0
        local_times = collections.Counter()
        for ev in cal["events"]:
            uid, entry = describe_event(ev, zone)
            uids[uid] += 1
            kinds[entry["kind"]] += 1
            if entry.get("dtstart_value_params", 0) > 1:
                doubled += 1
            if "date_value_has_time_part" in entry:
                date_with_time += 1
            if not entry["all_day"]:
                local_times[entry["local"][11:16]] += 1
            if uid in events:  # keep every occurrence if Canvas ever repeats a UID
                events[uid] = events[uid] if isinstance(events[uid], list) else [events[uid]]
                events[uid].append(entry)
            else:
                events[uid] = entry
        timed = sum(1 for e in events.values() for x in (e if isinstance(e, list) else [e]) if not x["all_day"])
        feeds[path.name] = {
            **meta,
            "line_ending": cal["line_ending"],
            "prodid": cal["props"].get("PRODID"),
            "x_wr_calname": cal["props"].get("X-WR-CALNAME"),
            "x_wr_timezone": cal["props"].get("X-WR-TIMEZONE"),
            "vtimezone_count": cal["vtimezones"],
            "tzids": sorted(cal["tzids"]),
            "vevent_count": len(cal["events"]),
            "unique_uid_count": len(uids),
            "repeated_uids": sorted(u for u, n in uids.items() if n > 1),
            "timed_count": timed,
            "all_day_count": len(cal["events"]) - timed,
            "all_day_with_doubled_value_date_param": doubled,
            "all_day_date_value_with_time_part": date_with_time,
            "all_day_with_dtend": sum(1 for e in events.values() for x in (e if isinstance(e, list) else [e])
                                      if x["all_day"] and x.get("dtend", 0) is not None),
            "kinds": dict(sorted(kinds.items())),
            "timed_local_wall_clock": dict(sorted(local_times.items())),
            "dtstart_range_local": [
                min(x["local_date"] for e in events.values() for x in (e if isinstance(e, list) else [e])),
                max(x["local_date"] for e in events.values() for x in (e if isinstance(e, list) else [e])),
            ],
            "events": events,
        }
    return {
        "generated_by": "tests/data/canvas_feeds/make_manifest.py",
        "note": "timed events: 'utc' is the exact instant (DTSTART, always UTC in Canvas feeds); "
        "'local' is that instant in iana_zone. all-day events: 'local_date' is the DTSTART;VALUE=DATE value "
        "(Canvas's all_day_date), with no DTEND.",
        "feeds": feeds,
    }


def main() -> int:
    manifest = build()
    text = json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=False) + "\n"
    target = HERE / "manifest.json"
    if "--check" in sys.argv:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print("manifest.json is stale; run make_manifest.py", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    for name, feed in manifest["feeds"].items():
        print(f"{name}: {feed['vevent_count']} VEVENTs ({feed['timed_count']} timed, {feed['all_day_count']} all-day), "
              f"kinds {feed['kinds']}, local times {feed['timed_local_wall_clock']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
