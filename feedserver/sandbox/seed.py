"""The seeded semester: two schools, their people, courses and coursework.

`build_world(seed, term_start)` builds the two schools the demo and most tests
use (`SCHOOLS`: Chicago and Los Angeles, US DST on 2026-11-01);
``schools=ZONE_SCHOOLS`` builds three more in the zones where dates go wrong
for other reasons: America/Phoenix (UTC-7 all year: no DST), Europe/Copenhagen
(UTC+2, then UTC+1 from 2026-10-25: a deadline just after local midnight is the
previous day in UTC) and Australia/Sydney (southern DST: UTC+10, then UTC+11
from 2026-10-04; every local morning is the previous day in UTC). seed_calendar.py then adds each course's
calendar events, to-do items, checkpoints and each student's notes.

Everything comes from one `random.Random(seed)` walked in a fixed order, so a
seed always yields an equal world.  The shapes are chosen to hit what breaks
real Canvas clients: DST inside the term, 23:59 and 00:00 local due dates
(Canvas's all-day rule), undated, unpublished and locked items, per-student
overrides, unicode/emoji/commas/semicolons/backslashes in titles, long HTML
descriptions with page and word counts, and every submission state.

Id blocks: school shard N uses users N001.., courses N0101.., and
N000001.. for assignments, overrides, submissions and events.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..canvas.scopes import READ_ONLY_SCOPES as CANVAS_READ_ONLY_SCOPES
from .seed_calendar import add_calendar
from .world import (
    Assignment,
    AssignmentKind,
    AssignmentOverride,
    CalendarEvent,
    Course,
    DeveloperKey,
    Enrollment,
    SandboxWorld,
    School,
    Submission,
    Term,
    User,
    all_day_fields,
    utc_at,
)

TERM_WEEKS = 15
INHERITED_CLIENT_ID = "170000000000042"

#: Scopes a read-only integration asks for (docs/canvas-facts.md §10.7); a list, as Canvas keys hold them.
READ_ONLY_SCOPES = list(CANVAS_READ_ONLY_SCOPES)


@dataclass(frozen=True)
class Stream:
    """A recurring kind of work in a course, e.g. a quiz every Tuesday 09:00."""

    kind: AssignmentKind
    title: str  # str.format with n (1-based) and topic
    weeks: tuple[int, ...]  # 1-based term weeks
    weekday: int  # Monday = 0
    due: tuple[int, int] | None  # local (hour, minute); None = no due date
    points: float | None
    submission_types: tuple[str, ...]
    time_limit: int | None = None


@dataclass(frozen=True)
class CourseSpec:
    name: str
    code: str
    topics: tuple[str, ...]
    streams: tuple[Stream, ...]
    time_zone: str | None = None  # None = the school's


ALL = tuple(range(1, TERM_WEEKS + 1))
UPLOAD = ("online_upload",)
TEXT = ("online_text_entry", "online_upload")
QUIZ = ("online_quiz",)
DISCUSS = ("discussion_topic",)
PAPER = ("on_paper",)
NONE = ("not_graded",)
READ_PAGES = "Read chapters {n}–{m} (pp. {p}–{q})"

NORTH_COURSES = (
    CourseSpec(
        "Calculus II",
        "MATH 221",
        (
            "Integration by parts", "Trig substitution", "Partial fractions",
            "Improper integrals", "Arc length", "Surface area", "Sequences",
            "Series, convergence; the integral test", "Comparison tests",
            "Alternating series", "Ratio & root tests", "Power series",
            "Taylor series 📐", "Parametric curves", "Polar coordinates",
        ),
        (
            Stream("problem_set", "Problem Set {n}: {topic}", ALL, 4, (23, 59), 20, UPLOAD),
            Stream("quiz", "Quiz {n} — {topic}", ALL[1:], 1, (9, 0), 10, QUIZ, 20),
            Stream("exam", "Midterm 1", (6,), 3, (19, 0), 100, PAPER),
            Stream("exam", "Midterm 2", (11,), 3, (19, 0), 100, PAPER),
            Stream("exam", "Final Exam", (15,), 0, (8, 0), 200, PAPER),
            Stream("reading", "Read §{n}.1–§{n}.4", (1, 4, 7, 10), 0, None, None, NONE),
        ),
    ),
    CourseSpec(
        "Composition: Writing About Place",
        "ENGL 105",
        (
            "Home, memory; and the places we keep", "Maps & mis-maps",
            "The \"third place\": cafés ☕ and libraries", "Walking the neighborhood",
            "Borders\\crossings", "Rural/urban", "Nature writing 🌲", "Sound of a city",
            "Kitchens", "Ruins", "Transit", "Water", "Weather", "Return", "Revision",
        ),
        (
            Stream("discussion", "Discussion {n}: {topic}", ALL, 2, (23, 59), 5, DISCUSS),
            Stream("reading", "Reading {n}: {topic}", ALL, 0, (9, 0), None, NONE),
            Stream("essay", "Essay {n}: {topic}", (4, 8, 12, 15), 6, (23, 59), 100, TEXT),
            Stream("essay", "Peer review {n}", (3, 7, 11, 14), 4, (17, 0), 10, TEXT),
        ),
    ),
    CourseSpec(
        "General Chemistry I",
        "CHEM 110",
        (
            "Measurement & sig figs", "Density", "Stoichiometry", "Limiting reagents",
            "Acid\\base titration", "Gas laws", "Calorimetry", "Atomic spectra",
            "Periodic trends", "Lewis structures", "VSEPR; molecular shape",
            "Intermolecular forces", "Solutions", "Kinetics", "Equilibrium",
        ),
        (
            Stream("lab", "Lab {n}: {topic}", ALL[1:14], 3, (14, 0), 25, UPLOAD),
            Stream("quiz", "Pre-lab quiz {n}", ALL[1:14], 2, (0, 0), 5, QUIZ, 15),
            Stream("problem_set", "Problem Set {n}: {topic}", ALL[::2], 4, (17, 0), 30, UPLOAD),
            Stream("exam", "Exam {n}", (7, 14), 1, (18, 30), 150, PAPER),
        ),
    ),
    CourseSpec(
        "Modern Latin America",
        "HIST 240",
        (
            "Independence movements", "Caudillos", "Export economies", "The Mexican Revolution",
            "Populism: Vargas, Perón", "The Cuban Revolution", "Cold War coups",
            "Dirty wars", "Debt crisis", "Neoliberalism", "Zapatistas", "Pink tide",
            "Migration", "Memory & justice", "Review",
        ),
        (
            Stream("reading", READ_PAGES, ALL, 1, (9, 0), None, NONE),
            Stream("discussion", "Discussion: {topic}", ALL[::2], 3, (23, 59), 10, DISCUSS),
            Stream("essay", "Primary-source essay {n}: {topic}", (6, 12), 4, (23, 59), 100, TEXT),
            Stream("exam", "Final exam (take-home)", (15,), 2, (12, 0), 150, TEXT),
        ),
    ),
    CourseSpec(
        "Intro to Programming (Online)",
        "CS 150-OL",
        (
            "Hello, world", "Variables; types", "<Loops> & conditionals", "Functions",
            "Lists", "Dictionaries", "Files & paths (C:\\Users\\…)", "Classes",
            "Recursion", "Testing", "Sorting", "Searching", "APIs", "Review", "Capstone 🚀",
        ),
        (
            Stream("problem_set", "Project {n}: {topic}", ALL, 1, (0, 0), 50, UPLOAD),
            Stream("quiz", "Check-in quiz {n}", ALL, 6, (23, 59), 5, QUIZ, 15),
        ),
        time_zone="America/New_York",
    ),
)

SOUTH_COURSES = (
    CourseSpec(
        "Principles of Biology",
        "BIOL 101",
        (
            "Cells", "Membranes", "Enzymes", "Respiration", "Photosynthesis 🌱",
            "Mitosis \\ cytokinesis",
            "Meiosis", "Mendel", "DNA", "Gene expression", "Evolution", "Speciation",
            "Ecology", "Ecosystems", "Review",
        ),
        (
            Stream("lab", "Lab {n}: {topic}", ALL[1:14], 1, (13, 0), 20, UPLOAD),
            Stream("quiz", "Quiz {n}: {topic}", ALL, 4, (9, 0), 10, QUIZ, 30),
            Stream("reading", "Read chapter {n} (pp. {p}–{q})", ALL, 0, None, None, NONE),
            Stream("exam", "Midterm", (8,), 2, (10, 0), 100, PAPER),
            Stream("exam", "Final", (15,), 2, (8, 0), 150, PAPER),
        ),
    ),
    CourseSpec(
        "Español II",
        "SPAN 102",
        (
            "¿Qué hora es? 🕒", "La familia", "En el mercado", "El cuerpo", "¡Vamos de viaje!",
            "La casa", "Pretérito vs. imperfecto", "Mi niñez", "La salud", "El trabajo",
            "Subjuntivo, parte 1", "Subjuntivo; parte 2", "La ciudad", "Canciones 🎶", "Repaso",
        ),
        (
            Stream("discussion", "Lección {n}: {topic}", ALL, 1, (23, 59), 5, DISCUSS),
            Stream("quiz", "Prueba {n} — {topic}", ALL, 3, (9, 0), 10, QUIZ, 25),
            Stream("essay", "Composición {n}", (5, 10, 14), 4, (23, 59), 50, TEXT),
        ),
    ),
    CourseSpec(
        "Introductory Statistics",
        "MATH 140",
        (
            "Data & sampling", "Describing distributions", "Normal model", "Correlation",
            "Regression", "Probability", "Random variables", "Binomial", "Sampling distributions",
            "Confidence intervals", "Hypothesis tests", "t-tests", "Chi-square", "ANOVA", "Review",
        ),
        (
            Stream("problem_set", "Homework {n}: {topic}", ALL, 3, (23, 59), 20, UPLOAD),
            Stream("quiz", "Quiz {n}", ALL[1:], 0, (0, 0), 10, QUIZ, 20),
            Stream("exam", "Exam {n}", (5, 10, 15), 2, (11, 0), 100, PAPER),
        ),
    ),
    CourseSpec(
        "Drawing I 🎨",
        "ART 120",
        (
            "Line", "Contour", "Gesture", "Value", "Texture", "Perspective, 1-point",
            "Perspective; 2-point", "Still life", "Portrait", "Figure", "Landscape",
            "Ink \\ wash", "Color", "Portfolio", "Critique",
        ),
        (
            Stream("lab", "Studio project {n}: {topic}", ALL[::2], 0, (12, 0), 50, UPLOAD),
            Stream("discussion", "Critique {n}", ALL[1::2], 3, (23, 59), 10, DISCUSS),
            Stream("reading", "Sketchbook prompt {n}", ALL[:6], 0, None, None, NONE),
        ),
    ),
    CourseSpec(
        "Principles of Microeconomics",
        "ECON 201",
        (
            "Scarcity", "Supply & demand", "Elasticity", "Taxes, subsidies; deadweight loss",
            "Consumer choice", "Production", "Costs", "Perfect competition", "Monopoly",
            "Oligopoly", "Game theory", "Externalities", "Public goods", "Labor markets", "Review",
        ),
        (
            Stream("reading", READ_PAGES, ALL, 0, (9, 0), None, NONE),
            Stream("problem_set", "Problem Set {n}: {topic}", ALL[::2], 4, (17, 0), 25, UPLOAD),
            Stream("quiz", "Quiz {n}", ALL[1::2], 2, (9, 0), 10, QUIZ, 30),
            Stream("exam", "Midterm", (8,), 3, (9, 0), 100, PAPER),
        ),
    ),
    CourseSpec(
        "Public Speaking",
        "COMM 110",
        (
            "Introductions", "Listening", "Audience analysis", "Research", "Outlining",
            "Delivery", "Visual aids", "Informative speaking", "Persuasion", "Reasoning",
            "Special occasions", "Group presentations", "Speech anxiety 😬", "Ethics",
            "Reflection",
        ),
        (
            Stream("discussion", "Discussion {n}: {topic}", ALL, 2, (23, 59), 5, DISCUSS),
            Stream("essay", "Speech outline {n}", (3, 7, 11), 4, (9, 0), 25, TEXT),
            Stream("exam", "Speech {n} (in class)", (4, 8, 12, 15), 1, (10, 0), 100, PAPER),
        ),
    ),
)

NORTH_PEOPLE = (
    # (name, sortable, short, login, time zone override, locale)
    ("Ava Martínez", "Martínez, Ava", "Ava", "ava.martinez", None, "en"),
    ("Liam O’Connor", "O’Connor, Liam", "Liam", "liam.oconnor", None, "en"),
    ("Nguyễn Minh Anh", "Nguyễn, Minh Anh", "Minh Anh", "anh.nguyen", None, "en"),
    ("Zoë Kowalski", "Kowalski, Zoë", "Zoë", "zoe.kowalski", "America/New_York", "en"),
    ("Jamal Washington", "Washington, Jamal", "Jamal", "jamal.washington", None, "en"),
)
SOUTH_PEOPLE = (
    ("Ava Martínez", "Martínez, Ava", "Ava", "amartinez", None, "en"),  # dual-enrolled
    ("Mia Chen", "Chen, Mia", "Mia", "mia.chen", None, "en"),
    ("Diego Hernández", "Hernández, Diego", "Diego", "diego.hernandez", None, "es"),
    ("Olivia Brooks", "Brooks, Olivia", "Olivia", "olivia.brooks", "Pacific/Honolulu", "en"),
    ("Kai Nakamura 🌊", "Nakamura, Kai", "Kai", "kai.nakamura", None, "en"),
)
ZONE_PEOPLE = {
    "phoenix": (("Sofía Ramírez", "Ramírez, Sofía", "Sofía", "sofia.ramirez", None, "en"),
                ("Tyler Begay", "Begay, Tyler", "Tyler", "tyler.begay", None, "en"),
                ("Grace Kim", "Kim, Grace", "Grace", "grace.kim", None, "en")),
    "copenhagen": (("Freja Nielsen", "Nielsen, Freja", "Freja", "freja.nielsen", None, "da"),
                   ("Mads Sørensen", "Sørensen, Mads", "Mads", "mads.sorensen", None, "da"),
                   ("Aisha Hassan", "Hassan, Aisha", "Aisha", "aisha.hassan", None, "en")),
    "sydney": (("Chloe Nguyen", "Nguyen, Chloe", "Chloe", "chloe.nguyen", None, "en"),
               ("Jack Wilson", "Wilson, Jack", "Jack", "jack.wilson", None, "en"),
               ("Priya Patel", "Patel, Priya", "Priya", "priya.patel", None, "en")),
}
TEACHERS = {"north": "Dr. Patricia Reyes", "south": "Prof. Samuel Okafor", "phoenix": "Dr. Lena Yazzie",
            "copenhagen": "Lektor Henrik Dahl", "sydney": "Dr. Olivia Tran"}

SCHOOLS = (
    # slug, name, time zone, shard, email domain, courses, people
    ("north", "North State University", "America/Chicago", 1, "north.example.edu",
     NORTH_COURSES, NORTH_PEOPLE),
    ("south", "South Coast College", "America/Los_Angeles", 2, "southcoast.example.edu",
     SOUTH_COURSES, SOUTH_PEOPLE),
)
#: Schools in three more zones (no DST, central European DST, southern DST), each with the
#: first four north courses, for the time-zone tests (`SandboxWorld.seeded(..., zones=True)`).
ZONE_SCHOOLS = (
    ("phoenix", "Desert State University", "America/Phoenix", 3, "desert.example.edu",
     NORTH_COURSES[:4], ZONE_PEOPLE["phoenix"]),
    ("copenhagen", "Øresund Universitet", "Europe/Copenhagen", 4, "oresund.example.dk",
     NORTH_COURSES[:4], ZONE_PEOPLE["copenhagen"]),
    ("sydney", "Harbour University", "Australia/Sydney", 5, "harbour.example.edu.au",
     NORTH_COURSES[:4], ZONE_PEOPLE["sydney"]),
)


def _token(rng: random.Random, n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(rng.choice(alphabet) for _ in range(n))


def _keys(rng: random.Random, slug: str, shard: int, inherited_secret: str) -> list[DeveloperKey]:
    loopback = "http://127.0.0.1/"  # legacy host match: any port, any path
    keys = [
        DeveloperKey(
            client_id=f"{shard}0000000000001",
            client_secret=_token(rng, 64),
            name=f"Homework Muffin ({slug})",
            enabled=True,
            redirect_uris=[
                "http://localhost:8080/oauth/callback",
                "http://127.0.0.1:8080/oauth/callback",
            ],
            legacy_redirect_uri=loopback,
        ),
        DeveloperKey(
            client_id=INHERITED_CLIENT_ID,
            client_secret=inherited_secret,
            name="Homework Muffin",
            # Inherited keys start Off; north's admin switched it On.
            enabled=slug == "north",
            redirect_uris=["http://localhost:8080/oauth/callback"],
            legacy_redirect_uri=loopback,
            inherited=True,
        ),
    ]
    if slug == "north":
        keys.append(
            DeveloperKey(
                client_id=f"{shard}0000000000002",
                client_secret=_token(rng, 64),
                name="Homework Muffin (scoped, no includes)",
                enabled=True,
                legacy_redirect_uri=loopback,
                scopes=list(READ_ONLY_SCOPES),
                require_scopes=True,
                allow_includes=False,
            )
        )
    return keys


def _description(kind: AssignmentKind, n: int, topic: str, rng: random.Random,
                 time_limit: int | None) -> str | None:
    """Canvas-ish rich-text HTML; page and word counts feed effort estimates."""
    if rng.random() < 0.06:
        return None
    first = 10 + n * 22
    pages = f"pp. {first}–{first + rng.choice((18, 25, 31, 47))}"
    rubric = "".join(
        f"<tr><td>{c}</td><td>{p} pts</td><td>{'Exceeds, meets, approaches; missing' * 2}</td></tr>"
        for c, p in (("Thesis", 20), ("Evidence", 30), ("Organization", 20),
                     ("Style & mechanics", 15), ("Citations", 15))
    )
    match kind:
        case "essay":
            words = rng.choice((750, 1000, 1200, 1500, 2000, 2500))
            body = (
                f"<p>Write a <strong>{words}-word essay</strong> on <em>{topic}</em>. "
                "Use at least three sources, cited in MLA format.</p>"
                "<h3>Requirements</h3><ul><li>Double-spaced, 12-pt font</li>"
                "<li>Submit as .docx or PDF</li><li>Include a works-cited page</li></ul>"
            )
            if rng.random() < 0.5:
                body += f'<table class="rubric"><tbody>{rubric}</tbody></table>' * 3
            return body
        case "reading":
            return (
                f"<p>Read chapters {n}–{n + 1} ({pages}) and take notes on <em>{topic}</em>.</p>"
                "<p>Come to class ready to discuss two passages.</p>"
            )
        case "problem_set":
            return (
                f"<p>Complete problems 1–{rng.choice((12, 18, 24, 30))} on <em>{topic}</em>. "
                "Show all work; scan handwritten pages into <strong>one</strong> PDF.</p>"
                '<p>Office hours: <a href="https://example.edu/office-hours">schedule</a>.</p>'
            )
        case "quiz":
            return (
                f"<p>This quiz covers <em>{topic}</em>. You have {time_limit} minutes once you "
                "begin; one attempt.</p>"
            )
        case "discussion":
            return (
                f"<p>Respond to the prompt on <em>{topic}</em> in at least "
                f"{rng.choice((150, 250, 300))} words, then reply to two classmates by Sunday.</p>"
            )
        case "lab":
            return (
                f"<p>Pre-lab: read the lab manual {pages}. Wear goggles.</p>"
                "<h4>Materials</h4><ul><li>Burette</li><li>0.1 M NaOH</li>"
                "<li>Phenolphthalein</li></ul>"
                "<p>Lab report due at the end of the session.</p>"
                + "<p>Safety: tie back long hair; no open-toed shoes.</p>" * rng.randint(1, 12)
            )
        case "exam":
            return (
                f"<p>Covers chapters 1–{n + 5}. Closed book; one 8.5×11 note sheet allowed.</p>"
                "<p>Bring a calculator and a pencil.</p>"
            )


def _title(stream: Stream, n: int, topic: str) -> str:
    first = 10 + n * 22
    return stream.title.format(n=n, m=n + 1, topic=topic, p=first, q=first + 29)


def _unlock_at(due: datetime | None, kind: AssignmentKind) -> datetime | None:
    """Quizzes open two days ahead and exams the morning of: locked until then."""
    if due is None:
        return None
    if kind == "quiz":
        return due - timedelta(days=2)
    if kind == "exam":
        return due - timedelta(hours=6)
    return None


def build_world(seed: int, term_start: date, schools: tuple = SCHOOLS) -> SandboxWorld:
    """Build the deterministic world of `schools` for `seed` (see module doc)."""
    rng = random.Random(seed)
    term_end = term_start + timedelta(weeks=TERM_WEEKS)
    anchor = datetime.combine(term_start + timedelta(weeks=10), time(15, 0), UTC)
    created = datetime.combine(term_start - timedelta(days=7), time(15, 0), UTC)
    inherited_secret = _token(rng, 64)

    world = SandboxWorld(
        seed=seed, term_start=term_start, anchor=anchor, schools={}, users={},
        courses={}, enrollments=[], assignments={}, overrides={}, submissions={}, events={},
    )
    for slug, name, tz, shard, domain, specs, people in schools:
        term = Term(
            id=shard * 10 + 1,
            name=f"{'Fall' if term_start.month >= 7 else 'Spring'} {term_start.year}",
            start_at=utc_at(term_start, 0, 0, tz),
            end_at=utc_at(term_end, 23, 59, tz),
        )
        school = School(slug, name, tz, shard, term, _keys(rng, slug, shard, inherited_secret))
        world.schools[slug] = school
        students = _people(world, rng, school, domain, people)
        courses = _courses(world, rng, school, specs, term)
        _enroll(world, rng, school, students, courses)
        for course, spec in zip(courses, specs):
            _coursework(world, rng, course, spec, created, anchor)
        _overrides(world, rng, school, students)
        _submissions(world, rng, school, anchor)
    for school in world.schools.values():
        # Last, on its own random stream: the coursework above is the same with or without it.
        add_calendar(world, school, created)
    return world


def _people(world: SandboxWorld, rng: random.Random, school: School, domain: str,
            people: tuple) -> list[User]:
    students = []
    base = school.shard * 1000
    rows = list(people) + [(TEACHERS[school.slug], TEACHERS[school.slug], TEACHERS[school.slug],
                            f"teacher.{school.slug}", None, "en")]
    for i, (name, sortable, short, login, tz, locale) in enumerate(rows, start=1):
        user = User(
            id=base + i, school=school.slug, name=name, sortable_name=sortable,
            short_name=short, login_id=f"{login}@{domain}", email=f"{login}@{domain}",
            time_zone=tz or school.time_zone, locale=locale, feed_uuid=_token(rng, 40),
            shard=school.shard,
        )
        world.users[user.id] = user
        if i <= len(people):
            students.append(user)
    return students


def _courses(world: SandboxWorld, rng: random.Random, school: School,
             specs: tuple[CourseSpec, ...], term: Term) -> list[Course]:
    made = []
    for i, spec in enumerate(specs, start=1):
        course = Course(
            id=school.shard * 10000 + 100 + i, school=school.slug,
            name=f"{spec.code}: {spec.name}", course_code=spec.code,
            time_zone=spec.time_zone or school.time_zone, term_id=term.id, uuid=_token(rng, 40),
        )
        world.courses[course.id] = course
        made.append(course)
    return made


def _enroll(world: SandboxWorld, rng: random.Random, school: School,
            students: list[User], courses: list[Course]) -> None:
    next_id = school.shard * 100000
    teacher = next(u for u in world.school_users(school.slug) if u.login_id.startswith("teacher."))
    pairs: list[tuple[int, int, str]] = [(teacher.id, c.id, "TeacherEnrollment") for c in courses]
    for index, student in enumerate(students):
        if school.slug == "south" and index == 0:
            # The dual-enrolled student takes just two classes here.
            chosen = [courses[1], courses[3]]
        else:
            chosen = sorted(rng.sample(courses, 4), key=lambda c: c.id)
        pairs += [(student.id, c.id, "StudentEnrollment") for c in chosen]
    for user_id, course_id, kind in pairs:
        next_id += 1
        world.enrollments.append(
            Enrollment(next_id, user_id, course_id, kind))  # type: ignore[arg-type]


def _coursework(world: SandboxWorld, rng: random.Random, course: Course, spec: CourseSpec,
                created: datetime, anchor: datetime) -> None:
    school = world.schools[course.school]
    items: list[tuple[datetime | None, Stream, int]] = []
    for stream in spec.streams:
        for n, week in enumerate(stream.weeks, start=1):
            day = world.term_start + timedelta(weeks=week - 1, days=stream.weekday)
            due = utc_at(day, *stream.due, course.time_zone) if stream.due else None
            items.append((due, stream, n))
    # Canvas's default order is `position`: roughly the syllabus order.
    far = datetime.max.replace(tzinfo=UTC)
    items.sort(key=lambda item: (item[0] or far, item[1].kind, item[2]))
    for position, (due, stream, n) in enumerate(items, start=1):
        topic = spec.topics[(n - 1) % len(spec.topics)]
        new_id = world._next_id(world.assignments, course.school)  # type: ignore[arg-type]
        all_day, all_day_date = all_day_fields(due, course.time_zone)
        unlock = _unlock_at(due, stream.kind)
        lock = due + timedelta(days=3) if stream.kind == "problem_set" and due else None
        is_future = due is None or due > anchor
        edited = rng.random() < 0.15
        assignment = Assignment(
            id=new_id, course_id=course.id, name=_title(stream, n, topic), kind=stream.kind,
            description=_description(stream.kind, n, topic, rng, stream.time_limit),
            submission_types=list(stream.submission_types),
            points_possible=None if stream.points is None else float(stream.points),
            due_at=due, unlock_at=unlock, lock_at=lock,
            created_at=created + timedelta(minutes=position),
            updated_at=(anchor - timedelta(days=rng.randint(1, 20))) if edited
            else created + timedelta(minutes=position),
            position=position,
            # Teachers keep a few late-term items unpublished until they are ready.
            workflow_state="unpublished" if is_future and rng.random() < 0.07 else "published",
            time_limit=stream.time_limit, all_day=all_day, all_day_date=all_day_date,
        )
        if stream.kind == "quiz":
            assignment.quiz_id = school.shard * 100000 + new_id % 100000
        if stream.kind == "discussion":
            assignment.discussion_topic_id = school.shard * 100000 + 50000 + new_id % 50000
        world.assignments[new_id] = assignment
    _events(world, course, created)


def _events(world: SandboxWorld, course: Course, created: datetime) -> None:
    for week in range(2, TERM_WEEKS + 1, 3):
        day = world.term_start + timedelta(weeks=week - 1, days=2)
        new_id = world._next_id(world.events, course.school)  # type: ignore[arg-type]
        start = utc_at(day, 15, 30, course.time_zone)
        world.events[new_id] = CalendarEvent(
            id=new_id, course_id=course.id, title=f"Office hours — {course.course_code}",
            description="<p>Drop in with questions; Zoom link on the syllabus.</p>",
            start_at=start, end_at=start + timedelta(hours=1, minutes=30),
            location_name="Room 214, Hall B", created_at=created, updated_at=created,
        )


def _overrides(world: SandboxWorld, rng: random.Random, school: School,
               students: list[User]) -> None:
    """Two students get their own dates: one has extended time on quizzes and
    exams (accommodation); another got an extension on one essay."""
    accommodated, extended = students[1], students[2]
    for student, kinds, shift in ((accommodated, ("quiz", "exam"), timedelta(days=2)),
                                  (extended, ("essay",), timedelta(days=3))):
        courses = {e.course_id for e in world.enrollments_of(student.id)}
        eligible = [
            a for a in world.assignments.values()
            if a.course_id in courses and a.kind in kinds and a.due_at is not None
        ]
        if kinds == ("essay",):
            eligible = eligible[: 1 + rng.randint(0, 1)]
        for assignment in eligible:
            new_id = world._next_id(world.overrides, school.slug)  # type: ignore[arg-type]
            due = assignment.due_at + shift  # type: ignore[operator]
            tz = world.courses[assignment.course_id].time_zone
            all_day, all_day_date = all_day_fields(due, tz)
            world.overrides[new_id] = AssignmentOverride(
                id=new_id, assignment_id=assignment.id, student_ids=[student.id],
                title="1 student", due_at=due,
                unlock_at=assignment.unlock_at, lock_at=None,
                all_day=all_day, all_day_date=all_day_date,
            )


def _submissions(world: SandboxWorld, rng: random.Random, school: School,
                 anchor: datetime) -> None:
    """Canvas keeps a submission row per student and graded assignment."""
    from .student_view import effective_dates  # avoids a cycle at import time

    next_id = school.shard * 1_000_000
    students = [u for u in world.school_users(school.slug) if not u.login_id.startswith("teacher.")]
    for student in students:
        for enrollment in world.enrollments_of(student.id):
            for a in world.course_assignments(enrollment.course_id):
                if not a.published or "not_graded" in a.submission_types:
                    continue
                next_id += 1
                due = effective_dates(world, a, student.id).due_at
                world.submissions[(student.id, a.id)] = _one_submission(
                    rng, next_id, a, student.id, due, anchor)


def _one_submission(rng: random.Random, sub_id: int, a: Assignment, user_id: int,
                    due: datetime | None, anchor: datetime) -> Submission:
    blank = Submission(sub_id, a.id, user_id, "unsubmitted")
    points = a.points_possible or 0
    on_paper = "on_paper" in a.submission_types
    if due is None or due > anchor:
        if due is not None and rng.random() < 0.08 and not on_paper:
            blank.workflow_state, blank.attempt = "submitted", 1
            blank.submitted_at = due - timedelta(hours=rng.randint(6, 60))
        return blank
    roll = rng.random()
    score = round(points * rng.uniform(0.55, 1.0), 1)
    graded_at = due + timedelta(days=rng.randint(2, 6))
    if on_paper:
        # Paper exams are graded with no online submission.
        if roll < 0.9:
            blank.workflow_state, blank.score, blank.graded_at = "graded", score, graded_at
        return blank
    if roll < 0.62:
        at = due - timedelta(minutes=rng.randint(5, 3000))
        return Submission(sub_id, a.id, user_id, "graded", at, score, False, graded_at, 1)
    if roll < 0.72:
        at = due - timedelta(minutes=rng.randint(5, 600))
        state = "pending_review" if a.kind == "quiz" and rng.random() < 0.3 else "submitted"
        return Submission(sub_id, a.id, user_id, state,  # type: ignore[arg-type]
                          at, None, False, None, 1)
    if roll < 0.84:
        at = due + timedelta(minutes=rng.randint(10, 4000))
        graded = rng.random() < 0.5
        return Submission(sub_id, a.id, user_id, "graded" if graded else "submitted", at,
                          score if graded else None, False, graded_at if graded else None, 1)
    if roll < 0.96:
        return blank  # missing: past due, nothing turned in
    return Submission(sub_id, a.id, user_id, "graded", None, None, True, graded_at, None)
