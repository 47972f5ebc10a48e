"""The shipped sample semester: exactly what its generator makes from today's sandbox."""

from __future__ import annotations

from importlib import resources

from muffin_analytics.datasets import SAMPLE_SEMESTER_DIR, sample_semester
from tests.scripts import load_script


def test_shipped_files_equal_what_the_generator_makes_now():
    built = load_script("make_sample_semester").build()
    shipped = resources.files("muffin_analytics").joinpath("data", SAMPLE_SEMESTER_DIR)
    assert sorted(p.name for p in shipped.iterdir()) == sorted(built)
    stale = [name for name, data in built.items() if shipped.joinpath(name).read_bytes() != data]
    assert not stale, f"{stale} differ from the sandbox: run scripts/make_sample_semester.py and commit the result"


def test_the_sample_is_one_student_before_and_during_term():
    sem = sample_semester()
    assert sem.calendar_fetched_at.date() < sem.term_start < sem.api_fetched_at.date()
    assert sem.calendar_feed.startswith(b"BEGIN:VCALENDAR")
    assert {a["course_id"] for a in sem.assignments} == {c["id"] for c in sem.courses}
    assert any(a.get("submission", {}).get("submitted_at") for a in sem.assignments)  # with include[]=submission
