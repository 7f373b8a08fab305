"""Three-valued conditions: a condition passes, fails, or cannot be decided for want of data.

Encoded as integers so that the state of several conditions together is their minimum:
any failure fails, otherwise any unknown is unknown, otherwise all pass.

``TriState`` is the variable type of every condition and programme state: int8 (0/1/2), a quarter of
OpenFisca's int32, so that the rules' many conditions cost less memory than the 64-bit money beside them.
The explanations and the tests find the conditions of a programme by it.
"""

import functools

import numpy as np
from openfisca_core.variables import Variable

FAIL, UNKNOWN, PASS = 0, 1, 2
STATES = {FAIL: "failed", UNKNOWN: "unknown", PASS: "passed"}
STATE_DTYPE = np.dtype(np.int8)


class TriState(Variable):
    """A condition or a state: 2 passed, 1 unknown (a fact it needs is missing), 0 failed."""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls.value_type = int

    def __init__(self, baseline_variable=None) -> None:
        super().__init__(baseline_variable)
        self.dtype = STATE_DTYPE


def states(count: int, state: int = PASS) -> np.ndarray:
    """``count`` people or households in one state."""
    return np.full(count, state, dtype=STATE_DTYPE)


def tri(passes, known=True):
    """PASS where ``passes``, FAIL where not, UNKNOWN where not ``known``."""
    state = np.asarray(passes, dtype=bool).astype(STATE_DTYPE)
    state *= PASS  # in place: these run on every person of a batch, a few hundred times
    if known is True:
        return state
    known = np.asarray(known, dtype=bool)
    if known.shape != state.shape:
        return np.where(known, state, UNKNOWN).astype(STATE_DTYPE)
    np.copyto(state, UNKNOWN, where=~known)
    return state


def all_of(*states):
    # Pairwise: ``np.minimum.reduce`` of a list would first copy the arrays into one 2-D array.
    return functools.reduce(np.minimum, [np.asarray(s) for s in states]).astype(STATE_DTYPE, copy=False)


def any_of(*states):
    return functools.reduce(np.maximum, [np.asarray(s) for s in states]).astype(STATE_DTYPE, copy=False)


def negate(state):
    return (PASS - np.asarray(state)).astype(STATE_DTYPE, copy=False)
