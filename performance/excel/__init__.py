"""Excel in and out: 表13 targets, 自评表/监控表 actuals, exports and fill-in templates.

reader.py reads .xlsx/.xls/.csv into rows keyed by column name; targets_import.py and
actuals_import.py turn them into targets (through services.targets.apply_targets) and
records; export.py and template.py write workbooks; resources.py and admin.py plug them into
django-import-export and the admin.
"""
