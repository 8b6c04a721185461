"""Runs of the matching engine and what they produced.

A run is recorded with its parameters, duration, counts and objective. Its job key makes it
idempotent: asking twice for the same key returns the first run instead of starting another.
Ranked candidates and proposed allocations point at needs, so they are personal data and are
read through ``for_user``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.scoping import ScopedQuerySet
from bangfu.regions.models import Region
from bangfu.registry.models import Need


# A result's ``provider_id`` is the ``Provider`` pk of a station, volunteer or procured project,
# and a charity offer's own pk (offers are allocated in their own app, not referred to).
class ProviderKind(models.TextChoices):
    STATION = "station", _("social-work station")
    VOLUNTEER = "volunteer", _("volunteer")
    PROJECT = "project", _("procured project")
    OFFER = "offer", _("charity offer")


# How much of a pair's ``priority × score`` a shared provider may cost when a run bundles
# households, unless the run names its own (``parameters["bundle_strength"]``).
BUNDLE_STRENGTH = 0.3


class MatchingRun(models.Model):
    class Kind(models.TextChoices):
        RANK = "rank", _("ranking")
        ALLOCATE = "allocate", _("allocation")
        PROVINCE = "province", _("allocation split by county")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    job_key = models.CharField(_("job key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="matching_runs", verbose_name=_("region")
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="parts",
        verbose_name=_("part of"),
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    needs_count = models.PositiveIntegerField(_("open needs"), default=0)
    providers_count = models.PositiveIntegerField(_("providers"), default=0)
    pairs_count = models.PositiveIntegerField(_("candidate pairs"), default=0)
    assigned_count = models.PositiveIntegerField(_("needs allocated"), default=0)
    objective = models.FloatField(_("objective (priority × score)"), null=True, blank=True)
    bound = models.FloatField(
        _("bound"),
        null=True,
        blank=True,
        help_text=_("LP bound with a budget, or one global flow for a run split by county."),
    )
    error = models.TextField(_("error"), blank=True)
    # Rows the engine would refuse, left out of the run (``adapter.LeftOut.as_dict()``): the run
    # goes on without them, and its page says what to fix.
    left_out = models.JSONField(_("rows left out"), default=list, blank=True)
    # Providers the run kept from needs by a named rule, the desk's too (declined; closed as
    # unreachable or failed within the policy window): ``Exclusion.as_dict()`` of each pair.
    exclusions = models.JSONField(_("providers left out of needs"), default=list, blank=True)
    # Per township of an allocation run: protected needs served, needs nobody can serve, the
    # gain over first come, first served, who serves (``bangfu.matching_runs.fairness``).
    fairness = models.JSONField(_("fairness by township"), default=dict, blank=True)
    # Whether the protected tier's floor (``fairness["protected"]["servable"]``) is proven the
    # most any allocation can serve; when the exact solver stopped at its time limit it is only
    # reached, and ``floor_upper`` bounds it from above. None for runs that allocate nothing.
    floor_proven = models.BooleanField(_("floor proven optimal"), null=True, blank=True)
    floor_upper = models.PositiveIntegerField(
        _("most protected needs servable (upper bound)"), null=True, blank=True
    )
    # One chain of help per household (一户一条救助链): the allocation prefers one provider for
    # a household's needs, at a cost in score measured against the plain optimum
    # (``engine._bundle``: the cost, households served by one provider with and without).
    household_bundles = models.BooleanField(
        _("one chain of help per household (一户一条救助链)"), default=False
    )
    bundles = models.JSONField(_("household bundles"), default=dict, blank=True)
    # The lease of the attempt computing the run: a worker holds it while its heartbeat is
    # recent; a redelivered task finds it held (and waits) or lapsed (its worker died: restart).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    attempt_token = models.CharField(_("attempt"), max_length=32, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.region} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def restarted(self) -> bool:
        """Whether an attempt died (its worker was lost) and another one took the run over."""
        return self.attempts > 1

    @property
    def bundle_strength(self) -> float | None:
        """How much score the run lets a shared provider cost; None when it does not bundle."""
        if not self.household_bundles:
            return None
        return float(self.parameters.get("bundle_strength", BUNDLE_STRENGTH))

    @property
    def gap(self) -> float | None:
        """Relative distance of the objective from its bound (0 = optimal)."""
        if self.bound is None or self.objective is None or not self.bound:
            return None
        return max(self.bound - self.objective, 0.0) / abs(self.bound)


class ResultQuerySet(ScopedQuerySet):
    region_lookup = "need__household__region"


class RankedCandidate(models.Model):
    """One of the top candidates the engine found for a need, with its score explained."""

    run = models.ForeignKey(MatchingRun, models.CASCADE, related_name="candidates")
    need = models.ForeignKey(Need, models.CASCADE, related_name="ranked_candidates")
    rank = models.PositiveSmallIntegerField(_("rank"))
    provider_kind = models.CharField(_("provider kind"), max_length=16, choices=ProviderKind)
    provider_id = models.PositiveBigIntegerField(_("provider"))
    score = models.FloatField(_("score"))
    components = models.JSONField(_("score components"), default=dict)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("ranked candidate")
        verbose_name_plural = _("ranked candidates")
        ordering = ["need", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "need", "rank"], name="candidate_rank_unique")
        ]

    def __str__(self) -> str:
        return f"{self.need_id} #{self.rank}: {self.provider_kind} {self.provider_id}"


class Allocation(models.Model):
    """The provider a run proposes for a need; staff confirm it by referring."""

    run = models.ForeignKey(MatchingRun, models.CASCADE, related_name="allocations")
    need = models.ForeignKey(Need, models.CASCADE, related_name="allocations")
    provider_kind = models.CharField(_("provider kind"), max_length=16, choices=ProviderKind)
    provider_id = models.PositiveBigIntegerField(_("provider"))
    score = models.FloatField(_("score"))
    components = models.JSONField(_("score components"), default=dict, blank=True)
    distance_km = models.FloatField(_("distance (km)"), null=True, blank=True)
    priority = models.DecimalField(_("priority"), max_digits=7, decimal_places=2)

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-priority", "need"]
        constraints = [
            models.UniqueConstraint(fields=["run", "need"], name="allocation_one_per_need")
        ]

    def __str__(self) -> str:
        return f"{self.need_id} → {self.provider_kind} {self.provider_id}"
