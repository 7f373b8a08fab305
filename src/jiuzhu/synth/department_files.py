"""Writing a drawn chunk to the departments' raw records (the truth, keyed by ID number) and to the
planted differences between those and what households declared. No random draw here."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jiuzhu.synth import economy, ids, planted, population
from jiuzhu.synth.draw import Chunk
from jiuzhu.synth.setting import Setting
from jiuzhu.synth.writers import Writers, decimals


def write(w: Writers, s: Setting, ch: Chunk) -> None:
    """Every department file but the deaths (planted later by enrol_by_rules), and the differences."""
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
    _registers(w, s, ch, who)
    _differences(w, s, ch)


def _registers(w: Writers, s: Setting, ch: Chunk, who) -> None:
    """户籍, unemployment benefit, work-injury care pay, medical insurance, housing fund, marriages, schools:
    copied from the truth where the registry holds the fact, else from jiuzhu.synth.department_draws."""
    pp, inc, refd = ch.pp, ch.inc, s.refd
    months = np.array(s.months, dtype=object)
    everyone = np.arange(pp["P"])
    w.write("departments/hukou.parquet", who(everyone) | dict(
        hukou_area_code=pp["hukou_area"], urban=pp["hukou_urban"], registered_on=ch.hukou_on,
        status=np.full(pp["P"], "正常", dtype=object)))
    uc = economy.CAT["unemployment_benefit"]
    rp, rm = np.nonzero(inc.present[:, :, uc])
    w.write("departments/unemployment.parquet", who(rp) | dict(month=months[rm], benefit_fen=inc.amount[rp, rm, uc]))
    injured = np.nonzero(pp["work_injury_care"])[0]
    rp, rm = np.repeat(injured, ch.M), np.tile(np.arange(ch.M), len(injured))
    grade = pp["dis_grade"][rp]
    w.write("departments/work_injury.parquet", who(rp) | dict(
        month=months[rm], injury_grade=grade, care_level=CARE_LEVEL[grade],
        care_fen=economy.fen(float(s.cfg.work_injury_wage_base)) * CARE_SHARE[grade] // 100))
    m = ch.medical
    w.write("departments/medical_insurance.parquet", who(m["person"]) | dict(
        month=months[m["month"]], out_of_pocket_fen=m["out_of_pocket_fen"], fund_paid_fen=m["fund_paid_fen"]))
    f = ch.fund
    k = len(f["person"])
    w.write("departments/housing_fund.parquet", who(f["person"]) | dict(
        account_no=ids.padded(ids.scramble(f["serial"], 10**12, s.salt["fund"]), 12),
        employer_uscc=s.employers.uscc[pp["employer"][f["person"]]], balance_fen=f["balance_fen"],
        monthly_deposit_fen=f["deposit_fen"], status=np.full(k, "正常", dtype=object), as_of=np.full(k, refd)))
    r = ch.marriages
    a, b = np.concatenate([r["a"], r["b"]]), np.concatenate([r["b"], r["a"]])
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    spouse = who(b)
    w.write("departments/marriage.parquet", who(a) | dict(
        marital_status=np.full(len(a), "married", dtype=object), spouse_id_number=spouse["id_number"],
        spouse_name=spouse["name"], registered_on=np.concatenate([r["registered_on"]] * 2)[order]))
    e = ch.schools
    w.write("departments/education.parquet", who(e["person"]) | dict(
        school_level=e["level"], enrolled=e["enrolled"], school_name=e["school_name"],
        as_of=np.full(len(e["person"]), refd)))


# 生活护理费 (工伤保险条例 art. 34) by the disability grade the work injury left: 50 % of the average wage for
# 生活完全不能自理, 40 % for 大部分不能自理 (30 % for 部分, grade 3, not drawn: care pay is drawn for grades 1-2).
CARE_LEVEL = np.array([None, "完全不能自理", "大部分不能自理", "部分不能自理"], dtype=object)
CARE_SHARE = np.array([0, 50, 40, 30], dtype=np.int64)


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
