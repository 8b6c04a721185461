"""The service taxonomy shared by needs, providers, procurement and offers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceCategory(models.Model):
    """The service taxonomy shared by needs, providers, procurement and offers."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("service to people")
        ADMINISTRATIVE = "administrative", _("administrative work")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name
