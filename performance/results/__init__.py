"""结果应用 pages: the suggestions of a self-evaluation period by unit, finance's override, the
workbook (docs/results.md). The service is performance.services.results."""
