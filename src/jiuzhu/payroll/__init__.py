"""Payroll (代发): payee accounts, a month's payroll per programme and area, bank files (报盘), returns (回盘),
reconciliation, re-issues and totals (docs/payroll.md; domain.md §11).

    models      the tables (payee accounts, payrolls, lines, files, returns) and the indexes that forbid paying a
                household- or person-month twice and re-issuing a line twice
    accounts    payee accounts: the ledger import, the synthetic district's accounts, whose account a line pays
    banks       the banks' file layouts, as configured data (banks.toml, or JIUZHU_HOME/payroll/banks.toml)
    bankfiles   writing and reading a disbursement file in a bank's layout (pure: bytes in, bytes out)
    returns     reading a return file and reconciling it line by line (pure), and its import
    service     prepare, adjust, approve, cancel, write the files, re-issue, close: each a transition, audited
    totals      the figures by programme, township and month
"""
