# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · A semester tour: one student, from her Canvas calendar to a balanced plan
#
# **Question → Answer.** Bold figures are computed below; the last cell checks
# every one of them.
#
# - *What does the demo student's term hold?* Ava, the student of the
#   package's sample semester (`datasets.sample_semester`), takes **4**
#   courses. Her Canvas calendar feed, fetched the week before term, lists
#   **131** assignments (and **20** course calendar events, which the loader
#   sets aside): about **456 h** of work, somewhere between **253 h** and
#   **839 h** given the estimators' ranges.
# - *When is it heavy?* Working last-minute, her busiest day holds **9 h**
#   (**Tue Oct 13**), and **1** week is a crunch week (over **37.5 h**), with
#   **38 h** (week of **Nov 9**). Her median week holds **29 h**, so much
#   is due within any three days: the default cluster rule finds **22**
#   bunches of deadlines, each within **4** days, and **22** of them pass on
#   hours due (**15 h** or more) rather than on the number of deadlines.
# - *What would a balanced plan do?* Its busiest stretch needs **93 %** of her
#   free time, and that stretch is the whole term (**Aug 24–Dec 8**): the
#   volume of work, not a cluster of deadlines, sets her peak. No day holds more
#   than **5.6 h**, against **9 h** last-minute. She would be told to start
#   **8** assignments early, the first on **Sep 8**.
# - *What does signing in with Canvas add?* Through the Canvas API the same
#   assignments carry points (**116** of them), unlock dates (**44**) and
#   submission status. **5** of the rows read as exams "unlock" only when
#   they are sat; the package reads that as the opening of the sitting, not of
#   the studying, so the plan schedules every exam's study before it opens and
#   the term still fits (λ* = **92 %**).

# %%
import sys
from pathlib import Path

# Jupyter may start the kernel in the repo root or in notebooks/.
_root = next((p for p in (Path.cwd(), *Path.cwd().parents) if (p / "pyproject.toml").is_file()), None)
assert _root is not None, "start Jupyter inside the homework-muffin checkout (no pyproject.toml above here)"
sys.path.insert(0, str(_root / "notebooks"))

import inspect
import re

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import nbhelpers as nbh
from muffin_analytics import crunch, datasets, density, effort, load, plan, plot, schema, suggest

nbh.use_style()
nbh.require_calibrated_tau()  # the last-minute figures below assume the τ fitted in notebook 03
pd.set_option("display.precision", 2)
pd.set_option("display.max_colwidth", 60)

# %% [markdown]
# ## 1. Load the semester from Canvas's calendar feed
#
# `datasets.sample_semester()` is a realistic 15-week semester shipped with
# the package: Ava's Canvas calendar feed (`user_….ics`) and her Canvas API
# answers, as the feed server's Canvas sandbox produced them. Canvas lists 30
# days back and a year ahead, so the feed, fetched the week before term (when
# she signs up, `plan.DEFAULT_LEAD_DAYS` before the first day), holds the
# whole semester. `load.read_ics` turns it into the assignments table; due
# times are read in her time zone.

# %%
sem = datasets.sample_semester()
SIGNUP = sem.calendar_fetched_at
assert (sem.term_start - SIGNUP.date()).days == plan.DEFAULT_LEAD_DAYS, "the feed was fetched when she signed up"

feed = sem.calendar_feed
read = load.read_ics(feed, student=sem.student, tz=sem.time_zone)
raw = schema.validate(read.frame)
print(feed[:300].decode(), "…\n")
print(f"{len(raw)} assignments in {raw['course'].nunique()} courses; set aside: "
      f"{read.skipped['code'].value_counts().to_dict()}")

# %% [markdown]
# ## 2. Effort estimates
#
# `effort.estimate` reads lengths from titles and descriptions ("Read pp.
# 45–92", "1500-word essay") and falls back to per-kind budgets; every row says
# which rule it used (`est_basis`) and gives a range. A calendar feed carries
# no points, so budgets are not scaled by points here (section 7 adds them).
# The first table lists the rows read as exams: a problem set and a quiz among
# them are the title rule taking "test" (as in "the integral test") for an
# exam, a misfire reported to the package.

# %%
est = effort.estimate(raw)
dated, undated = schema.split_dated(est)
assert undated.empty, "a calendar feed only lists dated assignments"
display(dated.loc[dated["kind"] == "exam", ["course", "title", "est_hours", "est_basis"]].rename_axis("rows read as exams"))
dated.groupby("course").agg(
    assignments=("assignment_id", "size"), hours=("est_hours", "sum"), low=("est_low", "sum"), high=("est_high", "sum")
)

# %% [markdown]
# ## 3. Daily and weekly load, working last-minute
#
# `density.daily_load` spreads each assignment's hours over the days before it
# is due with the last-minute profile (τ calibrated on real submission data in
# notebook 03). Free time: 4 h on weekdays, 3 h on Fridays, 6 h at weekends.

# %%
CAPACITY = [4, 4, 4, 4, 3, 6, 6]  # free hours per weekday, Monday first
last_minute = density.daily_load(dated, "last_minute", complete=True)
weekly = density.weekly_load(dated, "last_minute", by_course=True)
busiest = last_minute.loc[last_minute["hours"].idxmax()]
assert abs(last_minute["hours"].sum() - dated["est_hours"].sum()) < 1e-6, "every dated hour is placed"

fig, ax = plt.subplots(figsize=(11, 3))
plot.calendar_heatmap(last_minute, ax=ax, title="Daily load, last-minute profile (hours per day)")
fig.tight_layout()
fig, ax = plt.subplots(figsize=(11, 4.2))
plot.weekly_bars(weekly, ax=ax, budget=crunch.DEFAULT_WEEKLY_BUDGET, title="Weekly load by course, last-minute profile")
fig.tight_layout()
print(f"busiest day: {busiest['date']:%a %b %d} with {busiest['hours']:.1f} h")

# %% [markdown]
# ## 4. Crunches
#
# `crunch.detect` lists crunch days (more work than free hours, or 1.5 × a
# typical day), crunch weeks (more than 1.25 × the 30-hour budget) and deadline
# clusters, each with a reason. A cluster is a 72 h window, starting at a
# deadline, that holds 1.5 × her usual number of deadlines per window (at
# least 3) or 15 h of work; with four courses that each post something most
# weeks such windows overlap all term, and clusters are taken in time order
# without overlap, so each one is a single bunch of at most three days, never
# a term-long chain (asserted below).

# %%
clusters = crunch.deadline_clusters(dated)
cluster_days = (clusters["end"] - clusters["start"]).dt.days + 1
cluster_hours_rule = crunch.DEFAULT_WEEKLY_BUDGET * inspect.signature(crunch.detect).parameters["cluster_share"].default
assert cluster_days.max() <= 4, "a cluster spans one 72 h window: at most four work days"
assert (clusters["start"].iloc[1:].to_numpy() >= clusters["end"].iloc[:-1].to_numpy()).all(), "clusters come in order"
on_hours = int((clusters["hours"] >= cluster_hours_rule - 1e-9).sum())
median_week = weekly.groupby("week")["hours"].sum().median()
print(f"{len(clusters)} deadline clusters, the longest over {cluster_days.max()} days; "
      f"{on_hours} of them have {cluster_hours_rule:g} h or more due (median week: {median_week:.1f} h)")
crunches = crunch.detect(last_minute, dated, capacity=CAPACITY)
crunch_weeks = crunches[crunches["level"] == "week"].sort_values("hours", ascending=False)
display(crunches["level"].value_counts().rename("crunches found"))
crunches.loc[crunches["level"] != "day", ["level", "start", "end", "hours", "severity", "reason"]]

# %% [markdown]
# ## 5. Last-minute profile vs balanced plan
#
# `plan.balanced` computes the plan with the lowest possible peak of load ÷
# free time (λ*) from the day she signs up; a calendar feed has no unlock
# dates, so any assignment may be worked on from then until its due day.

# %%
semester = plan.balanced(dated, capacity=CAPACITY, start=SIGNUP.date())
print(semester.explain())
balanced_load = density.daily_load(dated, semester, complete=True)

fig, ax = plt.subplots(figsize=(11, 4.2))
plot.load_curves(dated, semester, ax=ax, title="Ava's semester: last-minute vs balanced plan")
fig.tight_layout()
fig, ax = plt.subplots(figsize=(11, 3))
plot.calendar_heatmap(balanced_load, ax=ax, vmax=last_minute["hours"].max(),
                      title="Daily load, balanced plan (same colour scale as the last-minute calendar)")
fig.tight_layout()
print(f"busiest day: last-minute {last_minute['hours'].max():.1f} h, balanced {balanced_load['hours'].max():.1f} h")

# %% [markdown]
# ## 6. The suggestions she would get
#
# `suggest.suggestions` turns the plan into sentences (the binding stretch,
# the peak comparison, "start by" advice for the assignments where starting
# early helps most) and work sessions for her calendar feed.

# %%
advice = suggest.suggestions(dated, semester)
start_by = [s for s in advice.sentences if s.startswith("Start ")]
display(Markdown("\n".join(f"- {sentence}" for sentence in advice.sentences)))
advice.sessions[["date", "course", "title", "hours", "summary"]].head(8)

# %% [markdown]
# ## 7. What signing in with Canvas adds
#
# With OAuth the server reads the Canvas API instead: the sample's
# `assignments` (with submissions, as of week 11) and `courses`, through
# `load.from_canvas`. Points, unlock dates and submission status arrive; the
# estimates change where budgets scale with points.

# %%
api = load.from_canvas(sem.assignments, sem.courses, student=sem.student, tz=sem.time_zone)
api_dated, api_undated = schema.split_dated(effort.estimate(api))
known = pd.DataFrame({
    "calendar feed": dated[["points", "unlock_at", "submitted"]].notna().sum(),
    "Canvas API": api_dated[["points", "unlock_at", "submitted"]].notna().sum(),
}).rename_axis("rows with a known …")
display(known)
print(f"API: {len(api_dated)} dated (+{len(api_undated)} undated, never in a feed); "
      f"hours {api_dated['est_hours'].sum():.0f} vs {dated['est_hours'].sum():.0f} from the feed")

as_dated = plan.balanced(api_dated, capacity=CAPACITY, start=SIGNUP.date(), skip_submitted=False)
print(as_dated.explain())
as_dated.windows.head(6)

# %% [markdown]
# Canvas opens an exam (a quiz with a time limit) only around the time it is
# sat, so its `unlock_at` says when the sitting opens, not when studying may
# start; read as the start of the work window, it would squeeze the 5 h of
# study the effort model assigns into that day's free hours. The package
# reads the unlock date of an exam or quiz that way (`schema.work_unlock`),
# so every exam's study is planned before the exam opens (asserted below).

# %%
exams = api_dated[(api_dated["kind"] == "exam") & api_dated["unlock_at"].notna()]
opens = exams.set_index("assignment_id")["unlock_at"].dt.tz_convert(sem.time_zone).dt.tz_localize(None).dt.normalize()
study_from = as_dated.sessions.groupby("assignment_id")["date"].min().reindex(opens.index)
display(pd.DataFrame({"title": exams.set_index("assignment_id")["title"], "opens": opens, "study from": study_from}))
assert (study_from < opens).all(), "each exam's study starts before the exam opens"
assert as_dated.feasible and (as_dated.windows["level"] <= 1).all(), "no exam day binds the plan"

# %% [markdown]
# ## Summary check

# %%
week_ratio = inspect.signature(crunch.detect).parameters["week_ratio"].default
worst_week = crunch_weeks.iloc[0]
window_first, window_last = semester.critical_window
first_advised = re.search(r" by (\w{3} \d{1,2})[,;.]", start_by[0]).group(1)  # sentences are in date order
nbh.check_summary(
    "01_semester_tour",
    {
        "courses": f"{dated['course'].nunique()}",
        "assignments in the feed": f"{len(dated)}",
        "other calendar events": f"{int((read.skipped['code'] == 'not_assignment').sum())}",
        "hours": f"{dated['est_hours'].sum():.0f} h",
        "low": f"{dated['est_low'].sum():.0f} h",
        "high": f"{dated['est_high'].sum():.0f} h",
        "busiest last-minute day, hours": f"{busiest['hours']:.0f} h",
        "busiest last-minute day": f"{busiest['date']:%a %b} {busiest['date'].day}",
        "crunch weeks": f"{len(crunch_weeks)}",
        "crunch week threshold": f"{week_ratio * crunch.DEFAULT_WEEKLY_BUDGET:g} h",
        "worst week, hours": f"{worst_week['hours']:.0f} h",
        "worst week": f"{worst_week['start']:%b} {worst_week['start'].day}",
        "median week": f"{median_week:.0f} h",
        "deadline clusters": f"{len(clusters)}",
        "longest cluster, days": f"{cluster_days.max()}",
        "clusters on hours due": f"{on_hours}",
        "cluster hours rule": f"{cluster_hours_rule:g} h",
        "λ*": f"{semester.peak:.0%}".replace("%", " %"),
        "critical window": f"{window_first:%b} {window_first.day}–{window_last:%b} {window_last.day}",
        "balanced busiest day": f"{balanced_load['hours'].max():.1f} h",
        "last-minute busiest day": f"{last_minute['hours'].max():.0f} h",
        "start-by sentences": f"{len(start_by)}",
        "first start-by date": first_advised,
        "API rows with points": f"{known.loc['points', 'Canvas API']}",
        "API rows with unlock dates": f"{known.loc['unlock_at', 'Canvas API']}",
        "exams with an unlock date": f"{len(exams)}",
        "λ* with API unlock dates": f"{as_dated.peak:.0%}".replace("%", " %"),
    },
)
