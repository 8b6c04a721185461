"""Performance evaluation (绩效评价): the scheme in force and the evaluator's record."""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from bangfu.procurement.indicators import compute_indicators, final_score, weighted_score
from bangfu.procurement.models import ZERO, Evaluation, EvaluationScheme, EvaluationScore, Project
from bangfu.procurement.roles import EDIT_ROLES
from bangfu.procurement.services.cap import require_role


def scheme_for(project: Project) -> EvaluationScheme:
    """The scheme of the deepest region on the project's path, latest year not after its own."""
    codes = [code for code in project.region.path.split("/") if code]
    schemes = EvaluationScheme.objects.filter(
        Q(region__code__in=codes) | Q(region=None), year__lte=project.year
    ).select_related("region")
    best = max(schemes, key=lambda s: (s.region.level if s.region else 0, s.year), default=None)
    if best is None:
        raise ValidationError(_("No evaluation scheme is configured."))
    return best


@transaction.atomic
def evaluation_record(
    *,
    project: Project,
    by,
    evaluated_on: dt.date,
    scores: Mapping[str, Decimal],
    comments: str = "",
) -> Evaluation:
    """Score a project: computed indicators plus the evaluator's form, weighted by the scheme."""
    project = Project.objects.select_related("region").get(pk=project.pk)
    require_role(by=by, roles=EDIT_ROLES, region=project.region)
    if project.status not in {Project.Status.IN_PROGRESS, Project.Status.CLOSED}:
        raise ValidationError(_("Only projects in progress or closed are evaluated."))
    scheme = scheme_for(project)
    criteria = list(scheme.criteria.all())
    missing = [c.name for c in criteria if c.code not in scores]
    if missing:
        raise ValidationError(_("Score every criterion: %s") % ", ".join(missing))
    for code, value in scores.items():
        if not ZERO <= Decimal(value) <= 100:
            raise ValidationError(_("Scores run from 0 to 100 (%s).") % code)
    indicators = compute_indicators(project, scheme)
    indicator_score = weighted_score([(i.score, i.weight) for i in indicators])
    form_score = weighted_score([(Decimal(scores[c.code]), c.weight) for c in criteria])
    final = final_score(indicator_score=indicator_score, form_score=form_score, scheme=scheme)
    evaluation = Evaluation.objects.create(
        project=project,
        scheme=scheme,
        evaluated_on=evaluated_on,
        evaluator=by,
        indicators={i.code: i.as_json() for i in indicators},
        indicator_score=indicator_score,
        form_score=form_score,
        final_score=final,
        grade=scheme.grade_for(final),
        comments=comments,
    )
    EvaluationScore.objects.bulk_create(
        EvaluationScore(evaluation=evaluation, criterion=c, score=Decimal(scores[c.code]))
        for c in criteria
    )
    return evaluation
