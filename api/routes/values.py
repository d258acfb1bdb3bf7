"""The /api/v1/ routes of the values endpoints (included by api/urls.py): a project's values in
a period, its workflow steps, and the records of a period."""

from django.urls import path

from api.views import workflow
from api.views.values import ProjectValuesView, RecordListView

PROJECT = "periods/<str:code>/projects/<int:pk>/"

urlpatterns = [
    path(f"{PROJECT}values/", ProjectValuesView.as_view(), name="project-values"),
    path(f"{PROJECT}submit/", workflow.SubmitView.as_view(), name="project-submit"),
    path(f"{PROJECT}approve/", workflow.ApproveView.as_view(), name="project-approve"),
    path(f"{PROJECT}return/", workflow.ReturnView.as_view(), name="project-return"),
    path(f"{PROJECT}department-approve/", workflow.DepartmentApproveView.as_view(),
         name="project-department-approve"),
    path(f"{PROJECT}department-return/", workflow.DepartmentReturnView.as_view(),
         name="project-department-return"),
    path(f"{PROJECT}reopen/", workflow.ReopenView.as_view(), name="project-reopen"),
    path("periods/<str:code>/records/", RecordListView.as_view(), name="record-list"),
]
