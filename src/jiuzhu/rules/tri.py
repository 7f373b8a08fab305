"""Three-valued conditions: a condition passes, fails, or cannot be decided for want of data.

Encoded as integers so that the state of several conditions together is their minimum:
any failure fails, otherwise any unknown is unknown, otherwise all pass.
"""

import numpy as np

FAIL, UNKNOWN, PASS = 0, 1, 2
STATES = {FAIL: "failed", UNKNOWN: "unknown", PASS: "passed"}


def tri(passes, known=True):
    """PASS where ``passes``, FAIL where not, UNKNOWN where not ``known``."""
    state = np.asarray(passes, dtype=bool).astype(np.int32) * PASS
    if known is not True:
        state = np.where(known, state, UNKNOWN).astype(np.int32)
    return state


def all_of(*states):
    return np.minimum.reduce([np.asarray(s) for s in states]).astype(np.int32)


def any_of(*states):
    return np.maximum.reduce([np.asarray(s) for s in states]).astype(np.int32)


def negate(state):
    return (2 - np.asarray(state)).astype(np.int32)
