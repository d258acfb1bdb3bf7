"""The pages where units enter values and reviewers decide: the project list (home), the
project page, the workflow actions and the actuals upload. Logic lives in performance/services."""
