"""ID numbers, social credit codes and area codes are valid, unique and consistent."""

from __future__ import annotations

import numpy as np
from stdnum.cn import ric

from jiuzhu.registry import areas, validation
from jiuzhu.synth import ids
from jiuzhu.synth.places import birth_codes, valid_in_year


def test_every_id_number_is_valid_by_stdnum_and_unique(db):
    persons = db.execute("SELECT id_number FROM persons").fetchall()
    supporters = db.execute("SELECT DISTINCT id_number FROM supporters").fetchall()
    numbers = [r[0] for r in persons] + [r[0] for r in supporters]
    for number in numbers:
        validation.check_id_number(number)  # raises on any invalid number
    assert len(set(numbers)) == len(numbers)
    assert len(persons) > 10_000


def test_sex_and_birth_date_agree_with_the_id_number(db):
    rows = db.execute("SELECT id_number, sex, birth_date FROM persons").fetchall()
    for number, sex, birth in rows:
        assert validation.sex_of(number).value == sex
        assert validation.birth_date_of(number) == birth


def test_the_vectorised_check_digit_equals_stdnums():
    rng = np.random.default_rng(3)
    first17 = rng.integers(10**16, 10**17, 2_000)
    ours = ids.ric_check_chars(first17)
    for number, check in zip(first17, ours, strict=True):
        assert check == ric.calc_check_digit(f"{number}0")


def test_id_area_codes_follow_the_district_history():
    codes = birth_codes("500111")
    home = {year: int(codes.home_for(np.array([year]))[0]) for year in (1960, 1990, 2005, 2015)}
    assert home == {1960: 512126, 1990: 510230, 2005: 500225, 2015: 500111}
    for year in range(1920, 2026):
        for code in codes.fallback[year - 1900][:50]:
            assert valid_in_year(int(code), year)


def test_order_codes_never_repeat_across_chunks():
    alloc = ids.IdAllocator()
    birth = np.full(600, np.datetime64("1990-05-01"))
    code = np.full(600, 500111)
    male = np.arange(600) % 2 == 0
    first = alloc.allocate(code[:300], birth[:300], male[:300])
    second = alloc.allocate(code[300:], birth[300:], male[300:])
    seq = np.concatenate([first, second])
    for sex in (True, False):
        got = seq[male == sex]
        assert sorted(got) == list(range(300))
    # The group of a sex on one date and county holds 499 numbers; beyond that: -1 (full).
    more = alloc.allocate(np.full(400, 500111), np.full(400, np.datetime64("1990-05-01")), np.ones(400, bool))
    assert (more[:199] >= 300).all() and (more[199:] == -1).all()


def test_unified_social_credit_codes_are_valid(db):
    codes = [r[0] for r in db.execute(
        "SELECT uscc FROM businesses UNION ALL SELECT uscc FROM dep_market_regulation "
        "UNION ALL SELECT employer_uscc FROM dep_social_security").fetchall()]
    assert codes
    for code in codes:
        validation.check_uscc(code)
    registered = [r[0] for r in db.execute("SELECT uscc FROM dep_market_regulation").fetchall()]
    assert len(set(registered)) == len(registered)


def test_area_codes_are_official_or_synthetic_villages(db):
    rows = db.execute("SELECT code, level, parent_code, name, source FROM areas").fetchall()
    by_code = {r[0]: r for r in rows}
    assert by_code["500000"][1] == 1 and by_code["500111"][1:3] == (3, "500000")
    for code, level, parent, name, source in rows:
        if level == 5:
            assert areas.SYNTHETIC_VILLAGE_CODE.match(code) and source == "synthetic"
            assert name.endswith("(合成)") and name.startswith(areas.lookup(parent).name)
            assert code[:9] == parent
        else:
            official = areas.lookup(code)
            assert official is not None and official.name == name and source == areas.OFFICIAL_SOURCE
        if parent is not None:
            assert parent in by_code
    towns = {a.code for a in areas.townships_of("500111")}
    assert {r[0] for r in rows if r[1] == 4} == towns
    unknown = db.execute("SELECT count(*) FROM households WHERE area_code NOT IN (SELECT code FROM areas "
                         "WHERE level = 5)").fetchone()[0]
    assert unknown == 0


def test_bank_accounts_and_plates_are_unique(db):
    accounts = db.execute("SELECT count(*), count(DISTINCT account_no) FROM dep_banks").fetchone()
    plates = db.execute("SELECT count(*), count(DISTINCT plate) FROM dep_vehicles").fetchone()
    assert accounts[0] == accounts[1] and plates[0] == plates[1]
    assert db.execute("SELECT bool_and(account_no LIKE '9955%') FROM dep_banks").fetchone()[0]
