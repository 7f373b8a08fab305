"""Identifiers, vectorised: resident ID numbers, unified social credit codes, plates, accounts.

Resident ID (GB 11643): 6-digit county code valid in the birth year, 8-digit birth date, 3-digit
order code (odd for men, even for women), ISO 7064 MOD 11-2 check character. The order code is
2 × seq + 1 for a man and 2 × seq + 2 for a woman, seq 0..498.

**Unique across districts and seeds.** A synthetic ID number is allocated to one (district, seed)
slot and tells which one (``slot_of``):

* its county code and birth year name the district: each code belongs to one Chongqing district per
  birth year (``jiuzhu.synth.birthplace.code_owner``), and a district uses only its own codes;
* its seq names the seed: seeds 0-9 have 30 sequence numbers each (seq 5-304), seeds 10-99 two each
  (seq 305-484), per county code, birth date and sex (``seed_block``). seq 0-4 (order codes 001-010)
  are never synthetic: they are kept for hand-written examples (the README's household uses 002-005).
  seq 485-498 are not used.

Within a slot, order codes come from counters per (county code, birth date, sex) that persist across
chunks, so no number repeats in a snapshot. Two snapshots whose (district, seed) differ therefore
never share an ID number; seeds outside 0-99 and districts outside Chongqing are refused.

Unified social credit code (GB 32100): registration authority 9 (market regulation), entity type
(1 enterprise, 2 individual business), the district code, a 9-character organisation code with its
own GB 11714 check character, and the GB 32100 check character.

Plates, bank accounts and certificate numbers are derived from serial numbers through a bijective
scramble, so they are unique in a snapshot and carry no meaning. Bank accounts start with 9955,
which no card scheme issues, so a synthetic account cannot be a real one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
RIC_CHECK = np.array(list("0123456789X"))
MAX_ORDER_SEQ = 499  # per (code, date, sex): men 001..997, women 002..998
EPOCH = np.datetime64("1900-01-01", "D")
RESERVED_SEQ = 5  # seq 0-4, order codes 001-010: never synthetic (hand-written examples)
# (first seed, last seed, sequence numbers per seed): the seeds whose ID numbers are unique.
SEED_TIERS = ((0, 9, 30), (10, 99, 2))
MAX_SEED = SEED_TIERS[-1][1]


def seed_block(seed: int) -> tuple[int, int]:
    """(first seq, how many) of ``seed``'s block of order codes; ValueError outside 0..MAX_SEED."""
    first = RESERVED_SEQ
    for low, high, size in SEED_TIERS:
        if low <= seed <= high:
            return first + (seed - low) * size, size
        first += (high - low + 1) * size
    raise ValueError(f"seed {seed} is outside 0-{MAX_SEED}")


def seed_of_seq(seq: int) -> int | None:
    """The seed whose block holds ``seq`` (None: reserved or unused)."""
    first = RESERVED_SEQ
    for low, high, size in SEED_TIERS:
        if first <= seq < first + (high - low + 1) * size:
            return low + (seq - first) // size
        first += (high - low + 1) * size
    return None


def slot_of(id_number: str) -> tuple[str, int] | None:
    """(district, seed) of a synthetic ID number, from its digits alone; None when no slot can have made it."""
    from jiuzhu.synth.birthplace import code_owner

    code, year, order = int(id_number[:6]), int(id_number[6:10]), int(id_number[14:17])
    seed = seed_of_seq((order - 1) // 2) if order > 0 else None
    district = code_owner(code, year)
    return None if seed is None or district is None else (district, seed)


def ric_check_chars(first17: np.ndarray) -> np.ndarray:
    """Check characters for 17-digit numbers given as int64 (ISO 7064 MOD 11-2)."""
    total = np.zeros(first17.shape, dtype=np.int64)
    rest = first17.astype(np.int64)
    for i in range(16, -1, -1):
        total += (rest % 10) * RIC_WEIGHTS[i]
        rest //= 10
    return RIC_CHECK[(12 - total % 11) % 11]


class IdAllocator:
    """Order codes per (county code, birth date, sex), kept across chunks, from the block of sequence
    numbers ``first .. first + size - 1`` (the whole range by default; a seed's block in a run)."""

    def __init__(self, first: int = 0, size: int = MAX_ORDER_SEQ) -> None:
        if first < 0 or size < 1 or first + size > MAX_ORDER_SEQ:
            raise ValueError(f"block {first}+{size} is outside the order codes")
        self.first, self.size = first, size
        self.keys = np.empty(0, dtype=np.int64)
        self.counts = np.empty(0, dtype=np.int64)

    @classmethod
    def for_seed(cls, seed: int) -> "IdAllocator":
        return cls(*seed_block(seed))

    @staticmethod
    def _key(codes: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
        days = (birth.astype("datetime64[D]") - EPOCH).astype(np.int64)
        return (codes.astype(np.int64) << 20) | (days << 1) | male.astype(np.int64)

    def allocate(self, codes: np.ndarray, birth: np.ndarray, male: np.ndarray) -> np.ndarray:
        """The sequence number (seq) of each person in their group's block; -1 where the block is full."""
        keys = self._key(codes, birth, male)
        order = np.argsort(keys, kind="stable")
        uniq, start, counts = np.unique(keys[order], return_index=True, return_counts=True)
        rank = np.arange(len(keys)) - np.repeat(start, counts)
        pos = np.searchsorted(self.keys, uniq)
        found = np.zeros(len(uniq), dtype=bool)
        base = np.zeros(len(uniq), dtype=np.int64)
        if len(self.keys):
            clipped = np.minimum(pos, len(self.keys) - 1)
            found = self.keys[clipped] == uniq
            base[found] = self.counts[clipped[found]]
        seq_sorted = np.repeat(base, counts) + rank
        used = np.minimum(base + counts, self.size)  # numbers handed out, per group
        self.counts[pos[found]] = used[found]
        if (~found).any():
            keys_all = np.concatenate([self.keys, uniq[~found]])
            counts_all = np.concatenate([self.counts, used[~found]])
            o = np.argsort(keys_all, kind="stable")
            self.keys, self.counts = keys_all[o], counts_all[o]
        seq = np.empty(len(keys), dtype=np.int64)
        seq[order] = np.where(seq_sorted >= self.size, -1, seq_sorted + self.first)
        return seq


def ric_numbers(codes: np.ndarray, birth: np.ndarray, male: np.ndarray, seq: np.ndarray) -> pa.Array:
    """18-character ID numbers."""
    b = birth.astype("datetime64[D]")
    years = b.astype("datetime64[Y]").astype(np.int64) + 1970
    months = b.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (b - b.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    order = np.where(male, 2 * seq + 1, 2 * seq + 2)
    first17 = codes.astype(np.int64) * 10**11 + (years * 10000 + months * 100 + days) * 1000 + order
    head = pc.cast(pa.array(first17), pa.string())
    return pc.binary_join_element_wise(head, pa.array(ric_check_chars(first17)), "")


# --- unified social credit codes ------------------------------------------------------------

USCC_ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)


def scramble(serial: np.ndarray, modulus: int, salt: int) -> np.ndarray:
    """A bijection of 0..modulus-1 (multiplier coprime to modulus), offset by ``salt``."""
    multiplier = 7_919_993 if modulus % 7_919_993 else 15_485_863
    return (serial.astype(np.int64) * multiplier + salt) % modulus


def uscc_codes(serial: np.ndarray, entity_type: np.ndarray, district: str, salt: int) -> pa.Array:
    """USCCs 9<type><district><8-digit organisation number><org check><check>."""
    org = scramble(serial, 10**8, salt)
    digits = np.stack([(org // 10 ** (7 - i)) % 10 for i in range(8)], axis=1)
    c9 = 11 - (digits * ORG_WEIGHTS).sum(axis=1) % 11  # GB 11714: 10 → X, 11 → 0
    org_check = np.where(c9 == 11, 0, c9)  # 10 stays 10 (X in both alphabets)
    values = np.zeros((len(serial), 17), dtype=np.int64)
    values[:, 0] = 9
    values[:, 1] = entity_type
    values[:, 2:8] = np.array([int(c) for c in district])
    values[:, 8:16] = digits
    values[:, 16] = np.where(org_check == 10, np.nonzero(USCC_ALPHABET == "X")[0][0], org_check)
    total = (values * USCC_WEIGHTS).sum(axis=1)
    check = USCC_ALPHABET[(31 - total % 31) % 31]
    chars = USCC_ALPHABET[np.concatenate([values, np.zeros((len(serial), 1), dtype=np.int64)], axis=1)]
    chars[:, 17] = check
    return pa.array(["".join(row) for row in chars.tolist()], pa.string())


# --- plates, accounts, certificates ---------------------------------------------------------

PLATE_ALPHABET = np.array(list("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"))  # no I, O


def plates(serial: np.ndarray, salt: int, prefix: str = "渝A") -> pa.Array:
    n = len(PLATE_ALPHABET)
    v = scramble(serial, n**5, salt)
    chars = [PLATE_ALPHABET[(v // n ** (4 - i)) % n] for i in range(5)]
    out = np.full(len(serial), prefix, dtype=object)
    for c in chars:
        out = out + c.astype(object)
    return pa.array(out, pa.string())


def bank_accounts(serial: np.ndarray, salt: int) -> pa.Array:
    v = scramble(serial, 10**15, salt)
    return pc.binary_join_element_wise(pa.scalar("9955"), pc.utf8_lpad(pc.cast(pa.array(v), pa.string()), 15, "0"), "")


def padded(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(values.astype(np.int64)), pa.string()), width, "0")


def to_dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), pa.date32())


def date64(d: dt.date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "D")
