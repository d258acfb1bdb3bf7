"""The download of a project's versions of its targets (performance.excel.versions_export), for
anyone who may see the project (performance.access); 404 for anyone else."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from performance.access import get_project_for_user

from .sheets import to_bytes
from .versions_export import versions_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_GET
@login_required
def project_versions_xlsx(request, pk):
    project = get_project_for_user(request.user, pk)
    response = HttpResponse(to_bytes(versions_workbook(project)), content_type=XLSX)
    name = f"{project.unit.code}-{project.year}-{project.name}-绩效目标版本.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
