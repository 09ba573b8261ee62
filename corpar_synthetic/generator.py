"""A seeded synthetic 903 generator: fictional authorities, realistic care journeys.

Behind ``corpar synth`` and ``corpar demo`` and the tests; never imported by a production
step. Every child, date and postcode here is invented. The generator simulates care
journeys day by day from 2012 (so the stock of children in care is settled by the first
return), then writes each collection year's return as an authority would extract it: the
episodes open during that year, codes valid for that year, file names that vary, and the
minor damage Excel does (BOMs, Windows encoding, stray blank rows and columns, column names
in another case, ISO dates). The same seed always gives the same files, byte for byte.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import schema
from pipeline.spec.period import year_label
from pipeline.upn import check_letter

log = logging.getLogger(__name__)

SIM_START = date(2012, 4, 1)
FIRST_RETURN = "2020-21"
LAST_FULL_RETURN = "2025-26"
YTD_RETURN = ("2026-27", date(2026, 9, 30))  # a year-to-date extract, as LAs make monthly
# The placement codes' dates are the schema's, which the data checks read too: K3 from
# 28 October 2023 (H5 and P2 end), Z1 split into Z11-Z14 the day after its last.
K3_FROM = date.fromisoformat(schema.PLACE_CODE_DATES["K3_from"])
Z1_SPLIT = date.fromisoformat(schema.PLACE_CODE_DATES["Z1_until"]) + timedelta(days=1)


@dataclass(frozen=True)
class SyntheticAuthority:
    """A fictional authority: code (no real LA has it), size and profile."""

    code: str
    name: str
    region: str
    region_code: str
    cla_target: int  # children looked after at 31 March, roughly
    rate_per_10k: float  # sets the 0-17 population
    seed: int
    damage: tuple[str, ...] = ()


AUTHORITIES = (
    SyntheticAuthority(
        "Z01", "Northam Vale", "North East", "E12000001", 80, 58, 101, damage=("lowercase_headers",)
    ),
    SyntheticAuthority(
        "Z02", "Eastbridge", "North East", "E12000001", 300, 96, 202, damage=("cp1252", "iso_dates")
    ),
    SyntheticAuthority(
        "Z03", "Southmere", "South West", "E12000009", 640, 66, 303, damage=("bom", "blank_rows")
    ),
    SyntheticAuthority(
        "Z04",
        "Westford City",
        "South West",
        "E12000009",
        1200,
        82,
        404,
        damage=("bom", "trailing_column", "spaced_headers"),
    ),
)


def _return_to(before: Episode, when: date) -> Episode:
    """The episode returning a child from a temporary placement to the carer before it."""
    return Episode(
        when, "P", before.ls, before.cin, before.place, before.provider, before.urn, before.pl_post
    )


def _d(x: np.datetime64 | date) -> date:
    return x if isinstance(x, date) else pd.Timestamp(x).date()


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


@dataclass
class Episode:
    """One simulated episode (the generator's own record, before it is written out)."""

    decom: date
    rne: str
    ls: str
    cin: str
    place: str
    provider: str
    urn: str
    pl_post: str
    dec: date | None = None
    rec: str = ""
    reason_change: str = ""


@dataclass
class Child:
    """One simulated child and everything the return records about them."""

    child_id: str
    sex: str
    dob: date
    ethnic: str
    upn: str
    home_post: str
    uasc: bool = False
    short_breaks: bool = False
    episodes: list[Episode] = field(default_factory=list)
    reviews: list[tuple[date, str]] = field(default_factory=list)
    missing: list[tuple[str, date, date | None]] = field(default_factory=list)
    sw: list[tuple[str, date, date | None, str]] = field(default_factory=list)
    adoption_decision: date | None = None
    adoption_match: date | None = None
    dolo: list[tuple[date, date | None]] = field(default_factory=list)
    ability: float = 0.0
    health: dict[str, float] = field(default_factory=dict)


class _Sim:
    """The simulation for one authority: a seeded random stream and its children."""

    def __init__(self, la: SyntheticAuthority):
        self.la = la
        self.rng = np.random.default_rng(la.seed)
        self.children: list[Child] = []
        self._urn = 1000000 + la.seed * 1000
        self._sw = 0

    # -- small random helpers ------------------------------------------------------------
    def choice(self, options, p=None):
        return options[int(self.rng.choice(len(options), p=p))]

    def postcode(self) -> str:
        # Invented postcodes in an area that does not exist ("ZX").
        r = self.rng
        return (
            f"ZX{r.integers(1, 99)} {r.integers(1, 9)}"
            f"{chr(65 + r.integers(0, 26))}{chr(65 + r.integers(0, 26))}"
        )

    def urn(self) -> str:
        self._urn += int(self.rng.integers(1, 50))
        return str(self._urn)

    def sw_id(self) -> str:
        self._sw += 1
        return f"SW{self.la.code}{self._sw:05d}"

    # -- a child ----------------------------------------------------------------------------
    def new_child(self, entry: date, age_days: int) -> Child:
        r = self.rng
        cid = f"{self.la.code[1:]}{len(self.children) + 1:06d}"
        if len(self.children) % 7 == 0:
            cid = "0" + cid  # some ids have leading zeros, which must survive
        dob = entry - timedelta(days=age_days)
        ethnic = self.choice(sorted(schema.ETHNIC), p=None)
        if r.random() < 0.7:
            ethnic = "WBRI"
        if r.random() < 0.95:
            # The first letter is the digits' DfE check letter. A random letter used to be
            # drawn instead: it still is, so that every other value stays as it was.
            r.integers(0, 26)
            digits = f"{r.integers(10**11, 10**12 - 1):012d}"
            upn = check_letter(digits) + digits
        else:
            upn = f"UN{r.integers(1, 6)}"
        sex = "M" if r.random() < 0.56 else "F"
        c = Child(cid, sex, dob, ethnic, upn, self.postcode(), ability=float(r.normal()))
        c.health = {
            k: float(r.random()) for k in ("ha", "imm", "teeth", "dev", "sdq", "conv", "subs")
        }
        self.children.append(c)
        return c

    def placement_for(self, age: float, d: date, route: str) -> str:
        r = self.rng
        if route == "parents" and r.random() < 0.5:
            return "P1"
        if age < 10:
            place = self.choice(
                ["U4", "U6", "U1", "U3", "K2", "P1", "R3"],
                p=[0.35, 0.30, 0.1, 0.1, 0.05, 0.07, 0.03],
            )
        elif age < 16:
            place = self.choice(
                ["U4", "U6", "U3", "K2", "K1", "R1", "S1", "P1", "R5", "Z1"],
                p=[0.25, 0.25, 0.08, 0.22, 0.02, 0.04, 0.03, 0.06, 0.02, 0.03],
            )
        else:
            place = self.choice(
                ["H5", "P2", "U4", "U6", "K2", "P1", "Z1"],
                p=[0.25, 0.15, 0.15, 0.15, 0.18, 0.07, 0.05],
            )
        if place in ("H5", "P2") and d >= K3_FROM:
            place = "K3"
        if place == "Z1" and d >= Z1_SPLIT:
            place = self.choice(["Z11", "Z12", "Z13", "Z14"])
        return place

    def provider_for(self, place: str) -> str:
        if place in schema.TEMPORARY_PLACE:
            return ""
        if place == "P1":
            return "PR0"
        return self.choice(["PR1", "PR2", "PR4", "PR5", "PR3"], p=[0.45, 0.05, 0.38, 0.1, 0.02])

    def period_of_care(self, c: Child, start: date, first: bool, horizon: date) -> date | None:
        """Simulate one period of care from ``start``; return its end (None if still open)."""
        r = self.rng
        age = (start - c.dob).days / 365.25
        eighteen = _add_years(c.dob, 18)
        mean_years = 2.6 if age < 10 else 1.5
        end = start + timedelta(days=int(r.exponential(mean_years * 365)) + 2)
        # Route out of care, chosen at entry so the journey can lead to it.
        if age < 5 and r.random() < 0.45:
            route = self.choice(["adoption", "sgo"], p=[0.6, 0.4])
            end = max(end, start + timedelta(days=int(r.integers(420, 900))))
        elif age >= 15.5 and r.random() < 0.4:
            route = "eighteen"
        else:
            route = self.choice(["home", "parents", "other"], p=[0.55, 0.2, 0.25])
        if route == "eighteen" or end >= eighteen:
            end, route = eighteen, "eighteen"
        if c.uasc:
            end, route = eighteen, "eighteen"
        cin = (
            "N4"
            if c.uasc
            else self.choice(
                [f"N{i}" for i in range(1, 9)], p=[0.62, 0.03, 0.03, 0.08, 0.14, 0.02, 0.01, 0.07]
            )
        )
        ls = self.choice(["V2", "C1", "L1", "L2", "J1"], p=[0.42, 0.42, 0.08, 0.05, 0.03])
        if c.uasc:
            ls = "V2"
        if ls == "J1" and age < 10:
            ls = "V2"
        # Events: (date, kind). Kinds: place, legal, temp, same_carer.
        events: list[tuple[date, str]] = []
        span = max((min(end, horizon) - start).days, 1)
        # Moves cluster early in care (finding the right home); later ones are rarer.
        early, late = (0.9, 0.12) if age < 12 else (1.2, 0.4)
        for _ in range(r.poisson(early + max(span - 365, 0) / 365 * late)):
            day = int(r.exponential(200)) if r.random() < 0.7 else int(r.integers(1, span + 1))
            events.append((start + timedelta(days=min(max(day, 1), span)), "place"))
        for _ in range(r.poisson(span / 365 * 0.15)):
            events.append((start + timedelta(days=int(r.integers(1, span + 1))), "temp"))
        if ls in ("L1", "L2"):
            events.append((start + timedelta(days=int(r.integers(1, 9))), "legal"))
        if ls in ("C1", "L1", "L2") or r.random() < 0.2:
            events.append((start + timedelta(days=int(r.integers(120, 400))), "legal"))
        if r.random() < 0.08:
            events.append((start + timedelta(days=int(r.integers(30, span + 30))), "same_carer"))
        if route == "adoption":
            decision = end - timedelta(days=int(r.integers(200, 330)))
            c.adoption_decision = max(decision, start + timedelta(days=60))
            c.adoption_match = c.adoption_decision + timedelta(days=int(r.integers(30, 150)))
            events.append((c.adoption_decision, "placement_order"))
            events.append(
                (max(c.adoption_match + timedelta(days=14), end - timedelta(days=200)), "adoptive")
            )
        events = sorted({e for e in events if start < e[0] < min(end, horizon)})

        place = self.placement_for(age, start, route)
        ep = Episode(
            start, "S", ls, cin, place, self.provider_for(place), self.urn(), self.postcode()
        )
        eps = [ep]
        before_temp: Episode | None = None
        for d, kind in events:
            cur = eps[-1]
            if d <= cur.decom:
                continue
            a = (d - c.dob).days / 365.25
            new = Episode(d, "P", cur.ls, cin, cur.place, cur.provider, cur.urn, cur.pl_post)
            if kind == "temp":
                if cur.place in schema.TEMPORARY_PLACE:
                    continue
                new.place = self.choice(["T0", "T1", "T2", "T3", "T4"])
                new.provider, new.urn, new.pl_post = "", "", ""
                before_temp = cur
                cur.reason_change = ""
            elif cur.place in schema.TEMPORARY_PLACE and before_temp is not None:
                # Back from a temporary placement to the same carer, then the event.
                back = _return_to(before_temp, cur.decom + timedelta(days=int(r.integers(1, 7))))
                if back.decom >= d:
                    continue
                eps.append(back)
                cur.dec = back.decom
                cur = back
                new = Episode(d, "P", cur.ls, cin, cur.place, cur.provider, cur.urn, cur.pl_post)
                before_temp = None
            if kind == "place":
                new.place = self.placement_for(a, d, route)
                new.provider, new.urn, new.pl_post = (
                    self.provider_for(new.place),
                    self.urn(),
                    self.postcode(),
                )
                cur.reason_change = self.choice(
                    [
                        "CARPL",
                        "CLOSE",
                        "ALLEG",
                        "STAND",
                        "APPRR",
                        "CREQB",
                        "CREQO",
                        "CHILD",
                        "LAREQ",
                        "PLACE",
                        "OTHER",
                    ]
                )
            elif kind == "legal":
                new.rne = "L"
                new.ls = {"L1": "C1", "L2": "C1", "C1": "C2", "V2": "C1"}.get(cur.ls, cur.ls)
                if new.ls == cur.ls:
                    continue
            elif kind == "placement_order":
                new.rne, new.ls = "L", "E1"
            elif kind == "same_carer":
                if cur.place not in ("U6", "U3"):
                    continue
                new.rne, new.place = "T", {"U6": "U4", "U3": "U1"}[cur.place]
            elif kind == "adoptive":
                if cur.place in ("U4", "U6") and r.random() < 0.3:
                    new.rne, new.place = "T", "A5"  # adopted by the current foster carer
                elif cur.place in ("U1", "U3") and r.random() < 0.3:
                    new.rne, new.place = "T", "A3"
                else:
                    new.place = self.choice(["A4", "A6"])
                    new.provider, new.urn, new.pl_post = "PR1", self.urn(), self.postcode()
                new.ls = "E1"
            if kind == "place" and r.random() < 0.12 and new.ls in ("V2", "C1"):
                new.rne, new.ls = "B", "C2"
            cur.dec, cur.rec = d, "X1"
            eps.append(new)
        if eps[-1].place in schema.TEMPORARY_PLACE and before_temp is not None:
            back_d = eps[-1].decom + timedelta(days=int(r.integers(1, 7)))
            if back_d < min(end, horizon):
                eps[-1].dec, eps[-1].rec = back_d, "X1"
                eps.append(_return_to(before_temp, back_d))
        if end < horizon:
            eps[-1].dec = end
            eps[-1].rec = {
                "adoption": self.choice(["E11", "E12"]),
                "sgo": self.choice(["E45", "E46", "E47", "E48"]),
                "home": self.choice(["E4A", "E4B", "E13", "E41"], p=[0.5, 0.1, 0.3, 0.1]),
                "parents": self.choice(["E4A", "E13"]),
                "other": self.choice(
                    ["E8", "E13", "E3", "E9", "E14"], p=[0.35, 0.35, 0.15, 0.1, 0.05]
                ),
                "eighteen": self.choice(["E17", "E5", "E6", "E8"], p=[0.25, 0.35, 0.2, 0.2]),
            }[route]
            if eps[-1].rec == "E14" and eps[-1].ls not in ("J1", "J2"):
                eps[-1].rec = "E8"
        # Split after the end is known, so a split never outlives the period of care.
        eps = self._split_retired_codes(eps)
        c.episodes.extend(eps)
        self._care_records(c, start, end if end < horizon else None, horizon)
        return end if end < horizon else None

    def _split_retired_codes(self, eps: list[Episode]) -> list[Episode]:
        """Episodes spanning a code's retirement continue under the new code (RNE T)."""
        out = []
        for e in eps:
            out.append(e)
            for when, old, new_codes in (
                (K3_FROM, ("H5", "P2"), ("K3",)),
                (Z1_SPLIT, ("Z1",), ("Z11", "Z12", "Z13", "Z14")),
            ):
                last = out[-1]
                if (
                    last.place in old
                    and last.decom < when
                    and (last.dec is None or last.dec > when)
                ):
                    nxt = Episode(
                        when,
                        "T",
                        last.ls,
                        last.cin,
                        self.choice(list(new_codes)),
                        last.provider,
                        last.urn,
                        last.pl_post,
                        last.dec,
                        last.rec,
                        last.reason_change,
                    )
                    last.dec, last.rec, last.reason_change = when, "X1", "PLACE"
                    out.append(nxt)
        return out

    def _care_records(self, c: Child, start: date, end: date | None, horizon: date) -> None:
        """Reviews, missing incidents, social worker episodes for one period of care."""
        r = self.rng
        stop = end or horizon
        d = start + timedelta(days=20)
        while d < stop:
            age = (d - c.dob).days / 365.25
            code = (
                "PN0"
                if age < 4
                else self.choice(
                    ["PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"],
                    p=[0.45, 0.1, 0.1, 0.1, 0.08, 0.09, 0.08],
                )
            )
            c.reviews.append((d, code))
            d += timedelta(days=int(r.integers(90, 190)))
        age0 = (start - c.dob).days / 365.25
        if age0 >= 11 and r.random() < 0.3:
            for _ in range(r.poisson(3) + 1):
                s = start + timedelta(days=int(r.integers(0, max((stop - start).days, 1))))
                if s >= stop:
                    continue
                e = s + timedelta(days=int(r.integers(0, 5)))
                c.missing.append(("M" if r.random() < 0.7 else "A", s, e if e < stop else None))
        d, reason = start, ""
        while d < stop:
            nxt = d + timedelta(days=int(r.exponential(420)) + 30)
            sw_end = nxt if nxt < stop else end
            c.sw.append((self.sw_id(), d, sw_end, reason))
            reason = self.choice(sorted(schema.SW_REASON))
            d = nxt
        if age0 >= 12 and r.random() < 0.03:
            s = start + timedelta(days=int(r.integers(10, 300)))
            if s < stop:
                c.dolo.append((s, min(s + timedelta(days=int(r.integers(20, 120))), stop)))

    def short_break_child(self, start: date, horizon: date) -> None:
        """A disabled child who has only short breaks (V3/V4): never "looked after"."""
        r = self.rng
        c = self.new_child(start, int(r.integers(5 * 365, 15 * 365)))
        c.short_breaks = True
        urn = self.urn()
        d = start
        for _ in range(int(r.integers(6, 20))):
            if d >= horizon:
                break
            end = d + timedelta(days=int(r.integers(1, 4)))
            c.episodes.append(
                Episode(
                    d,
                    "S",
                    self.choice(["V3", "V4"]),
                    "N2",
                    "U6",
                    "PR1",
                    urn,
                    self.postcode(),
                    end if end < horizon else None,
                    "E13" if end < horizon else "",
                )
            )
            d = end + timedelta(days=int(r.integers(20, 60)))

    def run(self, horizon: date) -> None:
        """Simulate every entry into care from SIM_START to ``horizon``."""
        r = self.rng
        # The average stay these journeys produce (exponential stays, capped at 18, with
        # a minimum before adoption), so that entries * stay gives the target stock.
        mean_stay_years = 2.4
        per_day = self.la.cla_target / (mean_stay_years * 365)
        d = SIM_START
        while d < horizon:
            for _ in range(r.poisson(per_day)):
                band = r.choice(5, p=[0.21, 0.16, 0.18, 0.33, 0.12])
                lo, hi = [
                    (0, 364),
                    (365, 5 * 365 - 1),
                    (5 * 365, 10 * 365 - 1),
                    (10 * 365, 16 * 365 - 1),
                    (16 * 365, 17 * 365 + 300),
                ][band]
                age_days = int(r.integers(lo, hi + 1))
                c = self.new_child(d, age_days)
                if age_days > 14 * 365 and r.random() < 0.22:
                    c.uasc, c.sex = True, ("M" if r.random() < 0.93 else "F")
                end = self.period_of_care(c, d, True, horizon)
                # Some children come back into care.
                if (
                    end is not None
                    and not c.uasc
                    and c.episodes[-1].rec in ("E4A", "E4B", "E13", "E8")
                    and r.random() < 0.15
                ):
                    back = end + timedelta(days=int(r.integers(60, 700)))
                    if back < horizon and back < _add_years(c.dob, 17):
                        self.period_of_care(c, back, False, horizon)
            if r.random() < per_day * 0.03:
                self.short_break_child(d, horizon)
            d += timedelta(days=1)


# -- writing returns ------------------------------------------------------------------------


def _fmt(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def _in_care_intervals(c: Child) -> list[tuple[date, date | None]]:
    return [(e.decom, e.dec) for e in c.episodes if e.ls not in schema.SHORT_BREAK_LS]


def _continuous_start(c: Child, at: date) -> date | None:
    """Start of the period of care open at ``at`` (None if not looked after then)."""
    eps = sorted(
        (e for e in c.episodes if e.ls not in schema.SHORT_BREAK_LS), key=lambda e: e.decom
    )
    start = None
    for e in eps:
        if start is None or e.rne == "S":
            start = e.decom
        if e.decom <= at and (e.dec is None or e.dec > at):
            return start
    return None


def _year_bounds(year: str) -> tuple[date, date]:
    y = int(year[:4])
    return date(y, 4, 1), date(y + 1, 3, 31)


def year_tables(sim: _Sim, year: str, extract_end: date | None = None) -> dict[str, pd.DataFrame]:
    """The 903 tables an authority would extract for ``year`` (up to ``extract_end``)."""
    ys, ye = _year_bounds(year)
    if extract_end:
        ye = extract_end
    full_year = extract_end is None
    tables = schema.tables_for_year(year)
    new_sex = "1" not in tables["Header"].codes["SEX"]
    rows: dict[str, list[list[str]]] = {n: [] for n in tables}
    r = np.random.default_rng(sim.la.seed * 1000 + int(year[:4]))

    def sex_code(c: Child) -> str:
        if new_sex:
            return "U" if c.child_id.endswith("37") else c.sex
        return {"M": "1", "F": "2"}[c.sex]

    for c in sim.children:
        eps = [e for e in c.episodes if e.decom <= ye and (e.dec is None or e.dec >= ys)]
        if not eps:
            continue
        dob = _fmt(c.dob)
        mother, mc_dob = "", ""
        if c.sex == "F" and (ye - c.dob).days > 14 * 365 and c.child_id.endswith("3"):
            mother, mc_dob = "1", _fmt(c.dob + timedelta(days=16 * 365 + 100))
            if c.dob + timedelta(days=16 * 365 + 100) > ye:
                mother, mc_dob = "", ""
        rows["Header"].append([c.child_id, sex_code(c), dob, c.ethnic, c.upn, mother, mc_dob])
        for e in eps:
            open_at_end = e.dec is None or e.dec > ye
            rows["Episodes"].append(
                [
                    c.child_id,
                    _fmt(e.decom),
                    e.rne,
                    e.ls,
                    e.cin,
                    e.place,
                    e.provider,
                    "" if open_at_end else _fmt(e.dec),
                    "" if open_at_end else e.rec,
                    "" if open_at_end else e.reason_change,
                    c.home_post,
                    e.pl_post,
                    e.urn,
                ]
            )
        for d, code in c.reviews:
            if ys <= d <= ye:
                rows["Reviews"].append([c.child_id, dob, _fmt(d), code])
        if c.uasc:
            rows["UASC"].append([c.child_id, sex_code(c), dob, _fmt(_add_years(c.dob, 18))])
        for kind, s, e in c.missing:
            if ys <= s <= ye:
                rows["Missing"].append(
                    [c.child_id, dob, kind, _fmt(s), _fmt(e) if e and e <= ye else ""]
                )
        if "SWEpisodes" in tables:
            for sw_id, s, e, reason in c.sw:
                if s <= ye and (e is None or e >= ys):
                    ended = e is not None and e <= ye
                    rows["SWEpisodes"].append(
                        [c.child_id, dob, sw_id, _fmt(s), _fmt(e) if ended else "", reason]
                    )
        if "DoLo" in tables:
            for s, e in c.dolo:
                if s <= ye and (e is None or e >= ys):
                    rows["DoLo"].append(
                        [c.child_id, dob, _fmt(s), _fmt(e) if e and e <= ye else ""]
                    )
        starts = [e for e in eps if e.rne == "S" and ys <= e.decom <= ye]
        if starts and not c.short_breaks:
            rows["PrevPerm"].append(
                [
                    c.child_id,
                    dob,
                    "Z1" if r.random() < 0.9 else "P1",
                    "" if r.random() < 0.9 else "NUK",
                    "",
                ]
            )
        if c.adoption_decision and c.adoption_decision <= ye:
            rows["PlacedAdoption"].append([c.child_id, dob, _fmt(c.adoption_decision), "", ""])
        adopted = [e for e in eps if e.rec in ("E11", "E12") and e.dec and ys <= e.dec <= ye]
        if adopted and c.adoption_match:
            rows["AD1"].append(
                [
                    c.child_id,
                    dob,
                    _fmt(c.adoption_decision),
                    _fmt(c.adoption_match),
                    "1" if r.random() < 0.2 else "0",
                    "2" if r.random() < 0.7 else "1",
                    sim.choice(["MF", "MM", "FF"], p=[0.8, 0.1, 0.1]),
                    "L0",
                ]
            )
        if full_year and not c.short_breaks:
            _oc2_row(rows, c, ye, r)
    if full_year:
        _oc3_rows(rows, sim, ys, ye, r)
    return {n: pd.DataFrame(v, columns=list(tables[n].columns), dtype=str) for n, v in rows.items()}


def _oc2_row(rows, c: Child, ye: date, r) -> None:
    start = _continuous_start(c, ye)
    if start is None or start > _add_years(ye, -1):
        return
    age = (ye - c.dob).days // 365.25
    h = c.health
    score, reason = "", ""
    if 4 <= age <= 16:
        if h["sdq"] < 0.78:
            score = str(
                int(np.clip(round(14 + 6.5 * c.ability * -0.6 + 6 * (h["sdq"] - 0.4)), 0, 40))
            )
        else:
            reason = "SDQ" + str(int(r.integers(1, 6)))
    flag = lambda p, x: "1" if h[x] < p else "0"  # noqa: E731
    # Blank where the DfE rules say so: conviction under 10 (542), development checks from 5
    # (546), the intervention items when there is no substance misuse (193, 158).
    conv = flag(0.04, "conv") if age >= 10 else ""
    subs = flag(0.04, "subs") if age >= 10 else "0"
    received = ("1" if r.random() < 0.6 else "0") if subs == "1" else ""
    offered = "1" if received == "0" else ""
    rows["OC2"].append(
        [
            c.child_id,
            _fmt(c.dob),
            score,
            reason,
            conv,
            flag(0.88, "dev") if age < 5 else "",
            flag(0.83, "imm"),
            flag(0.76, "teeth"),
            flag(0.9, "ha"),
            subs,
            received,
            offered,
        ]
    )


def _oc3_rows(rows, sim: _Sim, ys: date, ye: date, r) -> None:
    for c in sim.children:
        if c.short_breaks:
            continue
        care = [e for e in c.episodes if e.ls not in schema.SHORT_BREAK_LS]
        if not care or care[-1].dec is None:
            continue
        left = care[-1].dec
        sixteen = _add_years(c.dob, 16)
        in_care_at_16 = any(e.decom <= sixteen and (e.dec is None or e.dec > sixteen) for e in care)
        if not in_care_at_16 or care[-1].rec in ("E11", "E12", "E2"):
            continue
        for age in range(17, 22):
            bday = _add_years(c.dob, age)
            if ys <= bday <= ye and bday >= left:
                touch = sim.choice(
                    ["YES", "NO", "REFU", "NREQ", "RHOM", "DIED"],
                    p=[0.9, 0.04, 0.03, 0.015, 0.01, 0.005],
                )
                if touch == "YES":
                    activ = sim.choice(
                        ["F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5", "G4", "G5", "G6", "0"],
                        p=[0.06, 0.01, 0.26, 0.04, 0.04, 0.01, 0.15, 0.04, 0.07, 0.24, 0.05, 0.03],
                    )
                    letter = sim.choice(
                        list("BDEKTUZVWSXY"),
                        p=[0.13, 0.2, 0.08, 0.04, 0.03, 0.3, 0.12, 0.02, 0.01, 0.01, 0.03, 0.03],
                    )
                    # No fixed abode and custody are never "suitable" (no S1 or X1 code).
                    suitable = r.random() < 0.88 and letter not in "SX"
                    accom = letter + ("1" if suitable else "2")
                else:
                    activ, accom = "0", "0"
                rows["OC3"].append([c.child_id, _fmt(c.dob), touch, activ, accom])


def attainment_rows(sim: _Sim, year: str) -> pd.DataFrame:
    """Pupil-level KS1/KS2/KS4 results for children looked after during ``year``."""
    ys, ye = _year_bounds(year)
    y1 = int(year[:4])
    academic = year_label(y1, "/")
    r = np.random.default_rng(sim.la.seed * 7 + y1)
    out = []
    for c in sim.children:
        if c.short_breaks or not any(
            e.decom <= ye and (e.dec is None or e.dec >= ys) for e in c.episodes
        ):
            continue
        age_aug = (date(y1, 8, 31) - c.dob).days // 365.25
        z = c.ability - 0.6
        if age_aug == 10:
            res = {
                m: z + r.normal(0, 0.7) > t
                for m, t in (("READ_EXS", -0.65), ("WRIT_EXS", -0.5), ("MATH_EXS", -0.55))
            }
            res["RWM_EXS"] = all(res.values())
            out += [[c.child_id, c.upn, academic, "KS2", m, str(int(v))] for m, v in res.items()]
        elif age_aug == 6 and y1 < 2023:
            for m, t in (("READ_EXS", -0.9), ("WRIT_EXS", -0.7), ("MATH_EXS", -0.8)):
                out.append(
                    [c.child_id, c.upn, academic, "KS1", m, str(int(z + r.normal(0, 0.7) > t))]
                )
        elif age_aug == 15:
            att8 = float(np.clip(round((25 + 14 * z + r.normal(0, 6)) * 2) / 2, 0, 90))
            em4 = att8 > 30 + r.normal(0, 5)
            em5 = em4 and att8 > 37 + r.normal(0, 5)
            p8 = "" if y1 >= 2024 else f"{(att8 - 46) / 9 + r.normal(0, 0.4):.2f}"
            out += [
                [c.child_id, c.upn, academic, "KS4", "ATT8", f"{att8:g}"],
                [c.child_id, c.upn, academic, "KS4", "EM4", str(int(em4))],
                [c.child_id, c.upn, academic, "KS4", "EM5", str(int(em5))],
                [c.child_id, c.upn, academic, "KS4", "P8", p8],
            ]
    return pd.DataFrame(out, columns=list(schema.ATTAINMENT_COLUMNS), dtype=str)


_FILE_NAMES = {
    "Header": ["header.csv", "903 Header {y}.csv", "SSDA903_{la}_header_{y}.CSV"],
    "Episodes": ["episodes.csv", "903 Episodes {y}.csv", "SSDA903_{la}_episodes_{y}.CSV"],
    "Reviews": ["reviews.csv", "903 Reviews {y}.csv", "SSDA903_{la}_reviews_{y}.CSV"],
    "UASC": ["uasc.csv", "903 UASC {y}.csv", "SSDA903_{la}_uasc_{y}.CSV"],
    "OC2": ["oc2.csv", "903 OC2 {y}.csv", "SSDA903_{la}_oc2_{y}.CSV"],
    "OC3": ["oc3.csv", "903 OC3 {y}.csv", "SSDA903_{la}_oc3_{y}.CSV"],
    "AD1": ["ad1.csv", "903 AD1 {y}.csv", "SSDA903_{la}_ad1_{y}.CSV"],
    "PlacedAdoption": [
        "placed_for_adoption.csv",
        "903 Placed for adoption {y}.csv",
        "SSDA903_{la}_placed_{y}.CSV",
    ],
    "PrevPerm": [
        "prevperm.csv",
        "903 Previous permanence {y}.csv",
        "SSDA903_{la}_prevperm_{y}.CSV",
    ],
    "Missing": ["missing.csv", "903 Missing {y}.csv", "SSDA903_{la}_missing_{y}.CSV"],
    "SWEpisodes": ["sw_episodes.csv", "903 Social workers {y}.csv", "SSDA903_{la}_sw_{y}.CSV"],
    "DoLo": ["dolo.csv", "903 DoLo {y}.csv", "SSDA903_{la}_dolo_{y}.CSV"],
}


def _damage(
    df: pd.DataFrame, la: SyntheticAuthority, table: str, year_index: int
) -> tuple[pd.DataFrame, str]:
    """Apply this authority's kinds of Excel damage; return the frame and the encoding."""
    df = df.copy()
    encoding = "utf-8"
    if "lowercase_headers" in la.damage:
        df.columns = [c.lower() for c in df.columns]
    if "spaced_headers" in la.damage:
        df.columns = [f" {c.title()} " if i % 3 == 0 else c for i, c in enumerate(df.columns)]
    if "iso_dates" in la.damage and table == "Reviews" and year_index % 2 == 0:
        col = [c for c in df.columns if c.strip().upper() == "REVIEW"][0]
        df[col] = pd.to_datetime(df[col], format="%d/%m/%Y").dt.strftime("%Y-%m-%d")
    if "bom" in la.damage:
        encoding = "utf-8-sig"
    if "cp1252" in la.damage:
        encoding = "cp1252"
    if "trailing_column" in la.damage:
        df[""] = ""
    if "blank_rows" in la.damage:
        blank = pd.DataFrame([[""] * len(df.columns)] * 3, columns=df.columns)
        df = pd.concat([df, blank], ignore_index=True)
    return df, encoding


def write_authority(la: SyntheticAuthority, raw_root: Path) -> dict[str, int]:
    """Simulate one authority and write its returns under ``raw_root/<code>/<year>/``."""
    sim = _Sim(la)
    sim.run(YTD_RETURN[1])
    years = []
    y = int(FIRST_RETURN[:4])
    while y <= int(LAST_FULL_RETURN[:4]):
        years.append((year_label(y), None))
        y += 1
    years.append(YTD_RETURN)
    counts = {}
    for i, (year, extract_end) in enumerate(years):
        folder = raw_root / la.code / year
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*"):
            old.unlink()
        tables = year_tables(sim, year, extract_end)
        for name, df in tables.items():
            pattern = _FILE_NAMES[name][(i + la.seed) % 3]
            fname = pattern.format(y=year, la=la.code)
            out, encoding = _damage(df, la, name, i)
            out.to_csv(folder / fname, index=False, encoding=encoding, lineterminator="\r\n")
        if extract_end is None:
            attainment_rows(sim, year).to_csv(folder / "attainment.csv", index=False)
        counts[year] = len(tables["Episodes"])
    log.info("synthetic %s: %d children simulated", la.code, len(sim.children))
    return counts


# -- the same return in the other forms councils send (pipeline/read/readers.py reads them) ------
_INTERNAL = ("_source_file", "_source_row", "_year")
# Where each table sits in the XML return (docs/ssda903.md): nested under HEADER, or its
# fields on the HEADER itself.
XML_NESTED = {
    "Reviews": "AREVIEW",
    "Missing": "AMISSING",
    "OC2": "OC2",
    "PrevPerm": "PERMANENCE",
    "PlacedAdoption": "AD_PLACED",
}
XML_ON_HEADER = ("UASC", "OC3", "AD1")


def write_xml_return(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write these tables (as read: text) as the DfE 903 XML return, one element per line.

    The layout ``pipeline.read.xml903`` reads (docs/ssda903.md); tables the XML does not carry
    (SWEpisodes, DoLo) are left out. A care leaver with no Header row gets a HEADER of
    their OC3 fields only.
    """
    root = ET.Element("EXPSSDA903")
    by_child: dict[str, dict[str, list[dict]]] = {}
    order: list[str] = []
    for name, df in tables.items():
        if name in ("SWEpisodes", "DoLo"):
            continue
        for row in df.drop(columns=list(_INTERNAL), errors="ignore").to_dict("records"):
            if row["CHILD"] not in by_child:
                by_child[row["CHILD"]] = {}
                order.append(row["CHILD"])
            by_child[row["CHILD"]].setdefault(name, []).append(row)
    for child_id in order:
        rows = by_child[child_id]
        child = ET.SubElement(root, "CHILD")
        header = ET.SubElement(child, "HEADER")
        fields = {"CHILD": child_id}
        for name in ("Header", *XML_ON_HEADER):
            for row in rows.get(name, []):
                fields.update({k: v for k, v in row.items() if v or k not in fields})
        if "OC3" in rows and "Header" not in rows:
            fields = {
                k: v
                for k, v in fields.items()
                if k in {"CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"}
            }
        if "UASC" in rows:
            fields["UASC"] = "1"
        for k, v in fields.items():
            ET.SubElement(header, "CHILDID" if k == "CHILD" else k).text = v or None
        for name, tag in XML_NESTED.items():
            for row in rows.get(name, []):
                el = ET.SubElement(header, tag)
                for k, v in row.items():
                    if k not in ("CHILD", "DOB"):
                        ET.SubElement(el, k).text = v or None
        for row in rows.get("Episodes", []):
            el = ET.SubElement(child, "EPISODE")
            for k, v in row.items():
                if k != "CHILD":
                    ET.SubElement(el, "PL" if k == "PLACE" else k).text = v or None
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _excel_date(text: str):
    """A dd/mm/yyyy date as an Excel date; any other text (an ISO date ...) stays text."""
    import datetime as dt

    try:
        return dt.datetime.strptime(text, "%d/%m/%Y")
    except ValueError:
        return text


def write_workbook(tables: dict[str, pd.DataFrame], path: Path) -> None:
    """Write these tables (as read: text) as one Excel workbook, a sheet per table.

    Dates are Excel dates, as an analyst's workbook holds them; a notes sheet and a hidden
    scratch sheet are added, as real workbooks have them (the reader must skip both).
    """
    import openpyxl

    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes["A1"] = "Exported from the case management system"
    for name, df in tables.items():
        ws = wb.create_sheet(name)
        t = schema.ALL_TABLES[name]
        cols = [c for c in df.columns if c not in _INTERNAL]
        ws.append(cols)
        for row in df[cols].itertuples(index=False):
            ws.append(
                [
                    _excel_date(v) if c in t.dates and v else v
                    for c, v in zip(cols, row, strict=True)
                ]
            )
    scratch = wb.create_sheet("scratch")
    scratch["A1"] = "CHILD"
    scratch.sheet_state = "hidden"
    wb.save(path)


# -- synthetic reference tables (explore-education-statistics form) ---------------------------

_EES_GEO = [
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "country_name",
    "region_code",
    "region_name",
    "old_la_code",
    "la_name",
    "new_la_code",
]


def _geo(
    year: int,
    level: str,
    la: tuple[str, str, str, str] | None = None,
    region: tuple[str, str] | None = None,
) -> list[str]:
    row = [str(year), "Reporting year", level, "E92000001", "England", "", "", "", "", ""]
    if region:
        row[5], row[6] = region
    if la:
        row[5], row[6], row[7], row[8] = la[2], la[3], la[0], la[1]
        row[9] = f"E0{la[0]}"
    return row


def _neighbours(la: SyntheticAuthority) -> list[tuple[str, str, str, str]]:
    """Ten fictional neighbours per authority (the other synthetic ones first)."""
    others = [(a.code, a.name, a.region_code, a.region) for a in AUTHORITIES if a.code != la.code]
    extra = [
        (f"Y{i:02d}", f"Fictional Neighbour {i}", la.region_code, la.region) for i in range(1, 8)
    ]
    return (others + extra)[:10]


def write_reference(ref_dir: Path) -> None:
    """Synthetic England, region, authority and neighbour tables in the DfE CSV form."""
    ref_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    regions = sorted({(a.region_code, a.region) for a in AUTHORITIES})
    las = {a.code: (a.code, a.name, a.region_code, a.region) for a in AUTHORITIES}
    for a in AUTHORITIES:
        for n in _neighbours(a):
            las.setdefault(n[0], n)
    pop_rows, cla_rows = [], []
    for year in range(2012, 2027):
        growth = 1 + 0.004 * (year - 2020)
        pop_rows.append(
            _geo(year, "National") + ["Children aged 0 to 17 years", str(int(12_183_016 * growth))]
        )
        for reg in regions:
            pop_rows.append(
                _geo(year, "Regional", region=reg)
                + ["Children aged 0 to 17 years", str(int(1_100_000 * growth))]
            )
        for code, la in las.items():
            syn = next((a for a in AUTHORITIES if a.code == code), None)
            base = (
                syn.cla_target / syn.rate_per_10k * 10_000 if syn else 40_000 + 3000 * int(code[1:])
            )
            pop_rows.append(
                _geo(year, "Local authority", la=la)
                + ["Children aged 0 to 17 years", str(int(base * growth))]
            )
        if year >= 2016:
            for level, geo, rate in [("National", {}, 67 + (year - 2020) * 0.6)] + [
                ("Regional", {"region": reg}, 75 + i * 12 + (year - 2020))
                for i, reg in enumerate(regions)
            ]:
                pop = 12_183_016 if level == "National" else 1_100_000
                for ptype, share in (
                    ("Children looked after on 31 March each year", 1.0),
                    ("Children starting to be looked after each year", 0.4),
                    ("Children ceasing to be looked after each year", 0.42),
                ):
                    r = rate * share
                    cla_rows.append(
                        _geo(year, level, **geo)
                        + [
                            ptype,
                            str(int(pop * growth)),
                            str(int(round(pop * growth * r / 10_000, -1))),
                            str(round(r)),
                        ]
                    )
            for code, la in las.items():
                if code.startswith("Y"):
                    rate = 55 + rng.integers(0, 60)
                    pop = 40_000 + 3000 * int(code[1:])
                    cla_rows.append(
                        _geo(year, "Local authority", la=la)
                        + [
                            "Children looked after on 31 March each year",
                            str(pop),
                            str(int(pop * rate / 10_000)),
                            str(rate),
                        ]
                    )
    ons_cols = [*_EES_GEO[:8], "new_la_code", "la_name", "age_group", "population_estimate"]
    pd.DataFrame(pop_rows, columns=_EES_GEO + ["age_group", "population_estimate"])[
        ons_cols
    ].to_csv(ref_dir / "ons_mid-year_population_estimates_synthetic.csv", index=False)
    pd.DataFrame(
        cla_rows,
        columns=_EES_GEO
        + ["population_type", "population_estimate", "children_count", "rate_per_10000"],
    ).to_csv(ref_dir / "cla_number_and_rate_per_10k_children_synthetic.csv", index=False)
    _write_outcome_references(ref_dir, las, regions)
    _write_all_pupils(ref_dir, [a.code for a in AUTHORITIES])
    # England's national profile, shaped like DfE's characteristics table (k: under 0.5%).
    profiles = {
        "Age group": {
            "Under 1 year": 5,
            "1 to 4 years": 14,
            "5 to 9 years": 18,
            "10 to 15 years": 38,
            "16 years and over": 25,
        },
        "Gender": {"Female": 43, "Male": 57},
        "Ethnicity": {
            "1. Total White": 72,
            "2. Total Mixed or Multiple ethnic groups": 10,
            "3. Total Asian or Asian British": 5,
            "3d. Chinese": "k",
            "4. Total Black, African, Caribbean or Black British": 7,
            "5. Total other ethnic group": 5,
            "6. Total refused or information not yet available": 1,
        },
        "Legal status": {
            "Care orders": 76,
            "Placement order granted": 5,
            "Voluntary agreements under S20 CA 1989": 19,
            "Youth justice legal statuses": "k",
            "Detained for child protection": "k",
        },
        "Placement": {
            "1. Total foster placements": 68,
            "2. Total placed for adoption": 2,
            "3. Total placed with parents or other person with parental responsibility": 7,
            "4. Total other placements in the community": 3,
            "4a Living independently": 3,
            "5. Total secure units, children's homes and semi-independent living accommodation": 17,
            "5d Semi-independent living accommodation not subject to children's homes "
            "regulations": 8,
            "6. Total other residential settings": 2,
            "7. Total residential schools": "k",
            "8. Total other placements": 1,
        },
    }
    small = {"3d. Chinese": 100, "Youth justice legal statuses": 260,
             "Detained for child protection": 50,
             "7. Total residential schools": 100}  # fmt: skip
    prof_rows = [
        [
            str(y),
            "Reporting year",
            "National",
            "E92000001",
            "England",
            group,
            label,
            str(small[label] if pct == "k" else int(82_000 * pct / 100)),
            str(pct),
        ]
        for y in range(2016, 2025)
        for group, profile in profiles.items()
        for label, pct in {**profile, "Total children": 100}.items()
    ]
    pd.DataFrame(
        prof_rows,
        columns=[
            "time_period",
            "time_identifier",
            "geographic_level",
            "country_code",
            "country_name",
            "cla_group",
            "characteristic",
            "number",
            "percentage",
        ],
    ).to_csv(ref_dir / "national_cla_on_31_march_by_characteristics_synthetic.csv", index=False)
    sn = []
    for a in AUTHORITIES:
        row = [a.code, a.name, "0", a.region]
        for n in _neighbours(a):
            row += [n[0], "Close"]
        sn.append(row)
    cols = ["old_la_code", "la_name", "region_ind", "region_name"]
    for i in range(1, 11):
        cols += [f"SN_{i}", f"SN_{i}P"]
    pd.DataFrame(sn, columns=cols).to_csv(ref_dir / "sn_model_2025_wide_synthetic.csv", index=False)


# England's published level for each comparator the synthetic tables carry (about the
# 2023-2025 values), so the demo's comparisons look like a real report's.
_ENGLAND_LEVEL = {
    "cla_during_year": 114_670,
    "placements_3plus_pct": 10,
    "long_term_stability_pct": 69,
    "sw_changes_2plus_pct": 27,
    "health_assessment_pct": 90,
    "immunisations_pct": 84,
    "dental_check_pct": 81,
    "development_check_pct": 88,
    "sdq_received_pct": 78,
    "sdq_average": 14.9,
    "sdq_normal_pct": 45,
    "sdq_borderline_pct": 13,
    "sdq_concern_pct": 42,
    "convicted_pct": 2,
    "substance_misuse_pct": 3,
    "missing_pct": 11,
    "away_pct": 2,
    "missing_incidents": 81_890,
    "adopted_pct": 9,
    "sgo_pct": 12,
    "care_leavers_in_touch_pct_17_18": 93,
    "care_leavers_eet_pct_17_18": 64,
    "care_leavers_suitable_accom_pct_17_18": 91,
    "care_leavers_in_touch_pct_19_21": 92,
    "care_leavers_eet_pct_19_21": 54,
    "care_leavers_suitable_accom_pct_19_21": 89,
    "ks2_read_exs_pct": 51,
    "ks2_writ_exs_pct": 45,
    "ks2_math_exs_pct": 46,
    "ks2_rwm_exs_pct": 35,
    "ks4_att8_avg": 17.3,
    "ks4_em4_pct": 17.4,
    "ks4_em5_pct": 7.9,
    # Last: each entry draws from the same random numbers, so a new one goes at the end and
    # leaves every earlier comparator as it was.
    "returned_home_planned_pct": 17,
}
# All pupils in England (LAIT), for the attainment gaps.
_ALL_PUPILS_LEVEL = {
    "KS2R_Expected_STD": 75,
    "KS2W_Teacher_Assess": 72,
    "KS2M_Expected_STD": 74,
    "KS2RWM_Expected_STD": 62,
    "AVG_Attain8_Score": 46.0,
    "EngMaths9-4": 65.0,
    "EngMaths9-5": 46.0,
    "AVG_Prog8_Score": -0.03,
    "KS1R_Expected_STD": 68,
    "KS1W_Expected _STD": 60,
    "KS1M_Expected _STD": 70,
}


def _write_outcome_references(ref_dir: Path, las: dict, regions: list) -> None:
    """One synthetic file per published outcome measure, in its DfE columns and rows."""
    from pipeline.read.reference import SOURCES

    rng = np.random.default_rng(11)
    for ind, level in _ENGLAND_LEVEL.items():
        src = SOURCES[ind]
        filters = dict(src.filters)
        is_count = ind in ("cla_during_year", "missing_incidents")
        # The SDQ bands split one group: the same shares everywhere, so they add to 100.
        bands = ind in ("sdq_normal_pct", "sdq_borderline_pct", "sdq_concern_pct")
        rows = []
        for year in range(2016, 2027):
            drift = 1 if bands else 1 + 0.01 * (year - 2021)
            geos = [("National", {}, level * drift)]
            geos += [
                (
                    "Regional",
                    {"region": reg},
                    # A region's year holds more children than its 31 March (written by
                    # write_reference: 1.1 million children at 75 + 12 i per 10,000).
                    1_100_000
                    * (1 + 0.004 * (year - 2020))
                    * (75 + i * 12 + year - 2020)
                    / 10_000
                    * 1.37
                    if ind == "cla_during_year"
                    else level
                    * drift
                    * (0.07 if is_count else 1 if bands else rng.uniform(0.9, 1.1)),
                )
                for i, reg in enumerate(regions)
            ]
            geos += [
                (
                    "Local authority",
                    {"la": la},
                    level * drift * (0.006 if is_count else 1 if bands else rng.uniform(0.8, 1.2)),
                )
                for code, la in las.items()
                if code[0] == "Y"
            ]
            for level_name, geo, v in geos:
                v = min(v, 100) if "_pct" in ind else v
                decimal = ind == "sdq_average" or ind.startswith("ks4")
                # DfE rounds England's and regions' counts to the nearest 10.
                if is_count and level_name != "Local authority":
                    v = round(v, -1)
                shown = f"{v:.1f}" if decimal else str(int(round(v)))
                cells = _geo(year, level_name, **geo)
                if src.academic:
                    cells[0], cells[1] = year_label(year - 1, ""), "Academic year"
                rows.append(cells + list(filters.values()) + [shown])
        cols = _EES_GEO + list(filters) + [src.value]
        pd.DataFrame(rows, columns=cols).to_csv(ref_dir / f"synthetic_{ind}.csv", index=False)


def _write_all_pupils(ref_dir: Path, las: list[str]) -> None:
    """A synthetic LAIT long table with all pupils' attainment (England = 970)."""
    rng = np.random.default_rng(13)
    rows = []
    for code, level in _ALL_PUPILS_LEVEL.items():
        for year in range(2016, 2027):
            rows.append([code, str(year), "England", "970", str(level)])
            for la in las:
                v = level + (rng.normal(0, 0.1) if code == "AVG_Prog8_Score" else rng.normal(0, 3))
                rows.append([code, str(year), la, la, str(round(v, 2))])
    pd.DataFrame(
        rows, columns=["Short Desc", "Years", "LA and Regions", "LA Number", "Values"]
    ).to_parquet(ref_dir / "lait_synthetic.parquet", index=False)


def generate(raw_root: Path, ref_dir: Path, codes: list[str] | None = None) -> list[str]:
    """Write the synthetic authorities' returns and reference tables; return the codes."""
    chosen = [a for a in AUTHORITIES if codes is None or a.code in codes]
    for la in chosen:
        write_authority(la, raw_root)
    write_reference(ref_dir)
    return [a.code for a in chosen]
