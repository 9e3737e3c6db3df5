"""The CP-SAT model of one component: one small method per business rule.

Variables exist only for eligible pairs (``models.domain.candidates``), so the
credential, role, site and availability rules (R1-R4) hold by construction;
the methods below add the rules that couple pairs, then the objective. Every
coefficient comes from ``models.domain.objective`` so that ``check_plan`` recomputes
exactly the objective the solver minimised.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models.domain.candidates import Candidates
from models.domain.caps import (
    average_cap_members,
    balance_target,
    case_management_target,
    caseload_cap,
    district_average,
    soft_cap,
)
from models.domain.eligibility import may_case_manage_role, primary_disability_services
from models.domain.objective import (
    BEST_PRACTICE,
    CASE_MANAGEMENT_BALANCE,
    CHANGED_CASE_MANAGERS,
    CHANGED_PROVIDERS,
    LOCAL_CAP_OVERLOAD,
    OPENED_POSITIONS,
    SERVICE_BALANCE,
    UNASSIGNED_STUDENTS,
    UNSERVED_SERVICES,
    ObjectiveTerms,
    balance_cost,
    balance_marginals,
    best_practice_services,
    coordinating_rank,
)
from models.domain.plan import Plan
from models.domain.problem import Problem
from models.domain.workload import balances_workload, fixed_minutes
from optimizer.decompose import Component
from optimizer.workload_terms import WorkloadBalance


@dataclass(slots=True)
class ManagerOption:
    staff: int
    rank: int  # best-practice rank (0 = best)
    var: cp_model.IntVar
    demand: int | None  # the demand this person delivers as case manager; None = coordinating


@dataclass(slots=True)
class Variables:
    provide: dict[int, dict[int, cp_model.IntVar]] = field(default_factory=dict)  # demand -> staff -> var
    unserved: dict[int, cp_model.IntVar] = field(default_factory=dict)
    manage: dict[int, list[ManagerOption]] = field(default_factory=dict)  # student -> options
    unassigned: dict[int, cp_model.IntVar] = field(default_factory=dict)


class CaseloadModel(WorkloadBalance):
    """Build the model of one component; ``read_solution`` reads a solution back."""

    def __init__(self, problem: Problem, cands: Candidates, component: Component,
                 max_moves: int | None = None) -> None:
        self.problem, self.cands, self.component = problem, cands, component
        self.rules = problem.rules
        self.model = cp_model.CpModel()
        self.vars = Variables()
        # every cost of the objective: (variable, coefficient, term name), plus constant offsets per term name
        self._terms: list[tuple[cp_model.IntVar, int, str]] = []
        self._offsets: dict[str, int] = defaultdict(int)
        # rebalancing: variables that give a student or service someone other than its current person
        self._moved: list[cp_model.IntVar] = []
        # derived integers, kept to complete a hint: (load vars, load, cost, target, weight), (uses, opened)
        self._balances: list[tuple[list[cp_model.IntVar], cp_model.IntVar, cp_model.IntVar, float, int]] = []
        self._openings: list[tuple[list[cp_model.IntVar], cp_model.IntVar]] = []
        self._overloads: list[tuple[list[cp_model.IntVar], cp_model.IntVar, int]] = []  # (load vars, over, local)
        # balancing on workload: (terms, minutes, cost, fixed, curve, cost at fixed), site visits, head counts
        self._workloads: list[tuple] = []
        self._visits: list[tuple[list[tuple[cp_model.IntVar, list[cp_model.IntVar]]], cp_model.IntVar]] = []
        self._counts: list[tuple[list[cp_model.IntVar], cp_model.IntVar]] = []
        self._service_load: dict[int, cp_model.IntVar] = {}  # staff -> pupils on the caseload service
        self._create_variables()
        self._each_service_has_one_legal_provider()
        self._each_student_has_one_case_manager()
        self._coordinator_delivers_no_ranked_service()
        self._alternate_placement_keeps_primary_service()
        self._caseload_caps()
        self._district_average_caps()
        self._allocated_average_shares()
        self._serve_every_student_first()
        self._prefer_best_practice_case_manager()
        self._balance_service_caseloads()
        self._balance_case_management()
        self._keep_current_case_managers()
        self._keep_current_providers()
        self._pay_for_opened_positions()
        self._pay_overload_above_soft_local_caps()
        self._order_interchangeable_staff()
        self._take_forced_pairs()
        if max_moves is not None:
            self._at_most_moves(max_moves)
        self.objective = (
            cp_model.LinearExpr.weighted_sum([v for v, _, _ in self._terms], [c for _, c, _ in self._terms])
            + self.offset
        )
        self.model.minimize(self.objective)

    @property
    def offset(self) -> int:
        return sum(self._offsets.values())

    # -- variables ---------------------------------------------------------

    def _create_variables(self) -> None:
        m, v, p = self.model, self.vars, self.problem
        for d in self.component.demands:
            v.provide[d] = {s: m.new_bool_var("") for s in self.cands.providers[d]}
            v.unserved[d] = m.new_bool_var("")
        for s in self.component.students:
            student = p.students[s]
            ranked = best_practice_services(self.rules, student)
            options: list[ManagerOption] = []
            managers = set(self.cands.managers[s])
            for d in p.demands_of[s]:
                service = p.demands[d].service
                if service not in ranked:
                    continue
                for staff in self.cands.providers[d]:
                    if staff in managers:
                        options.append(ManagerOption(staff, ranked.index(service), m.new_bool_var(""), d))
            stand_in = False
            for staff in self.cands.managers[s]:
                if ((s, staff) not in self._forced_managers
                        and self._interchangeable_coordinator(staff, student.current_case_manager)):
                    if stand_in:
                        continue
                    stand_in = True
                rank = coordinating_rank(self.rules, len(ranked), p.staff[staff].role)
                options.append(ManagerOption(staff, rank, m.new_bool_var(""), None))
            v.manage[s] = options
            v.unassigned[s] = m.new_bool_var("")

    @functools.cached_property
    def _forced_managers(self) -> set[tuple[int, int]]:
        return {(f.student, f.staff) for f in self.component.forced if f.demand is None}

    def _interchangeable_coordinator(self, staff: int, current_manager: str | None) -> bool:
        """Would any other such person coordinating this student cost and constrain exactly the same?

        True for a person with no case-management balance target, who is not
        the student's current case manager and is no proposed hire: their
        coordinating options differ in nothing, so one of them stands for all
        (an exact reduction: when that one delivers a ranked service instead,
        managing as that provider is cheaper than any coordinating option).
        """
        person = self.problem.staff[staff]
        return (self._plain_manager(staff)
                and person.staff_id != current_manager
                and person.staff_id not in self.problem.position_costs)

    @functools.cache  # noqa: B019 - one model, one short life
    def _plain_manager(self, staff: int) -> bool:
        # on workload, every case weighs in its manager's week: no two coordinators are interchangeable
        return case_management_target(self.rules, self.problem.staff[staff]) is None and not self._on_workload

    @functools.cached_property
    def _on_workload(self) -> bool:
        return balances_workload(self.problem)

    def _caseload_expr(self, staff: int) -> list[cp_model.IntVar]:
        """Variables counting the person's pupils on the role's caseload service."""
        role = self.rules.roles.get(self.problem.staff[staff].role)
        if role is None or role.caseload_service is None:
            return []
        return [
            self.vars.provide[d][staff]
            for d in self._demands_by_staff.get(staff, ())
            if self.problem.demands[d].service == role.caseload_service
        ]

    @functools.cached_property
    def _demands_by_staff(self) -> dict[int, list[int]]:
        """Demands each person may serve (built once the variables exist)."""
        out: dict[int, list[int]] = defaultdict(list)
        for d, options in self.vars.provide.items():
            for staff in options:
                out[staff].append(d)
        return out

    @functools.cached_property
    def _options_by_staff(self) -> dict[int, list[ManagerOption]]:
        """Case-manager options of each person (built once the variables exist)."""
        out: dict[int, list[ManagerOption]] = defaultdict(list)
        for options in self.vars.manage.values():
            for option in options:
                out[option.staff].append(option)
        return out

    # -- hard rules ----------------------------------------------------------

    def _each_service_has_one_legal_provider(self) -> None:
        """Each (student, service) gets exactly one provider who may deliver it, or is unserved.

        Only eligible people have a variable: the role delivers the service,
        the person holds its credential (R2), serves the site, is available,
        and for sdc/rsp is authorized for the student's category (R1/R3).
        """
        for d, options in self.vars.provide.items():
            self.model.add_exactly_one([*options.values(), self.vars.unserved[d]])

    def _each_student_has_one_case_manager(self) -> None:
        """Each student gets exactly one case manager whose role may case-manage (R4), or none."""
        for s, options in self.vars.manage.items():
            self.model.add_exactly_one([o.var for o in options] + [self.vars.unassigned[s]])
        for options in self.vars.manage.values():
            for o in options:
                if o.demand is not None:
                    # managing as the provider of this service requires providing it
                    self.model.add_implication(o.var, self.vars.provide[o.demand][o.staff])

    def _coordinator_delivers_no_ranked_service(self) -> None:
        """Label consistency: a 'coordinating' option is taken only when the person
        delivers none of the student's ranked services, so the rank the model pays
        is the rank the plan shows."""
        for options in self.vars.manage.values():
            ranked_by_staff: dict[int, list[int]] = defaultdict(list)
            for o in options:
                if o.demand is not None:
                    ranked_by_staff[o.staff].append(o.demand)
            for o in options:
                if o.demand is None:
                    for d in ranked_by_staff.get(o.staff, ()):
                        self.model.add_bool_or([o.var.negated(), self.vars.provide[d][o.staff].negated()])

    def _alternate_placement_keeps_primary_service(self) -> None:
        """R3: a low-incidence student instructed under the secondary disability's specialty
        must have a service for the primary disability in the plan (e.g. an itinerant DHH
        teacher); without one served, the sdc/rsp instruction cannot be delivered."""
        instructional = self.rules.instructional_services
        for s in self.component.students:
            student = self.problem.students[s]
            if not student.alternate_placement:
                continue
            related = set(primary_disability_services(self.rules, student))
            demands = self.problem.demands_of[s]
            served_related = [self.vars.unserved[d].negated() for d in demands
                              if self.problem.demands[d].service in related]
            for d in demands:
                if self.problem.demands[d].service in instructional:
                    # instruction served => some primary-disability service served
                    self.model.add_bool_or([self.vars.unserved[d], *served_related])

    def _caseload_caps(self) -> None:
        """Per-person hard caps, prorated by FTE: resource specialist 28 (32 with
        a waiver, EC 56362), preschool-only SLP 40 (EC 56441.7), local SDC caps
        and ``max_caseload``."""
        for staff in self.component.staff:
            cap = caseload_cap(self.rules, self.problem.staff[staff])
            if cap is None:
                continue
            terms = self._caseload_expr(staff)
            if len(terms) > cap:
                self.model.add(sum(terms) <= cap)

    def _district_average_caps(self) -> None:
        """District-wide average caps (SLP average of 55 per FTE, EC 56363.3):
        one aggregate constraint over every available member of the role."""
        for role_code in self.component.average_caps:
            role = self.rules.roles[role_code]
            average = district_average(self.problem, role_code, among=self.component.staff)  # no proposed FTE
            members, fte, budget = average.members, average.fte, average.budget
            terms = [var for p in members for var in self._caseload_expr(p)]
            costs = self.problem.position_costs
            proposed = {p: self._opened(p) for p in members if self.problem.staff[p].staff_id in costs}
            opened = [(p, var) for p, var in proposed.items() if var is not None]
            if opened:
                # staffing search: a proposed position adds its FTE only once open; in thousandths of a
                # pupil, so that the whole-pupil total stays within floor(average cap x FTE)
                extra = [(var, round(1000 * role.average_cap * self.problem.staff[p].fte)) for p, var in opened]
                self.model.add(1000 * sum(terms) <= round(1000 * role.average_cap * fte)
                               + sum(c * var for var, c in extra))
            elif len(terms) > budget:
                self.model.add(sum(terms) <= budget)

    def _allocated_average_shares(self) -> None:
        """A large district's SLP average, allocated to components (``optimizer/coupling.py``):
        the role's pupils here stay within this component's share."""
        for role_code, share in self.component.shares:
            terms = [var for p in average_cap_members(self.problem, role_code, among=self.component.staff)
                     for var in self._caseload_expr(p)]
            if len(terms) > share:
                self.model.add(sum(terms) <= share)

    # -- objective -----------------------------------------------------------

    def _serve_every_student_first(self) -> None:
        """Unserved services and unassigned students cost far more than any soft term."""
        w = self.rules.weights
        self._terms += [(var, w.unserved_service, UNSERVED_SERVICES) for var in self.vars.unserved.values()]
        self._terms += [(var, w.unassigned_student, UNASSIGNED_STUDENTS) for var in self.vars.unassigned.values()]

    def _prefer_best_practice_case_manager(self) -> None:
        """CTC best practice: the provider of the most intensive service manages
        the case (SDC > RSP > speech > itinerant); each rank lower costs more."""
        weight = self.rules.weights.best_practice_rank
        for options in self.vars.manage.values():
            self._terms += [(o.var, weight * o.rank, BEST_PRACTICE) for o in options if o.rank]

    def _add_convex_balance(self, term: str, load: list[cp_model.IntVar], target: float | None, weight: int,
                            limit: int | None = None) -> cp_model.IntVar | None:
        """Convex cost of a load (``models.domain.objective.balance_cost``) as an LP-friendly epigraph.

        One integer for the load, then one two-term line per pupil up to the
        largest load possible (candidates, or the cap): cost >= f(k) + m(k+1)(load - k).
        """
        if target is None or weight <= 0 or not load:
            return None
        marginals = balance_marginals(target, weight)
        upto = len(load) if limit is None else min(len(load), limit)
        if upto <= 0 or max(marginals[: min(upto, len(marginals))], default=0) == 0:
            return None
        cost = self.model.new_int_var(0, balance_cost(upto, target, weight), "")
        total = self.model.new_int_var(0, upto, "")
        self.model.add(total == sum(load))
        acc = 0
        for k in range(min(upto, len(marginals))):
            self.model.add(cost >= acc + marginals[k] * (total - k))
            acc += marginals[k]
        self._terms.append((cost, 1, term))
        self._balances.append((load, total, cost, target, weight))
        return total

    def _balance_service_caseloads(self) -> None:
        """Balanced caseloads within a role: convex in load / FTE-prorated cap.

        With ``balance_on = "workload"`` (the default when the students carry
        minutes) the weekly workload is balanced instead (``_balance_workloads``).
        """
        if balances_workload(self.problem):
            self._balance_workloads()
            return
        weight = self.rules.weights.service_balance
        for staff in self.component.staff:
            person = self.problem.staff[staff]
            target = balance_target(self.rules, person)
            total = self._add_convex_balance(SERVICE_BALANCE, self._caseload_expr(staff), target, weight,
                                             caseload_cap(self.rules, person))
            if total is not None:
                self._service_load[staff] = total

    def _balance_case_management(self) -> None:
        """Balanced case-management loads (soft; CTC leaves the number local)."""
        weight = self.rules.weights.case_management_balance
        for staff in self.component.staff:
            person = self.problem.staff[staff]
            if not may_case_manage_role(self.rules, person):
                continue
            load = [o.var for o in self._options_by_staff.get(staff, [])]
            self._add_convex_balance(CASE_MANAGEMENT_BALANCE, load, case_management_target(self.rules, person), weight)

    def _keep_current_case_managers(self) -> None:
        """Continuity: changing a student's current case manager costs a penalty."""
        weight = self.rules.weights.change_case_manager
        index = self.problem.staff_index
        for s, options in self.vars.manage.items():
            current = self.problem.students[s].current_case_manager
            if current is None:
                continue
            staff = index.get(current)
            kept = [o.var for o in options if o.staff == staff]
            self._moved += [o.var for o in options if o.staff != staff]
            self._offsets[CHANGED_CASE_MANAGERS] += weight
            self._terms += [(var, -weight, CHANGED_CASE_MANAGERS) for var in kept]

    def _keep_current_providers(self) -> None:
        """Continuity: moving a service away from its current provider costs a penalty."""
        weight = self.rules.weights.change_provider
        index = self.problem.staff_index
        for d, options in self.vars.provide.items():
            student = self.problem.students[self.problem.demands[d].student]
            current = self.problem.current_providers.get((student.student_id, self.problem.demands[d].service))
            if current is None:
                continue
            self._offsets[CHANGED_PROVIDERS] += weight
            staff = index.get(current, -1)
            self._moved += [var for p, var in options.items() if p != staff]
            if staff in options:
                self._terms.append((options[staff], -weight, CHANGED_PROVIDERS))

    def _pay_for_opened_positions(self) -> None:
        """Staffing search: a proposed position costs its price once it serves or manages anyone."""
        index = self.problem.staff_index
        in_component = set(self.component.staff)
        for staff_id, cost in self.problem.position_costs.items():
            staff = index.get(staff_id)
            if staff not in in_component:
                continue
            opened = self._opened(staff)
            if opened is None:
                continue
            self._terms.append((opened, cost, OPENED_POSITIONS))
            self._openings.append((self._uses(staff), opened))

    def _pay_overload_above_soft_local_caps(self) -> None:
        """Contract caps that bend: each pupil over a soft local cap costs its overload cost
        (``models.domain.caps.soft_cap``); the legal cap, or the role's overload_max, stays hard
        (``_caseload_caps``). A named term of its own, apart from the balance."""
        for staff in self.component.staff:
            soft = soft_cap(self.rules, self.problem.staff[staff])
            load = self._caseload_expr(staff)
            if soft is None or soft.cost <= 0 or len(load) <= soft.local:
                continue
            over = self.model.new_int_var(0, min(len(load), soft.limit) - soft.local, "")
            self.model.add(over >= sum(load) - soft.local)
            self._terms.append((over, soft.cost, LOCAL_CAP_OVERLOAD))
            self._overloads.append((load, over, soft.local))

    def _uses(self, staff: int) -> list[cp_model.IntVar]:
        """Every variable that gives this person a service or a case."""
        uses = [self.vars.provide[d][staff] for d in self._demands_by_staff.get(staff, [])]
        return uses + [o.var for o in self._options_by_staff.get(staff, [])]

    def _opened(self, staff: int) -> cp_model.IntVar | None:
        """A proposed position is open exactly when it serves or manages anyone (None: it never can)."""
        cache: dict[int, cp_model.IntVar | None] = self.__dict__.setdefault("_opened_vars", {})
        if staff not in cache:
            uses = self._uses(staff)
            opened = self.model.new_bool_var("") if uses else None
            if opened is not None:
                for var in uses:
                    self.model.add_implication(var, opened)
                self.model.add_bool_or([*uses, opened.negated()])
            cache[staff] = opened
        return cache[staff]

    def _order_interchangeable_staff(self) -> None:
        """Symmetry: identical people named by no current assignment carry non-increasing loads in staff order.

        People with the same role, credentials, sites, FTE, caps and flags are
        eligible for the same students at the same cost; when no student's
        current plan names them, any plan can be relabelled so that their
        caseloads decrease in staff order. Requiring it removes only
        equivalent plans, none better.
        """
        named = set(self.problem.current_providers.values()) | set(self.problem.position_costs)
        named |= {self.problem.students[s].current_case_manager for s in self.component.students}
        named |= {self.problem.staff[f.staff].staff_id for f in self.component.forced}  # forcing breaks the symmetry
        groups: dict[tuple, list[int]] = defaultdict(list)
        # on workload, people with different pending assessments are not interchangeable
        fixed = fixed_minutes(self.problem) if self._on_workload else (0,) * len(self.problem.staff)
        for staff in self._service_load:
            person = self.problem.staff[staff]
            if person.staff_id not in named:
                groups[(dataclasses.replace(person, staff_id="", name="", row=0), fixed[staff])].append(staff)
        for members in groups.values():
            for a, b in itertools.pairwise(sorted(members)):
                self.model.add(self._service_load[a] >= self._service_load[b])

    def _take_forced_pairs(self) -> None:
        """Explanations: the best plan in which this person takes this role (``caseload explain``).

        A pair no variable allows (not a candidate) makes the model infeasible,
        which is the honest answer: no legal plan has it.
        """
        for forced in self.component.forced:
            if forced.demand is not None:
                var = self.vars.provide.get(forced.demand, {}).get(forced.staff)
                options = [] if var is None else [var]
            else:
                options = [o.var for o in self.vars.manage.get(forced.student, []) if o.staff == forced.staff]
            self.model.add_bool_or(options)

    def changes_from(self, plan: Plan) -> list[cp_model.IntVar]:
        """Variables that, when true, give a service or a case someone other than ``plan`` does."""
        changed = []
        for d, options in self.vars.provide.items():
            changed += [var for staff, var in options.items() if staff != plan.providers[d]]
            if plan.providers[d] is not None:
                changed.append(self.vars.unserved[d])
        for s, options in self.vars.manage.items():
            changed += [o.var for o in options if o.staff != plan.case_managers[s]]
            if plan.case_managers[s] is not None:
                changed.append(self.vars.unassigned[s])
        return changed

    def _at_most_moves(self, max_moves: int) -> None:
        """Rebalancing: at most ``max_moves`` students or services go to a new person.

        What the budget cannot move stays unresolved (unserved or unassigned)
        and the plan says so, rather than exceeding the director's limit.
        """
        self.model.add(sum(self._moved) <= max_moves)

    # -- hints and solutions ---------------------------------------------------

    def add_hint(self, plan: Plan) -> None:
        """A complete starting solution (e.g. greedy) for the solver, derived integers included."""
        hinted: dict[int, int] = {}

        def hint(var: cp_model.IntVar, value: int) -> None:
            hinted[var.index] = int(value)
            self.model.add_hint(var, value)

        for d, options in self.vars.provide.items():
            for staff, var in options.items():
                hint(var, plan.providers[d] == staff)
            hint(self.vars.unserved[d], plan.providers[d] is None)
        for s, options in self.vars.manage.items():
            manager = plan.case_managers[s]
            chosen = self._hinted_option(s, manager, plan) if manager is not None else None
            for o in options:
                hint(o.var, o is chosen)
            hint(self.vars.unassigned[s], chosen is None)
        for load, total, cost, target, weight in self._balances:
            value = sum(hinted[v.index] for v in load)
            hint(total, value)
            hint(cost, balance_cost(value, target, weight))
        for load, count in self._counts:
            hint(count, sum(hinted[v.index] for v in load))
        for visits, extra in self._visits:
            seen = 0
            for visit, site_vars in visits:
                on = any(hinted[v.index] for v in site_vars)
                hint(visit, on)
                seen += on
            hint(extra, max(0, seen - 1))
        for terms, minutes, cost, fixed, curve, low in self._workloads:
            value = fixed + sum(c * hinted[v.index] for v, c in terms)
            hint(minutes, value)
            hint(cost, curve.cost(value) - low)
        for uses, opened in self._openings:
            hint(opened, any(hinted[v.index] for v in uses))
        for load, over, local in self._overloads:
            hint(over, max(0, sum(hinted[v.index] for v in load) - local))

    def _hinted_option(self, s: int, manager: int, plan: Plan) -> ManagerOption | None:
        best = None
        for o in self.vars.manage[s]:
            if o.staff != manager:
                continue
            if o.demand is not None and plan.providers[o.demand] != manager:
                continue
            if best is None or o.rank < best.rank:
                best = o
        if best is None and self._plain_manager(manager):
            # the manager coordinates as one of the interchangeable people one stand-in represents:
            # the stand-in's option costs and constrains the same (keeps the hint complete and feasible)
            rank = coordinating_rank(self.rules, len(best_practice_services(self.rules, self.problem.students[s])),
                                     self.problem.staff[manager].role)
            ranked = {o.demand for o in self.vars.manage[s] if o.demand is not None}
            for o in self.vars.manage[s]:
                if (o.demand is None and o.rank == rank and self._plain_manager(o.staff)
                        and not any(plan.providers[d] == o.staff for d in ranked)):
                    return o
        return best

    def term_values(self, solver: cp_model.CpSolver) -> ObjectiveTerms:
        """The solution's cost of each named objective term (their total is the objective value)."""
        values = solver.response_proto.solution
        by_name: dict[str, int] = defaultdict(int, self._offsets)
        for var, coef, name in self._terms:
            by_name[name] += coef * values[var.index]
        return ObjectiveTerms.from_dict(dict(by_name))

    def read_solution(self, solver: cp_model.CpSolver) -> tuple[dict[int, int | None], dict[int, int | None]]:
        """The solver's choices: (provider per demand, case manager per student) of this component."""
        values = solver.response_proto.solution
        providers = {d: next((staff for staff, var in options.items() if values[var.index]), None)
                     for d, options in self.vars.provide.items()}
        managers = {s: next((o.staff for o in options if values[o.var.index]), None)
                    for s, options in self.vars.manage.items()}
        return providers, managers
