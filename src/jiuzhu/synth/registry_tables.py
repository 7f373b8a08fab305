"""Writing a drawn chunk to the registry tables and the truth: arrays → rows, ids numbered, no random draw.

Ids (from 1, across chunks), household numbers, and the identifiers derived from serial numbers (bank
accounts, plates, property certificates, business USCCs) are given here by ``Numbering``; the registry
gets what households DECLARED, the departments (``jiuzhu.synth.department_files``) what is true.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.registry.codes import INCOME_CATEGORIES, SELF_CARE_ACTIVITIES
from jiuzhu.synth import department_files, ids, population
from jiuzhu.synth.draw import Chunk
from jiuzhu.synth.numbering import Numbering
from jiuzhu.synth.population import EMPLOYMENT, SCHOOL
from jiuzhu.synth.setting import Setting
from jiuzhu.synth.writers import Writers, decimals


def write_areas(w: Writers, s: Setting) -> None:
    rows = s.place.rows
    w.write("registry/areas.parquet", dict(
        code=np.array([r.code for r in rows], dtype=object), level=np.array([r.level for r in rows]),
        parent_code=np.array([r.parent_code for r in rows], dtype=object),
        name=np.array([r.name for r in rows], dtype=object),
        source=np.array([r.source for r in rows], dtype=object)))


def write_chunk(w: Writers, s: Setting, numbering: Numbering, ch: Chunk) -> None:
    hh, pp = ch.hh, ch.pp
    n = hh["n"]
    hid = numbering.ids("households", n)
    pid = numbering.ids("persons", pp["P"])
    ch.household_no = numbering.household_numbers(hh["township"], [t.code for t in s.place.townships])
    w.write("registry/households.parquet", dict(
        id=hid, household_no=ch.household_no, area_code=hh["area_code"], address=ch.addresses, urban=hh["urban"],
        declared_on=np.full(n, np.datetime64(s.declared_on.isoformat(), "D"))))
    _persons(w, ch, pid, hid)
    _incomes(w, s, ch, pid)
    _facts(w, s, numbering, ch, pid, hid)
    _enrolments(w, numbering, ch, pid, hid)
    ch.fund["serial"] = numbering.serials("fund", len(ch.fund["person"]))
    department_files.write(w, s, ch)
    _truth(w, ch)


def _persons(w: Writers, ch: Chunk, pid: np.ndarray, hid: np.ndarray) -> None:
    pp = ch.pp
    graded = pp["dis_grade"] > 0
    person_cols = dict(
        id=pid, id_number=pp["id_number"], name=pp["name"], sex=np.where(pp["male"], "M", "F").astype(object),
        birth_date=pp["birth"], death_date=None, hukou_chongqing=pp["hukou_chongqing"],
        hukou_urban=pp["hukou_urban"], hukou_area_code=pp["hukou_area"], employment=EMPLOYMENT[pp["employment"]],
        sector=pp["sector"], school_level=SCHOOL[pp["school"]], major_illness=pp["major_illness"],
        disability_category=pp["dis_category"],
        disability_grade=pa.array(pp["dis_grade"], pa.int64(), mask=~graded),
        disability_certificate=population.certificate_numbers(pp),
        disability_valid_from=pp["dis_from"], disability_valid_to=pp["dis_to"],
        care_assessed_on=pp["care_on"],
        # recorded where it applies; absent means no such pay (docs/rules.md)
        work_injury_care=pa.array(pp["work_injury_care"], pa.bool_(), mask=~pp["work_injury_care"]))
    for act in SELF_CARE_ACTIVITIES:
        person_cols[f"can_{act}"] = pa.array(pp[f"can_{act}"], pa.bool_(), mask=~pp["care_assessed"])
    w.write("registry/persons.parquet", person_cols)
    w.write("registry/members.parquet", dict(
        person_id=pid, household_id=hid[pp["hh"]], position=pp["position"], relation=pp["relation"],
        counted=pp["counted"], exclusion_reason=pp["exclusion"]))


def _incomes(w: Writers, s: Setting, ch: Chunk, pid: np.ndarray) -> None:
    """What households declared: a row per person and month with any income."""
    inc = ch.declared
    rp, rm = np.nonzero(inc.present.any(axis=2))
    cols = dict(person_id=pid[rp], month=np.array(s.months, dtype=object)[rm])
    for c, name in enumerate(INCOME_CATEGORIES):
        cols[name] = pa.array(inc.amount[rp, rm, c], pa.int64(), mask=~inc.present[rp, rm, c])
    w.write("registry/incomes.parquet", cols)


def _facts(w: Writers, s: Setting, numbering: Numbering, ch: Chunk, pid: np.ndarray, hid: np.ndarray) -> None:
    """Assets, vehicles, homes, businesses, supporters, rigid spending, emergencies. Department-side
    identifiers are given to every true row, declared or not."""
    pp, refd = ch.pp, s.refd
    a = ch.assets
    a["serial"] = numbering.serials("account", len(a["person"]))
    d = a["declared"]
    w.write("registry/financial_assets.parquet", dict(
        id=numbering.ids("financial_assets", int(d.sum())), person_id=pid[a["person"][d]], kind=a["kind"][d],
        institution=a["institution"][d], amount_fen=a["amount_fen"][d], as_of=np.full(int(d.sum()), refd)))
    v = ch.vehicles
    v["plate"] = np.array(ids.plates(numbering.serials("plate", len(v["person"])), s.salt["plate"]).to_pylist(),
                          dtype=object)
    v["plate"][v["mobility"]] = None
    d = v["declared"]
    w.write("registry/vehicles.parquet", dict(
        id=numbering.ids("vehicles", int(d.sum())), person_id=pid[v["person"][d]], kind=v["kind"][d],
        plate=v["plate"][d], value_fen=v["value_fen"][d], mobility_for_disabled=v["mobility"][d]))
    e = ch.estate
    serial = numbering.serials("estate", len(e["person"]))
    year = e["registered_on"].astype("datetime64[Y]").astype(np.int64) + 1970
    e["certificate"] = np.array([f"渝({y}){s.place.name}不动产权第{n + 1:07d}号"
                                 for y, n in zip(year, serial, strict=True)], dtype=object)
    home_addr = ch.addresses[pp["hh"][e["person"]]]
    first = np.r_[True, e["person"][1:] != e["person"][:-1]] if len(e["person"]) else np.zeros(0, bool)
    e["location"] = np.where((e["use"] == "residential") & first, home_addr,
                             home_addr + "附" + (serial % 50 + 1).astype(str).astype(object) + "号")
    w.write("registry/real_estate.parquet", dict(
        id=numbering.ids("real_estate", len(e["person"])), person_id=pid[e["person"]], use=e["use"],
        floor_area_m2=decimals(e["area_centi"]), certificate_no=e["certificate"], location=e["location"]))
    b = ch.businesses
    b["uscc"] = np.array(ids.uscc_codes(numbering.serials("business", len(b["person"])) + s.cfg.employers,
                                        np.full(len(b["person"]), 2), s.district, s.salt["business"]).to_pylist(),
                         dtype=object)
    d = b["declared"]
    w.write("registry/businesses.parquet", dict(
        id=numbering.ids("businesses", int(d.sum())), person_id=pid[b["person"][d]], uscc=b["uscc"][d],
        name=b["name"][d], registered_capital_fen=b["capital_fen"][d]))
    r = ch.supporters
    w.write("registry/supporters.parquet", dict(
        id=numbering.ids("supporters", len(r["person"])), person_id=pid[r["person"]], name=r["name"],
        id_number=r["id_number"], relation=r["relation"], status=r["status"]))
    r = ch.rigid
    w.write("registry/rigid_spending.parquet", dict(
        id=numbering.ids("rigid_spending", len(r["person"])), household_id=hid[pp["hh"][r["person"]]],
        person_id=pid[r["person"]], month=np.array(s.months, dtype=object)[r["month"]],
        category=r["category"], amount_fen=r["amount_fen"]))
    r = ch.emergencies
    w.write("registry/emergencies.parquet", dict(
        id=numbering.ids("emergencies", len(r["household"])), household_id=hid[r["household"]],
        occurred_on=r["occurred_on"], kind=r["kind"], need_fen=r["need_fen"], note=None))


def _enrolments(w: Writers, numbering: Numbering, ch: Chunk, pid: np.ndarray, hid: np.ndarray) -> None:
    """The planted households' enrolments (``Chunk.enrolments``); enrol_by_rules adds every other."""
    r = ch.enrolments
    person = r["person"]
    person_id = pa.array(np.where(person >= 0, pid[np.maximum(person, 0)], 0), pa.int64(), mask=person < 0)
    w.write("registry/enrolments.parquet", dict(
        id=numbering.ids("enrolments", len(person)), household_id=hid[r["household"]], person_id=person_id,
        programme=r["programme"], monthly_amount_fen=r["monthly_amount_fen"], start_date=r["start_date"],
        end_date=None, last_review=r["last_review"]))


def _truth(w: Writers, ch: Chunk) -> None:
    if not ch.truth:
        return
    h = np.array([t[0] for t in ch.truth])
    w.write("truth/planted.parquet", dict(
        household_no=pc.take(ch.household_no, pa.array(h)), kind=np.array([t[1] for t in ch.truth], dtype=object),
        programme=np.array([t[2] for t in ch.truth], dtype=object),
        expected=np.array([t[3] for t in ch.truth], dtype=object),
        detail=np.array([t[4] for t in ch.truth], dtype=object)))
