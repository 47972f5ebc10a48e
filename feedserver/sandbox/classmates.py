"""Classmates: enough students in each school's courses for the aggregate views to show figures.

`add_classmates(world, school, n)` enrols `n` more students, each in all but
one of the school's courses (a different one each), and makes one account
admin, on a random stream of its own: the seeded people, their coursework and
every other random draw of the world stay exactly as they were, so existing
tests and golden files do not move. Classmates have no submissions yet; their
tokens come from the consent page (pick them by id) or
`SandboxState.grant_token`. Ids: users N101.., the admin N099, for shard N.
"""

from __future__ import annotations

import random

from .world import Enrollment, SandboxWorld, User

__all__ = ["ADMIN_NAMES", "add_classmates"]

_FIRST = ("Amara", "Ben", "Carmen", "Dev", "Elif", "Farah", "Gabriel", "Hana", "Ibrahim", "Julia", "Kwame", "Lucía",
          "Mateo", "Nia", "Omar", "Paula", "Quinn", "Rosa", "Sami", "Tariq", "Uma", "Victor", "Wen", "Ximena",
          "Yusuf", "Zara")
_LAST = ("Adeyemi", "Bauer", "Castillo", "Dubois", "Eriksen", "Fernández", "García", "Haddad", "Ivanova", "Jensen",
         "Kim", "Lopez", "Mensah", "Novak", "Okoro", "Park", "Quispe", "Rossi", "Singh", "Tanaka", "Usman", "Vega",
         "Wójcik", "Yilmaz", "Zhou")
#: The account admin of each school (LTI: institution Administrator).
ADMIN_NAMES = {"north": "Registrar Dana Whitfield", "south": "Registrar Luis Ortega"}


def _user(world: SandboxWorld, school: str, user_id: int, first: str, last: str, rng: random.Random) -> User:
    home = world.schools[school]
    login = f"{first}.{last}{user_id % 1000}".lower()
    domain = f"{school}.example.edu"
    return User(id=user_id, school=school, name=f"{first} {last}", sortable_name=f"{last}, {first}",
                short_name=first, login_id=f"{login}@{domain}", email=f"{login}@{domain}",
                time_zone=home.time_zone, locale="en", feed_uuid=f"{rng.getrandbits(160):040x}", shard=home.shard)


def add_classmates(world: SandboxWorld, school: str, n: int) -> list[User]:
    """Enrol `n` classmates at `school` (and its admin, once); the classmates made."""
    home = world.schools[school]
    rng = random.Random(f"{world.seed}:{school}:classmates")
    base = home.shard * 1000
    courses = sorted(c.id for c in world.courses.values() if c.school == school)
    next_enrollment = max((e.id for e in world.enrollments), default=0)
    admin_id = base + 99
    if admin_id not in world.users:
        first, _, last = ADMIN_NAMES.get(school, "Registrar Alex Admin").partition(" ")[2].partition(" ")
        world.users[admin_id] = _user(world, school, admin_id, first, last, rng)
        home.admin_ids.append(admin_id)
    made = []
    first_id = max((u for u in world.users if base + 100 < u < base + 1000), default=base + 100) + 1
    for user_id in range(first_id, first_id + n):
        user = _user(world, school, user_id, rng.choice(_FIRST), rng.choice(_LAST), rng)
        world.users[user.id] = user
        skipped = courses[user_id % len(courses)] if len(courses) > 1 else None
        for course_id in courses:
            if course_id != skipped:
                next_enrollment += 1
                world.enrollments.append(Enrollment(next_enrollment, user.id, course_id, "StudentEnrollment"))
        made.append(user)
    return made
