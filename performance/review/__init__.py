"""Target review (绩效目标审核): automatic checks of 表13 targets and of the budget tables.

Pure modules (no Django): `findings` (what a finding is, the rule registry and its settings),
`rules` (the checks on projects and their indicators, also on import rows) and `budget_checks`
(printed totals against their lines). `service` reads the database and runs them.
Nothing is imported here, so importing a pure module never loads Django.
"""
