"""The service list (购买服务清单): what a region may buy, at a reference unit price."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from bangfu.procurement.models.funds import money_field
from bangfu.registry.models import ServiceCategory


class CatalogueItem(models.Model):
    """A purchasable item of the service list (购买服务清单) with its reference unit price."""

    class Unit(models.TextChoices):
        HOUR = "hour", _("hour")
        VISIT = "visit", _("visit")
        CASE = "case", _("case")
        HOUSEHOLD = "household", _("household")
        SESSION = "session", _("session")
        PERSON = "person", _("person")
        ITEM = "item", _("item")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    category = models.ForeignKey(
        ServiceCategory,
        models.PROTECT,
        related_name="catalogue_items",
        verbose_name=_("service category"),
    )
    unit = models.CharField(_("unit"), max_length=16, choices=Unit.choices)
    reference_unit_price = money_field(_("reference unit price (yuan)"))
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["category__kind", "sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_unit_display()})"

    @property
    def kind(self) -> str:
        return self.category.kind
