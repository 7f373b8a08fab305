"""Casework (issue 14 items 1–3, domain.md §4–§5): applications, the cases that decide them, and reviews.

    models.py     applications, cases, their timelines, decisions' records, the enrolments a case made
    machine.py    one state machine per case type (``transitions``): which action may follow which
    limits.py     the time limits in working days (workdays.py): on track / at risk / breached / unknown
    rules.py      the rules' version (a hash of the parameters and variables) and one evaluation, frozen
    applications.py  filing an application (phone, office, 帮代办, from a 应享未享 entry)
    service.py    moving a case along: every action one audited row of its timeline
    reviews.py    the reviews due (12 or 6 months) and their outcome: continue, adjust, stop
    views.py      what faces show: a case with its timeline and time-limit status, worklists, the 公示 list
    notices.py    the texts sent to the resident (Chinese)
"""
