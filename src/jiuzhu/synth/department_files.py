"""Writing a drawn chunk to the departments' raw records (the truth, keyed by ID number) and to the
planted differences between those and what households declared. No random draw here."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.synth import department_registers, economy, ids, planted, population
from jiuzhu.synth.draw import Chunk
from jiuzhu.synth.setting import Setting
from jiuzhu.synth.writers import Writers, decimals


def write(w: Writers, s: Setting, ch: Chunk) -> None:
    """Every department file but the deaths and the funeral homes' (planted later by enrol_by_rules), and the
    differences."""
    idn, nm = ch.pp["id_number"], ch.pp["name"]

    def who(idx):
        idx = pa.array(np.asarray(idx, dtype=np.int64))
        return dict(id_number=pc.take(idn, idx), name=pc.take(nm, idx))

    _finance(w, s, ch, who)
    v = ch.vehicles
    sel = ~v["mobility"]
    w.write("departments/vehicles.parquet", who(v["person"][sel]) | dict(
        plate=v["plate"][sel], vehicle_type=v["kind"][sel], registered_on=v["registered_on"][sel],
        status=np.full(int(sel.sum()), "正常", dtype=object)))
    e = ch.estate
    w.write("departments/real_estate.parquet", who(e["person"]) | dict(
        certificate_no=e["certificate"], location=e["location"], use=e["use"],
        floor_area_m2=decimals(e["area_centi"]), registered_on=e["registered_on"]))
    _work(w, s, ch, who)
    b = ch.businesses
    w.write("departments/market_regulation.parquet", dict(
        uscc=b["uscc"], name=b["name"], entity_type=np.full(len(b["person"]), "个体工商户", dtype=object),
        legal_rep_id_number=who(b["person"])["id_number"], legal_rep_name=who(b["person"])["name"],
        registered_capital_fen=b["capital_fen"], established_on=b["established_on"],
        status=np.full(len(b["person"]), "存续", dtype=object)))
    pp = ch.pp
    dis = np.nonzero(pp["dis_grade"] > 0)[0]
    cert = population.certificate_numbers(pp)
    w.write("departments/disability_federation.parquet", who(dis) | dict(
        certificate_no=pc.take(cert, pa.array(dis)), category=pp["dis_category"][dis],
        grade=pp["dis_grade"][dis], valid_from=pp["dis_from"][dis], valid_to=pp["dis_to"][dis]))
    department_registers.write(w, s, ch, who)
    _differences(w, s, ch)


def _finance(w: Writers, s: Setting, ch: Chunk, who) -> None:
    """Banks, securities firms and insurers: every account, declared or not, as of the reference date."""
    a, refd = ch.assets, s.refd
    for kind, rel in (("deposit", "banks"), ("securities", "securities"), ("insurance_cash_value", "insurers")):
        sel = a["kind"] == kind
        k = int(sel.sum())
        cols = who(a["person"][sel])
        if kind == "deposit":
            cols |= dict(bank=a["institution"][sel], account_no=ids.bank_accounts(a["serial"][sel], s.salt["account"]),
                         account_type=a["account_type"][sel], balance_fen=a["amount_fen"][sel],
                         as_of=np.full(k, refd))
        elif kind == "securities":
            acct = ids.bank_accounts(a["serial"][sel], s.salt["account"] + 1)
            cols |= dict(firm=a["institution"][sel], account_no=pc.utf8_slice_codeunits(acct, 7),
                         market_value_fen=a["amount_fen"][sel], as_of=np.full(k, refd))
        else:
            acct = ids.bank_accounts(a["serial"][sel], s.salt["policy"])
            policy_no = pc.binary_join_element_wise(pa.scalar("P"), pc.utf8_slice_codeunits(acct, 4), "")
            cols |= dict(insurer=a["institution"][sel], policy_no=policy_no,
                         cash_value_fen=a["amount_fen"][sel], as_of=np.full(k, refd))
        w.write(f"departments/{rel}.parquet", cols)


def _work(w: Writers, s: Setting, ch: Chunk, who) -> None:
    """Pensions, social-security contributions and tax withheld on wages, by month."""
    inc, pp = ch.inc, ch.pp
    months = np.array(s.months, dtype=object)
    pc_, cc = economy.CAT["pension"], economy.CAT["basic_pension_central"]
    rp, rm = np.nonzero(inc.present[:, :, pc_] | inc.present[:, :, cc])
    resident = inc.present[rp, rm, cc]
    w.write("departments/pensions.parquet", who(rp) | dict(
        month=months[rm], scheme=np.where(resident, "resident", "employee").astype(object),
        amount_fen=inc.amount[rp, rm, pc_] * inc.present[rp, rm, pc_] + inc.amount[rp, rm, cc] * resident,
        central_basic_fen=pa.array(inc.amount[rp, rm, cc], pa.int64(), mask=~resident)))
    wc = economy.CAT["wages"]
    rp, rm = np.nonzero(inc.present[:, :, wc] & pp["formal"][:, None])
    wage = inc.amount[rp, rm, wc]
    emp = pp["employer"][rp]
    w.write("departments/social_security.parquet", who(rp) | dict(
        month=months[rm], employer_uscc=s.employers.uscc[emp], employer_name=s.employers.name[emp],
        wage_fen=wage, contribution_base_fen=wage))
    w.write("departments/tax.parquet", who(rp) | dict(
        month=months[rm], income_type=np.full(len(rp), "工资薪金", dtype=object),
        withholding_agent_uscc=s.employers.uscc[emp], income_fen=wage,
        tax_withheld_fen=np.maximum(wage - 500000, 0) * 3 // 100))


def _differences(w: Writers, s: Setting, ch: Chunk) -> None:
    """Each planted difference with the department's reference (employer, account, plate, USCC)."""
    rows = ch.differences
    if not rows:
        return
    a, v, b, pp = ch.assets, ch.vehicles, ch.businesses, ch.pp
    ref_text, actual_text = [], []
    for r in rows:
        kind, x = r["ref"]
        if kind == "employer":
            ref_text.append(s.employers.uscc[pp["employer"][x]])
            actual_text.append(planted.yuan(r["actual_fen"]))
        elif kind == "asset":
            ref_text.append(ids.bank_accounts(a["serial"][[x]], s.salt["account"])[0].as_py())
            actual_text.append(f"{a['institution'][x]} {planted.yuan(r['actual_fen'])}")
        elif kind == "vehicle":
            ref_text.append(v["plate"][x])
            actual_text.append(f"{v['kind'][x]} {v['plate'][x]}")
        elif kind == "business":
            ref_text.append(b["uscc"][x])
            actual_text.append(b["name"][x])
        elif kind == "amount":  # a monthly payment: the department's record is the person's month
            ref_text.append(None)
            actual_text.append(planted.yuan(r["actual_fen"]))
        else:
            ref_text.append(None)
            actual_text.append(x)
    person = np.array([r["person"] for r in rows], dtype=np.int64)
    w.write("truth/differences.parquet", dict(
        household_no=pc.take(ch.household_no, pa.array([r["hh"] for r in rows], pa.int64())),
        id_number=pc.take(pp["id_number"], pa.array(person)),
        source=np.array([r["source"] for r in rows], dtype=object),
        item=np.array([r["item"] for r in rows], dtype=object),
        month=np.array([None if r["month"] is None else s.months[r["month"]] for r in rows], dtype=object),
        declared=np.array([None if r["declared_fen"] is None else planted.yuan(r["declared_fen"])
                           for r in rows], dtype=object),
        actual=np.array(actual_text, dtype=object),
        declared_fen=pa.array([r["declared_fen"] for r in rows], pa.int64()),
        actual_fen=pa.array([r["actual_fen"] for r in rows], pa.int64()),
        reference=np.array(ref_text, dtype=object)))
