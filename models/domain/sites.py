"""Sites cross-checked: a student's school that no staff member serves is usually a spelling.

Sites are matched exactly (the contract); a student at `Maple ES` while staff
serve `Maple Elementary` would otherwise be planned as a school nobody serves,
and the plan would blame staffing. Each such site is a warning with the near
match (case, spaces and punctuation, common abbreviations, edit distance).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from models.domain.issues import Issue, excerpt
from models.domain.problem import Staff, Student

# words a director abbreviates in school names; both spellings fold to the short one
_ABBREVIATIONS = {
    "elementary": "es", "elem": "es", "middle": "ms", "high": "hs", "junior": "jr", "senior": "sr",
    "school": "", "sch": "", "academy": "acad", "saint": "st", "mount": "mt", "center": "ctr", "centre": "ctr",
    "preschool": "ps", "primary": "ps", "intermediate": "is", "charter": "", "the": "",
}
MAX_LISTED = 5


def fold_site(site: str) -> str:
    """A site's name with case, spaces, punctuation and common abbreviations ignored."""
    words = re.split(r"[^0-9a-z]+", site.casefold())
    return "".join(_ABBREVIATIONS.get(w, w) for w in words if w)


def near_match(site: str, others: Iterable[str]) -> str | None:
    """The one site among ``others`` that ``site`` most likely means, or None."""
    others = sorted(set(others))
    folded = fold_site(site)
    same = [o for o in others if fold_site(o) == folded]
    if same:
        return same[0]
    by_fold = {fold_site(o): o for o in others}
    close = difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.8)
    return by_fold[close[0]] if close else None


def _suggest(site: str, others: Iterable[str]) -> str:
    match = near_match(site, others)
    return f"; did you mean {excerpt(match)!r}?" if match else ""


def _listed(ids: Sequence[str]) -> str:
    shown = ", ".join(excerpt(i) for i in ids[:MAX_LISTED])
    return shown + (f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else "")


def unknown_site_notes(sites: Iterable[str], students: Sequence[Student], staff: Sequence[Staff]) -> list[str]:
    """One sentence per site (e.g. of a proposed hire) that no staff member serves today, with the near match."""
    served = {site for person in staff for site in person.sites - {"*"}}
    attended = {s.site for s in students}
    notes = []
    for site in sorted(set(sites) - served - {"*"}):
        match = near_match(site, served)
        hint = f"; did you mean {excerpt(match)!r}? (then the students' site is misspelled)" if match else ""
        count = sum(s.site == site for s in students) if site in attended else 0
        notes.append(f"note: no staff member serves site {excerpt(site)!r} today ({count} student(s)); the hire "
                     f"there assumes the site is spelled as in the students file{hint}")
    return notes


def site_issues(students: Sequence[Student], staff: Sequence[Staff], students_file: str,
                staff_file: str) -> list[Issue]:
    """Warnings for student sites no staff serve and staff sites no student attends, with near matches."""
    student_sites = Counter(s.site for s in students)
    everywhere = any("*" in p.sites for p in staff)
    staff_sites: dict[str, list[str]] = {}
    for person in staff:
        for site in person.sites - {"*"}:
            staff_sites.setdefault(site, []).append(person.staff_id)
    issues = []
    if not everywhere:
        for site, count in sorted(student_sites.items()):
            if site not in staff_sites:
                first = next(s.row for s in students if s.site == site)
                issues.append(Issue(
                    "warning", students_file,
                    f"no staff member serves site {excerpt(site)!r} ({count} student(s)); they can be served only "
                    f"by staff whose sites include it{_suggest(site, staff_sites)}",
                    row=first, column="site", value=excerpt(site)))
    for site, ids in sorted(staff_sites.items()):
        if site not in student_sites:
            first = next(p.row for p in staff if site in p.sites)
            parts = [part.strip() for part in site.split(",")]
            if len(parts) > 1 and all(part in student_sites for part in parts):
                # "S0001, S0002": a list with the wrong separator, read as one site nobody attends, would leave
                # these people serving no one; not guessed: said, on each row, to be fixed
                issues += [Issue("error", staff_file, f"sites are separated by ';', not ',': write {';'.join(parts)}",
                                 row=p.row, column="sites", value=excerpt(site)) for p in staff if site in p.sites]
                continue
            issues.append(Issue(
                "warning", staff_file,
                f"no student attends site {excerpt(site)!r}, served by {_listed(ids)}{_suggest(site, student_sites)}",
                row=first, column="sites", value=excerpt(site)))
    return issues
