"""The rules table: categories, credentials, services, roles, caps, weights.

Rules are data (``data/rules/california.toml``); this module only parses and
validates them into frozen values. A malformed rules file raises
:class:`RulesError` naming the file, the table and the key.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.domain.statute import statute_findings

GRADE_ORDER: tuple[str, ...] = (
    "IN", "PS", "TK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "ADULT",
)
SUPPORT_LEVELS: tuple[str, ...] = ("mild_moderate", "extensive")
DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "data" / "rules" / "california.toml"
# Sane ranges (hostile or mistyped files): no caseload of 10,000 pupils per person exists, and weights up to
# 10 million keep the objective (weights x pupils x staff) far inside CP-SAT's 64-bit integers.
MAX_CAP = 10_000
MAX_WEIGHT = 10_000_000
# The top-level override that allows caps above the statute (see models.domain.statute).
OVERRIDE_KEY = "override_statutory_caps"
# Top-level tables other modules read from the rules file (e.g. [workload]); known, so not typos.
EXTRA_TOP_KEYS: tuple[str, ...] = ("workload",)


class RulesError(ValueError):
    """The rules file cannot be used; the message names file, table and key."""


@dataclass(frozen=True, slots=True)
class Category:
    abbrev: str
    code: str
    name: str
    low_incidence: bool
    related_services: tuple[str, ...]
    # grades at which the category is expected (EMD: ages 3-5); a student elsewhere is a warning
    grades: frozenset[str] = frozenset()
    source: str = ""


@dataclass(frozen=True, slots=True)
class Credential:
    code: str
    name: str
    aliases: tuple[str, ...]
    categories: frozenset[str]
    support_levels: frozenset[str]
    grades: frozenset[str]
    # category -> the student must also have one of these categories
    conditional: Mapping[str, frozenset[str]]
    added_authorization: bool
    source: str = ""  # where the entry comes from (CTC table, statute), kept as data


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name: str
    calpads: str
    instructional: bool
    credentials: frozenset[str]


@dataclass(frozen=True, slots=True)
class Role:
    code: str
    name: str
    delivers: frozenset[str]
    may_case_manage: bool
    coordinator: bool
    caseload_service: str | None
    cap: int | None
    cap_is_legal: bool
    waiver_cap: int | None
    average_cap: int | None
    preschool_cap: int | None
    preschool_grades: frozenset[str]
    balance_target: int | None
    case_management_target: int | None
    # a local cap that bends (union contracts: overload pay): cost per pupil over the cap, and the most pupils a
    # full-time person may then take when the role has no legal cap (a legal cap is always the limit)
    overload_cost: int | None = None
    overload_max: int | None = None
    # where each cap comes from, e.g. {"cap": "EC 56362(c)"}: keys cap, waiver_cap, average_cap, preschool_cap
    cap_sources: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Weights:
    unserved_service: int
    unassigned_student: int
    best_practice_rank: int
    service_balance: int
    case_management_balance: int
    change_case_manager: int
    change_provider: int


BALANCE_ON = ("workload", "students")


@dataclass(frozen=True, slots=True)
class Workload:
    """The weekly workload model (``[workload]`` in the rules file); every number has a source.

    A person's weekly workload is the direct service minutes of the pupils they
    serve grossed up by the indirect share, plus minutes per case managed, per
    pending initial assessment and per extra site travelled to. Capacity is
    ``contract_minutes`` x FTE.
    """

    balance_on: str | None  # "workload" or "students": what the balance term evens out; None: workload when
    # the students table carries minutes
    contract_minutes: int  # weekly contract minutes of a full-time person
    indirect_share: float  # share of working time spent on indirect work (ASHA 3:1: 0.25)
    case_management_minutes: int  # per case managed, per week
    travel_minutes: int  # per extra site served in a week
    assessment_minutes: int  # per pending initial assessment, per week
    balance_unit_minutes: int  # weekly minutes that weigh like one pupil in the head-count balance
    default_minutes: Mapping[str, int]  # service -> weekly minutes when a student's are blank
    group_size: Mapping[str, int]  # service -> pupils sharing a session (a class, a group); 1 when absent
    assessment_roles: frozenset[str]  # roles that take initial assessments (resource specialists, AB 560)
    sources: Mapping[str, str]  # key (default_minutes.<service> for those) -> where the number comes from

    def service_minutes(self, service: str, iep_minutes: int) -> int:
        """One pupil's weekly workload of a service, whole minutes: the IEP minutes shared by the
        group (a class of 12 counts 1/12 of the class time per pupil), plus the indirect share."""
        per_pupil = iep_minutes / self.group_size.get(service, 1)
        return math.floor(per_pupil / (1.0 - self.indirect_share) + 0.5)


@dataclass(frozen=True, slots=True)
class Rules:
    name: str
    source: str
    categories: Mapping[str, Category]
    credentials: Mapping[str, Credential]
    services: Mapping[str, Service]
    roles: Mapping[str, Role]
    best_practice_order: tuple[str, ...]
    weights: Weights
    # caps above the statute this file allows with ``override_statutory_caps`` (every output says so)
    statute_overrides: tuple[str, ...] = ()
    workload: Workload | None = None  # None: the rules file has no [workload] table
    # look-up maps built once
    category_by_token: Mapping[str, str] = field(default_factory=dict)
    credential_by_token: Mapping[str, str] = field(default_factory=dict)

    def category(self, token: str) -> str | None:
        """Category abbreviation for a numeric code or abbreviation, else None."""
        return self.category_by_token.get(" ".join(token.split()).upper())

    def service(self, token: str) -> str | None:
        """Service code for a code (any case) or a CALPADS code naming one service, else None."""
        code = token.strip().lower()
        if code in self.services:
            return code
        shared = [s.code for s in self.services.values() if s.calpads and s.calpads == token.strip()]
        return shared[0] if len(shared) == 1 else None

    def credential(self, token: str) -> str | None:
        """Credential code for a code or CTC alias, else None."""
        return self.credential_by_token.get(token.strip().upper())

    @property
    def instructional_services(self) -> frozenset[str]:
        return frozenset(s.code for s in self.services.values() if s.instructional)

    @property
    def split_support_categories(self) -> frozenset[str]:
        """Categories whose authorizing credential depends on the support level.

        A category is split when one credential authorizes it only for
        mild_moderate and another only for extensive (MMSN versus ESN).
        """
        mild, extensive = set(), set()
        for cred in self.credentials.values():
            if cred.support_levels == {"mild_moderate"}:
                mild |= cred.categories
            elif cred.support_levels == {"extensive"}:
                extensive |= cred.categories
        return frozenset(mild & extensive)


def grade_index(grade: str) -> int:
    return GRADE_ORDER.index(grade)


def normalize_grade(raw: str) -> str | None:
    """Contract spelling of a grade (``KN`` -> ``K``, ``01`` -> ``1``), or None."""
    token = str(raw).strip().upper()
    if len(token) > 5:
        return None
    if token == "KN":
        return "K"
    if token.isdigit():
        token = str(int(token))
    return token if token in GRADE_ORDER else None


def expand_grades(ranges: list[str], where: str) -> frozenset[str]:
    """``["TK-12", "ADULT"]`` -> the set of grades in those ranges."""
    out: set[str] = set()
    for item in ranges:
        lo_raw, _, hi_raw = str(item).partition("-")
        lo = normalize_grade(lo_raw)
        hi = normalize_grade(hi_raw) if hi_raw else lo
        if lo is None or hi is None or grade_index(lo) > grade_index(hi):
            raise RulesError(f"{where}: grades: {item!r} is not a grade or range of {', '.join(GRADE_ORDER)}")
        out.update(GRADE_ORDER[grade_index(lo) : grade_index(hi) + 1])
    return frozenset(out)


class _Table:
    """Typed access to one TOML table with messages naming file, table and key."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        if not isinstance(data, Mapping):
            raise RulesError(f"{where}: expected a table")
        self.data, self.where = data, where
        self.read: set[str] = set()

    def done(self, also: Iterable[str] = ()) -> None:
        """Every key of the table was read: an unknown key is a typo that would silently drop a rule."""
        known = self.read | set(also)
        for key in self.data:
            if key not in known:
                raise RulesError(f"{self.where}: unknown key {key!r}{did_you_mean(key, known)}")

    def _get(self, key: str, kind: type | tuple[type, ...], default: Any, required: bool) -> Any:
        self.read.add(key)
        if key not in self.data:
            if required:
                raise RulesError(f"{self.where}: missing key {key!r}")
            return default
        value = self.data[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise RulesError(f"{self.where}: {key}: {value!r} is not a {getattr(kind, '__name__', kind)}")
        return value

    def str(self, key: str, default: str | None = None, required: bool = False) -> Any:
        return self._get(key, str, default, required)

    def bool(self, key: str, default: bool = False) -> bool:
        return self._get(key, bool, default, False)

    def int(self, key: str, default: int | None = None, required: bool = False, most: int = MAX_CAP) -> Any:
        value = self._get(key, int, default, required)
        if value is not None and value < 0:
            raise RulesError(f"{self.where}: {key}: {value!r} must not be negative")
        if value is not None and value > most:
            raise RulesError(f"{self.where}: {key}: {str(value)[:20]!r} is above the largest allowed, {most:,}")
        return value

    def strs(self, key: str, default: tuple[str, ...] = ()) -> list[str]:
        value = self._get(key, list, list(default), False)
        if not all(isinstance(v, str) for v in value):
            raise RulesError(f"{self.where}: {key}: expected a list of strings, got {value!r}")
        return value

    def table(self, key: str) -> Mapping[str, Any]:
        return self._get(key, dict, {}, False)


def did_you_mean(key: str, known: Iterable[str]) -> str:
    """`` (did you mean 'cap'?)`` for a near match among the known keys, else a list of them."""
    known = sorted(known)
    close = difflib.get_close_matches(str(key).lower(), known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; use one of {', '.join(known)}" if known else ""


def _check_overload(role: Role, where: str) -> None:
    """A soft local cap needs a limit that never bends: the legal cap, or overload_max above the cap."""
    if role.overload_max is not None and role.cap_is_legal:
        raise RulesError(f"{where}: overload_max: the legal cap {role.cap} is the limit; a legal cap never bends")
    if role.overload_max is not None and role.cap is not None and role.overload_max < role.cap:
        raise RulesError(f"{where}: overload_max {role.overload_max} is below cap {role.cap}")
    if role.overload_cost is None:
        return  # overload_max alone: the limit for staff rows that give their own overload_cost
    if role.cap is None:
        raise RulesError(f"{where}: overload_cost needs a cap to bend (cap = ...)")
    if role.cap_is_legal:
        return  # bends only a lower local cap (max_caseload), up to the legal cap
    if role.overload_max is None:
        raise RulesError(f"{where}: overload_cost needs overload_max (at least cap = {role.cap}): the most pupils "
                         f"a full-time person may take when the local cap bends")


def _check_known(values: list[str] | set[str], known: Mapping[str, Any], where: str, what: str) -> None:
    for value in values:
        if value not in known:
            raise RulesError(f"{where}: unknown {what} {value!r}")


CAP_KINDS = ("cap", "waiver_cap", "average_cap", "preschool_cap")


def _cap_sources(role: _Table, where: str) -> dict[str, str]:
    """``[roles.X.cap_sources]``: the law or agreement behind each cap, quoted in explanations."""
    sources = _Table(role.table("cap_sources"), f"{where}.cap_sources")
    out = {kind: sources.str(kind) for kind in CAP_KINDS if kind in sources.data}
    sources.done()
    return out


def load_rules(path: str | Path | None = None) -> Rules:
    """Read and validate a rules TOML file (the California default when None)."""
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise RulesError(f"{path}: rules file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError(f"{path}: cannot read rules file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from None
    return rules_from_mapping(raw, str(path))


def rules_from_mapping(raw: Mapping[str, Any], source: str) -> Rules:
    top = _Table(raw, source)
    tables = ("categories", "credentials", "services", "roles", "weights")
    top.done((*tables, "best_practice", "name", OVERRIDE_KEY, *EXTRA_TOP_KEYS))  # a misspelled table first
    for key in tables:
        if not top.table(key):
            raise RulesError(f"{source}: missing table [{key}]")
    override = top.bool(OVERRIDE_KEY)

    categories: dict[str, Category] = {}
    for abbrev, body in top.table("categories").items():
        t = _Table(body, f"{source}: [categories.{abbrev}]")
        categories[abbrev.upper()] = Category(
            abbrev=abbrev.upper(),
            code=t.str("code", required=True),
            name=t.str("name", abbrev),
            low_incidence=t.bool("low_incidence"),
            related_services=tuple(t.strs("related_services")),
            grades=expand_grades(t.strs("grades", ("IN-ADULT",)), f"{source}: [categories.{abbrev}]"),
            source=t.str("source", ""),
        )
        t.done()

    services: dict[str, Service] = {}
    for code, body in top.table("services").items():
        t = _Table(body, f"{source}: [services.{code}]")
        services[code] = Service(
            code=code,
            name=t.str("name", code),
            calpads=t.str("calpads", ""),
            instructional=t.bool("instructional"),
            credentials=frozenset(t.strs("credentials")),
        )
        t.str("source")
        t.done()

    credentials: dict[str, Credential] = {}
    for code, body in top.table("credentials").items():
        where = f"{source}: [credentials.{code}]"
        t = _Table(body, where)
        cats = [c.upper() for c in t.strs("categories")]
        _check_known(cats, categories, where, "category")
        levels = t.strs("support_levels", SUPPORT_LEVELS)
        for level in levels:
            if level not in SUPPORT_LEVELS:
                raise RulesError(f"{where}: support_levels: {level!r} is not one of {', '.join(SUPPORT_LEVELS)}")
        conditional: dict[str, frozenset[str]] = {}
        for cat, needs in t.table("conditional").items():
            if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
                raise RulesError(f"{where}: conditional.{cat}: expected a list of categories")
            _check_known([cat.upper(), *[n.upper() for n in needs]], categories, where, "category")
            conditional[cat.upper()] = frozenset(n.upper() for n in needs)
        credentials[code.upper()] = Credential(
            code=code.upper(),
            name=t.str("name", code),
            aliases=tuple(a.upper() for a in t.strs("aliases")),
            categories=frozenset(cats),
            support_levels=frozenset(levels),
            grades=expand_grades(t.strs("grades", ("IN-ADULT",)), where),
            conditional=conditional,
            added_authorization=t.bool("added_authorization"),
            source=t.str("source", ""),
        )
        t.done()
    for svc in services.values():
        _check_known(sorted(svc.credentials), credentials, f"{source}: [services.{svc.code}]", "credential")
    for cat in categories.values():
        _check_known(list(cat.related_services), services, f"{source}: [categories.{cat.abbrev}]", "service")

    roles: dict[str, Role] = {}
    for code, body in top.table("roles").items():
        where = f"{source}: [roles.{code}]"
        t = _Table(body, where)
        delivers = t.strs("delivers")
        _check_known(delivers, services, where, "service")
        caseload_service = t.str("caseload_service")
        if caseload_service is not None and caseload_service not in delivers:
            raise RulesError(f"{where}: caseload_service {caseload_service!r} is not among delivers {delivers}")
        roles[code] = Role(
            code=code,
            name=t.str("name", code),
            delivers=frozenset(delivers),
            may_case_manage=t.bool("may_case_manage"),
            coordinator=t.bool("coordinator"),
            caseload_service=caseload_service,
            cap=t.int("cap"),
            cap_is_legal=t.bool("cap_is_legal"),
            waiver_cap=t.int("waiver_cap"),
            average_cap=t.int("average_cap"),
            preschool_cap=t.int("preschool_cap"),
            preschool_grades=expand_grades(t.strs("preschool_grades", ("PS",)), where),
            balance_target=t.int("balance_target"),
            case_management_target=t.int("case_management_target"),
            cap_sources=_cap_sources(t, where),
            overload_cost=t.int("overload_cost", most=MAX_WEIGHT),
            overload_max=t.int("overload_max"),
        )
        _check_overload(roles[code], where)
        t.str("source")
        t.done()

    bp = _Table(top.table("best_practice"), f"{source}: [best_practice]")
    order = tuple(bp.strs("order"))
    bp.done()
    _check_known(list(order), services, f"{source}: [best_practice]", "service")

    w = _Table(top.table("weights"), f"{source}: [weights]")
    weights = Weights(
        unserved_service=w.int("unserved_service", required=True, most=MAX_WEIGHT),
        unassigned_student=w.int("unassigned_student", required=True, most=MAX_WEIGHT),
        best_practice_rank=w.int("best_practice_rank", 0, most=MAX_WEIGHT),
        service_balance=w.int("service_balance", 0, most=MAX_WEIGHT),
        case_management_balance=w.int("case_management_balance", 0, most=MAX_WEIGHT),
        change_case_manager=w.int("change_case_manager", 0, most=MAX_WEIGHT),
        change_provider=w.int("change_provider", 0, most=MAX_WEIGHT),
    )
    w.done()

    workload = _workload(top.table("workload"), f"{source}: [workload]", services, roles) if "workload" in raw else None

    category_by_token: dict[str, str] = {}
    for cat in categories.values():
        category_by_token[cat.abbrev] = cat.abbrev
        category_by_token[cat.code.upper()] = cat.abbrev
        # the full name as IEP systems export it (`Autism`, `Specific Learning Disability`), without a "(...)" note
        for name in (cat.name, cat.name.split("(")[0]):
            category_by_token.setdefault(" ".join(name.split()).upper(), cat.abbrev)
    credential_by_token: dict[str, str] = {}
    for cred in credentials.values():
        for token in (cred.code, *cred.aliases):
            if credential_by_token.get(token, cred.code) != cred.code:
                other = credential_by_token[token]
                raise RulesError(f"{source}: [credentials.{cred.code}]: alias {token!r} also names {other}")
            credential_by_token[token] = cred.code

    above = statute_findings(roles)
    if above and not override:
        raise RulesError(f"{source}: " + "; ".join(above) + f". A cap above the statute needs "
                         f"`{OVERRIDE_KEY} = true` at the top of the rules file, and every output then says so")
    return Rules(
        name=top.str("name", source),
        source=source,
        categories=categories,
        credentials=credentials,
        services=services,
        roles=roles,
        best_practice_order=order,
        weights=weights,
        statute_overrides=tuple(above),
        workload=workload,
        category_by_token=category_by_token,
        credential_by_token=credential_by_token,
    )


_WORKLOAD_NUMBERS = ("contract_minutes", "indirect_share", "case_management_minutes",
                     "travel_minutes_per_extra_site", "assessment_minutes", "balance_unit_minutes")


def _sourced_number(body: Any, where: str, fraction: bool = False) -> tuple[float, str]:
    """``{ value = N, source = "..." }``: a number and where it comes from (both required)."""
    t = _Table(body, where)
    t.done(("value", "source"))
    source = t.str("source", required=True)
    if not source.strip():
        raise RulesError(f"{where}: source: say where the number comes from")
    if fraction:
        value = t._get("value", (int, float), None, True)
        if isinstance(value, bool) or not 0 <= value < 1:
            raise RulesError(f"{where}: value: {value!r} must be a fraction from 0 up to (not including) 1")
        return float(value), source
    return t.int("value", required=True), source


def _workload(raw: Mapping[str, Any], where: str, services: Mapping[str, Service],
              known_roles: Mapping[str, Role]) -> Workload:
    """Parse ``[workload]``: every number with its source, a default for every service, no unknown key."""
    t = _Table(raw, where)
    t.done(("balance_on", "default_minutes", "group_size", "assessment_roles", *_WORKLOAD_NUMBERS))
    balance_on = t.str("balance_on", None)
    if balance_on is not None and balance_on not in BALANCE_ON:
        raise RulesError(f"{where}: balance_on: {balance_on!r} is not one of {', '.join(BALANCE_ON)}")
    numbers: dict[str, float] = {}
    sources: dict[str, str] = {}
    for key in _WORKLOAD_NUMBERS:
        if key not in t.data:
            raise RulesError(f"{where}: missing key {key!r} (a table: {{ value = ..., source = \"...\" }})")
        numbers[key], sources[key] = _sourced_number(t.data[key], f"{where}: {key}", key == "indirect_share")
    if numbers["contract_minutes"] <= 0:
        raise RulesError(f"{where}: contract_minutes: must be more than 0")
    defaults: dict[str, int] = {}
    given = t.table("default_minutes")
    for code in given:
        _check_known([code], services, f"{where}: default_minutes", "service")
    for code in services:
        if code not in given:
            raise RulesError(f"{where}: default_minutes: missing service {code!r}")
        value, sources[f"default_minutes.{code}"] = _sourced_number(given[code], f"{where}: default_minutes.{code}")
        defaults[code] = int(value)
    groups: dict[str, int] = {}
    for code, body in t.table("group_size").items():
        _check_known([code], services, f"{where}: group_size", "service")
        value, sources[f"group_size.{code}"] = _sourced_number(body, f"{where}: group_size.{code}")
        if value < 1:
            raise RulesError(f"{where}: group_size.{code}: value must be at least 1")
        groups[code] = int(value)
    if "assessment_roles" not in t.data:
        raise RulesError(f"{where}: missing key 'assessment_roles' (a table: {{ value = [roles], source = \"...\" }})")
    roles_at = f"{where}: assessment_roles"
    r = _Table(t.data["assessment_roles"], roles_at)
    r.done(("value", "source"))
    assessment_roles = r.strs("value")
    _check_known(assessment_roles, known_roles, roles_at, "role")
    sources["assessment_roles"] = r.str("source", required=True)
    return Workload(
        balance_on=balance_on,
        contract_minutes=int(numbers["contract_minutes"]),
        indirect_share=numbers["indirect_share"],
        case_management_minutes=int(numbers["case_management_minutes"]),
        travel_minutes=int(numbers["travel_minutes_per_extra_site"]),
        assessment_minutes=int(numbers["assessment_minutes"]),
        balance_unit_minutes=max(1, int(numbers["balance_unit_minutes"])),
        default_minutes=defaults,
        group_size=groups,
        assessment_roles=frozenset(assessment_roles),
        sources=sources,
    )
