"""Performance evaluation (绩效评价): the schemes that weigh a project's indicators and the
evaluator's form, and the evaluations recorded with them."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.procurement.models.funds import ZERO
from bangfu.procurement.models.projects import Project
from bangfu.regions.models import Region
from bangfu.registry.models import Tier


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent")
    GOOD = "good", _("good")
    PASS = "pass", _("pass")
    FAIL = "fail", _("fail")


def default_priority_tiers() -> list[str]:
    return [Tier.TEKUN.value, Tier.DIBAO.value]


def percent_field(verbose_name, default) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )


class EvaluationScheme(models.Model):
    """How a project is scored: indicator weights, the evaluator's share, grade thresholds.

    The scheme in force for a project is the one of the deepest region on its path, from the
    latest year not after the project's year; an empty region is the national default.
    """

    name = models.CharField(_("name"), max_length=80)
    region = models.ForeignKey(
        Region,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="evaluation_schemes",
        verbose_name=_("region"),
        help_text=_("Empty: the national default."),
    )
    year = models.PositiveSmallIntegerField(_("in force from year"))
    weight_coverage = percent_field(_("weight: coverage"), "20")
    weight_timeliness = percent_field(_("weight: timeliness"), "10")
    weight_completion = percent_field(_("weight: completion"), "25")
    weight_satisfaction = percent_field(_("weight: satisfaction"), "20")
    weight_cost = percent_field(_("weight: cost per household"), "10")
    weight_priority_share = percent_field(_("weight: spending on priority tiers"), "15")
    form_share_pct = percent_field(_("evaluator's form share of the final score (%)"), "40")
    timeliness_full_days = models.PositiveSmallIntegerField(
        _("full timeliness score within (days)"), default=7
    )
    timeliness_zero_days = models.PositiveSmallIntegerField(
        _("no timeliness score after (days)"), default=60
    )
    priority_tiers = models.JSONField(
        _("priority tiers"),
        default=default_priority_tiers,
        help_text=_("Household tiers whose services count as spending on priority tiers."),
    )
    excellent_min = percent_field(_("excellent from"), "90")
    good_min = percent_field(_("good from"), "80")
    pass_min = percent_field(_("pass from"), "60")

    class Meta:
        verbose_name = _("evaluation scheme")
        verbose_name_plural = _("evaluation schemes")
        ordering = ["region__path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="evaluation_scheme_unique"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(region=None), name="evaluation_scheme_default_unique"
            ),
            models.CheckConstraint(
                condition=Q(excellent_min__gt=F("good_min"), good_min__gt=F("pass_min")),
                name="evaluation_grades_in_order",
            ),
            models.CheckConstraint(
                condition=Q(timeliness_zero_days__gt=F("timeliness_full_days")),
                name="evaluation_timeliness_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.priority_tiers or []) - set(Tier.values)
        if unknown:
            raise ValidationError({"priority_tiers": _("Unknown tier: %s") % ", ".join(unknown)})

    def indicator_weights(self) -> dict[str, Decimal]:
        return {
            "coverage": self.weight_coverage,
            "timeliness": self.weight_timeliness,
            "completion": self.weight_completion,
            "satisfaction": self.weight_satisfaction,
            "cost": self.weight_cost,
            "priority_share": self.weight_priority_share,
        }

    def grade_for(self, score: Decimal) -> str:
        if score >= self.excellent_min:
            return Grade.EXCELLENT
        if score >= self.good_min:
            return Grade.GOOD
        if score >= self.pass_min:
            return Grade.PASS
        return Grade.FAIL


class EvaluationCriterion(models.Model):
    """One line of the evaluator's scored form, e.g. project management, file keeping."""

    scheme = models.ForeignKey(
        EvaluationScheme, models.CASCADE, related_name="criteria", verbose_name=_("scheme")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    weight = percent_field(_("weight"), "0")
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="evaluation_criterion_unique")
        ]

    def __str__(self) -> str:
        return self.name


class EvaluationQuerySet(ScopedQuerySet):
    region_lookup = "project__region"


class Evaluation(models.Model):
    """A performance evaluation (绩效评价): computed indicators, the evaluator's scores, the
    final score and grade. The indicators are a snapshot of the day it was recorded."""

    project = models.ForeignKey(
        Project, models.CASCADE, related_name="evaluations", verbose_name=_("project")
    )
    scheme = models.ForeignKey(
        EvaluationScheme, models.PROTECT, related_name="evaluations", verbose_name=_("scheme")
    )
    evaluated_on = models.DateField(_("evaluated on"))
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("evaluator")
    )
    indicators = models.JSONField(_("indicators"), default=dict)
    indicator_score = percent_field(_("indicator score"), "0")
    form_score = percent_field(_("evaluator's score"), "0")
    final_score = percent_field(_("final score"), "0")
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices)
    comments = models.TextField(_("comments"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} {self.evaluated_on}"


class EvaluationScore(models.Model):
    evaluation = models.ForeignKey(
        Evaluation, models.CASCADE, related_name="scores", verbose_name=_("evaluation")
    )
    criterion = models.ForeignKey(
        EvaluationCriterion, models.PROTECT, related_name="+", verbose_name=_("criterion")
    )
    score = percent_field(_("score (0-100)"), "0")

    class Meta:
        verbose_name = _("evaluation score")
        verbose_name_plural = _("evaluation scores")
        ordering = ["criterion__sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="evaluation_score_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
