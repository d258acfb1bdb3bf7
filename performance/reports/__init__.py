"""Reports in Word (.docx) from docxtpl templates kept in the repository and replaceable by a
deployment (REPORT_TEMPLATE_DIR), and a unit's reports zipped by a Celery task (docs/reports.md)."""
