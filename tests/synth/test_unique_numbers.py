"""Synthetic ID numbers and household numbers never collide across districts and seeds, nor with the
README's example household; what falls outside the guarantee is refused before any work."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.errors import JiuzhuError
from jiuzhu.registry import validation
from jiuzhu.registry.schemas import Household
from jiuzhu.synth import generate, ids, limits, population
from jiuzhu.synth.birthplace import FIRST_YEAR, birth_codes, chongqing_districts, code_owner
from jiuzhu.synth.numbering import Numbering
from tests.conftest import EXAMPLE

SMALL = dict(households=300, month="2025-08", months=3, chunk_households=150)


def _numbers(out) -> set[str]:
    con = duckdb.connect()
    rows = con.sql(f"""SELECT id_number FROM read_parquet('{out}/registry/persons.parquet')
                       UNION SELECT id_number FROM read_parquet('{out}/registry/supporters.parquet')""").fetchall()
    return {r[0] for r in rows}


def _household_numbers(out) -> set[str]:
    rows = duckdb.sql(f"SELECT household_no FROM read_parquet('{out}/registry/households.parquet')").fetchall()
    return {r[0] for r in rows}


def test_two_districts_and_two_seeds_share_no_id_nor_household_number(tmp_path, snapshot):
    """大足 with two seeds, 沙坪坝 with one of them, and the session's 大足 (seed 5): pairwise disjoint."""
    slots = {("500111", 3): tmp_path / "a", ("500111", 4): tmp_path / "b", ("500106", 3): tmp_path / "c",
             ("500111", 5): snapshot[0]}
    for (district, seed), out in slots.items():
        if out != snapshot[0]:
            generate(district=district, seed=seed, out_dir=out, **SMALL)
    numbers = {slot: _numbers(out) for slot, out in slots.items()}
    households = {slot: _household_numbers(out) for slot, out in slots.items()}
    for slot, got in numbers.items():
        assert len(got) > 500 and {ids.slot_of(n) for n in got} == {slot}  # each number tells its slot
    seen: dict[str, tuple] = {}
    for slot in slots:
        for number in numbers[slot]:
            assert seen.setdefault(number, slot) == slot, (number, slot, seen[number])
        for number in households[slot]:
            assert seen.setdefault(number, slot) == slot, (number, slot, seen[number])


people = st.lists(st.tuples(st.dates(min_value=dt.date(FIRST_YEAR, 1, 1), max_value=dt.date(2025, 8, 31)),
                            st.booleans()), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(chongqing_districts()), st.integers(0, ids.MAX_SEED), people, st.integers(0, 2**32 - 1))
def test_every_id_number_belongs_to_its_district_and_seed(district, seed, persons, draw_seed):
    """The law of the ID function: a number made for (district, seed) is valid, carries the person's birth
    date and sex, and decodes to (district, seed) alone, so two slots can never make the same number."""
    birth = np.array([np.datetime64(d.isoformat(), "D") for d, _ in persons])
    male = np.array([m for _, m in persons])
    # Crowd one birth date so that the slot's home code fills and other codes are used too.
    birth = np.concatenate([birth, np.repeat(birth[:1], 45)])
    male = np.concatenate([male, np.repeat(male[:1], 45)])
    _, numbers = population.id_numbers(np.random.default_rng(draw_seed), birth, male, birth_codes(district),
                                       ids.IdAllocator.for_seed(seed))
    numbers = numbers.to_pylist()
    assert len(set(numbers)) == len(numbers)
    for number, b, m in zip(numbers, birth, male, strict=True):
        validation.check_id_number(number)
        assert validation.birth_date_of(number).isoformat() == str(b)
        assert (validation.sex_of(number).value == "M") == m
        assert ids.slot_of(number) == (district, seed)
        assert code_owner(int(number[:6]), int(number[6:10])) == district


def test_order_blocks_of_seeds_are_disjoint_and_leave_the_examples_block_free():
    taken: dict[int, int] = {}
    for seed in range(ids.MAX_SEED + 1):
        first, size = ids.seed_block(seed)
        for seq in range(first, first + size):
            assert taken.setdefault(seq, seed) == seed
            assert ids.seed_of_seq(seq) == seed
    assert min(taken) == ids.RESERVED_SEQ == 5 and max(taken) < ids.MAX_ORDER_SEQ
    assert all(ids.seed_of_seq(seq) is None for seq in range(ids.RESERVED_SEQ))  # order codes 001-010
    alloc = ids.IdAllocator.for_seed(12)  # two numbers per county, date and sex
    got = alloc.allocate(np.full(3, 500111), np.full(3, np.datetime64("2015-06-20")), np.ones(3, bool))
    assert got.tolist() == [ids.seed_block(12)[0], ids.seed_block(12)[0] + 1, -1]


def test_every_code_of_a_birth_year_has_one_owner_and_each_district_has_room():
    for year in (1925, 1958, 1990, 2005, 2024):
        owners = {}
        for district in chongqing_districts():
            for code in birth_codes(district).owned[year - FIRST_YEAR].tolist():
                assert owners.setdefault(code, district) == district
                assert code_owner(code, year) == district
        assert len(owners) > 2000  # every county of the country, dealt out


def test_each_slot_holds_its_largest_allowed_district_with_room_to_spare(db):
    """Capacity: a slot's order codes on the codes it owns, per birth date and sex, against the densest birth
    year of a generated district scaled to the largest size allowed, with a margin of 2."""
    persons = db.execute("SELECT count(*) FROM persons").fetchone()[0]
    households = db.execute("SELECT count(*) FROM households").fetchone()[0]
    densest = db.execute("""SELECT max(n) FROM (SELECT year(birth_date), male, count(*) AS n FROM (
                                SELECT birth_date, sex = 'M' AS male FROM persons UNION ALL
                                SELECT strptime(substr(id_number, 7, 8), '%Y%m%d'), CAST(substr(id_number, 17, 1)
                                  AS INTEGER) % 2 = 1 FROM (SELECT DISTINCT id_number FROM supporters)) GROUP BY ALL)
                         """).fetchone()[0] / 365 / households  # IDs per birth date and sex, per household
    fewest_codes = min(min(len(c) for c in birth_codes(d).owned[: 2026 - FIRST_YEAR]) for d in chongqing_districts())
    for first_seed, most in limits.MAX_HOUSEHOLDS.items():
        capacity = ids.seed_block(first_seed)[1] * fewest_codes
        assert capacity >= 2 * densest * most, (first_seed, capacity, densest * most)
    assert persons > households


@pytest.mark.parametrize(("args", "named"), [
    (dict(seed=100), "seed 100"), (dict(seed=-1), "seed -1"),
    (dict(district="510104"), "510104"), (dict(district="999999"), "999999"),
    (dict(households=limits.MAX_HOUSEHOLDS[10] + 1, seed=10), "households"),
    (dict(households=0), "households"), (dict(months=0), "months"),
])
def test_what_falls_outside_the_guarantee_is_refused_before_any_work(tmp_path, args, named):
    out = tmp_path / "never"
    with pytest.raises(JiuzhuError) as info:
        generate(**{"district": "500111", "households": 10, "seed": 1, "out_dir": out, **args})
    assert named in info.value.message and "\n" not in info.value.message
    assert not out.exists()


def test_a_refusal_speaks_chinese_by_default(tmp_path, zh):
    with pytest.raises(JiuzhuError) as info:
        generate(district="500111", households=10, seed=123, out_dir=tmp_path / "never")
    assert "种子" in info.value.message and "123" in info.value.message


def test_the_readme_household_is_never_synthetic(tmp_path, snapshot):
    """Its number and its members' ID numbers are outside every slot, and the demo's district (大足, seed 1)
    has neither; so importing it after `./dev demo` adds a household."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    Household.model_validate(example)
    members = [m["id_number"] for m in example["members"]]
    assert all(ids.slot_of(number) is None for number in members)
    assert "-S" not in example["household_no"]
    generate(district="500111", seed=1, out_dir=tmp_path / "demo", **SMALL)
    for out in (tmp_path / "demo", snapshot[0]):
        assert example["household_no"] not in _household_numbers(out)
        assert not set(members) & _numbers(out)
        assert all("-S" in no for no in _household_numbers(out))


def test_household_numbers_carry_the_seed_and_fit_the_format():
    numbering = Numbering(seed=7, townships=2)
    first = numbering.household_numbers(np.array([1, 0, 1]), ["500111119", "500111120"]).to_pylist()
    again = numbering.household_numbers(np.array([1]), ["500111119", "500111120"]).to_pylist()
    assert first == ["500111120-S07-000001", "500111119-S07-000001", "500111120-S07-000002"]
    assert again == ["500111120-S07-000003"]
    for number in first + again:
        Household.model_validate({**json.loads(EXAMPLE.read_text(encoding="utf-8")), "household_no": number})
