"""Writing a drawn chunk to the department files of issue 13: 户籍, unemployment benefit, work-injury care pay,
medical insurance, housing provident fund, marriages, schools (funeral: jiuzhu.synth.enrol_by_rules, with the
deaths). Copied from the truth where the registry holds the fact, else from jiuzhu.synth.department_draws; no
random draw here. Columns and ranges: jiuzhu.exchange.records."""

from __future__ import annotations

import numpy as np

from jiuzhu.synth import economy, ids
from jiuzhu.synth.draw import Chunk
from jiuzhu.synth.setting import Setting
from jiuzhu.synth.writers import Writers

# 生活护理费 (工伤保险条例 art. 34) by the disability grade the work injury left: 50 % of the average wage for
# 生活完全不能自理, 40 % for 大部分不能自理 (30 % for 部分, grade 3, not drawn: care pay is drawn for grades 1-2).
CARE_LEVEL = np.array([None, "完全不能自理", "大部分不能自理", "部分不能自理"], dtype=object)
CARE_SHARE = np.array([0, 50, 40, 30], dtype=np.int64)


def write(w: Writers, s: Setting, ch: Chunk, who) -> None:
    """``who(indices)``: the persons' ID numbers and names (department_files.write)."""
    _public_registers(w, s, ch, who)
    _social_insurance(w, s, ch, who)
    _housing_fund(w, s, ch, who)


def _public_registers(w: Writers, s: Setting, ch: Chunk, who) -> None:
    """户籍 (everyone, status 正常 until enrol_by_rules cancels the dead), marriages (both partners, each
    pointing at the other), schools."""
    pp = ch.pp
    w.write("departments/hukou.parquet", who(np.arange(pp["P"])) | dict(
        hukou_area_code=pp["hukou_area"], urban=pp["hukou_urban"], registered_on=ch.hukou_on,
        status=np.full(pp["P"], "正常", dtype=object)))
    r = ch.marriages
    a, b = np.concatenate([r["a"], r["b"]]), np.concatenate([r["b"], r["a"]])
    order = np.argsort(a, kind="stable")
    spouse = who(b[order])
    w.write("departments/marriage.parquet", who(a[order]) | dict(
        marital_status=np.full(len(a), "married", dtype=object), spouse_id_number=spouse["id_number"],
        spouse_name=spouse["name"], registered_on=np.concatenate([r["registered_on"]] * 2)[order]))
    e = ch.schools
    w.write("departments/education.parquet", who(e["person"]) | dict(
        school_level=e["level"], enrolled=e["enrolled"], school_name=e["school_name"],
        as_of=np.full(len(e["person"]), s.refd)))


def _social_insurance(w: Writers, s: Setting, ch: Chunk, who) -> None:
    """A row per person and month paid: unemployment benefit (the truth: the registry's, and the undeclared
    ones planted), work-injury care pay (the registry's recipients, every month), medical costs."""
    pp, inc = ch.pp, ch.inc
    months = np.array(s.months, dtype=object)
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


def _housing_fund(w: Writers, s: Setting, ch: Chunk, who) -> None:
    """One account per person paid into, numbered by the run's ``fund`` serials (12 digits, unique)."""
    f = ch.fund
    k = len(f["person"])
    w.write("departments/housing_fund.parquet", who(f["person"]) | dict(
        account_no=ids.padded(ids.scramble(f["serial"], 10**12, s.salt["fund"]), 12),
        employer_uscc=s.employers.uscc[ch.pp["employer"][f["person"]]], balance_fen=f["balance_fen"],
        monthly_deposit_fen=f["deposit_fen"], status=np.full(k, "正常", dtype=object), as_of=np.full(k, s.refd)))
