"""The project list of a period: each project with its record's workflow status and the stored
snapshot (score, grade, light, whether anything is entered), as one lazy queryset that filters,
sorts and counts in SQL.

A project with nothing entered (``has_values`` false, or no record at all) shows as 未填报: its
stored total (0) is no score, so it is left out of the averages and counted apart."""

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from budget.models import Project
from performance import workflow
from performance.access import sees_all_units, visible_units
from performance.models import WorkflowStatus

MONEY = DecimalField(max_digits=14, decimal_places=2)
# rows of project_rows with nothing entered: the record says so, or there is no record
NOT_ENTERED = Q(has_values=False) | Q(has_values__isnull=True)


def project_rows(period, user) -> QuerySet[Project]:
    """The projects of `period`'s year in the units `user` may see, annotated with
    entry_status (草稿 when there is no record yet), spent, score, grade, light,
    projected, missing (indicators without a value), has_values (None without a record) and
    effective budget. Lazy: nothing runs until it is evaluated."""
    return (
        visible_projects(period, user).annotate(rec=FilteredRelation("records", condition=Q(records__period=period)))
        .annotate(
            entry_status=Coalesce(F("rec__status"), Value(WorkflowStatus.DRAFT.value)),
            spent=F("rec__spent"),
            score=F("rec__score_total"),
            grade=F("rec__score_grade"),
            light=F("rec__light"),
            projected=F("rec__projected_total"),
            missing=F("rec__indicators_missing"),
            has_values=F("rec__has_values"),
            budget=Coalesce(F("adjusted_amount"), F("budget_amount"), output_field=MONEY),
        )
        .select_related("unit")
    )


def visible_projects(period, user) -> QuerySet[Project]:
    """The projects of `period`'s year in the units `user` may see, without the record join:
    as many as project_rows (one record per project and period), so counting these is the
    cheap way to count project_rows when no filter looks at the record."""
    projects = Project.objects.filter(year=period.year)
    if not sees_all_units(user):
        projects = projects.filter(unit__in=visible_units(user))
    return projects


def unit_summary(rows: QuerySet[Project]) -> QuerySet:
    """Per unit over `rows` (already filtered): projects, money, workflow counts, red lights,
    projects with nothing entered (not_entered) and the average stored score of the others;
    one grouped query."""
    return (
        rows.order_by()
        .values("unit_id", "unit__code", "unit__name")
        .annotate(
            projects=Count("id"),
            budget_total=Sum("budget"),
            spent_total=Sum("spent"),
            submitted=Count("id", filter=Q(entry_status__in=workflow.DONE)),
            approved=Count("id", filter=Q(entry_status=WorkflowStatus.APPROVED)),
            returned=Count("id", filter=Q(entry_status=WorkflowStatus.RETURNED)),
            red=Count("id", filter=Q(light="red")),
            not_entered=Count("id", filter=NOT_ENTERED),
            average=Avg("score", filter=Q(has_values=True)),
        )
        .order_by("unit__code")
    )
