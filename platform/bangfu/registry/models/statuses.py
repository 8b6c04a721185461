"""The statuses of social assistance: tiers, coverages, residence and exit reasons."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """Household tiers (分层分类), from the most to the least protected: what ``Household.tier``
    holds, the strongest status of the household and its members (``registry.coverage``).

    临时救助 is no tier: it is a one-off grant (``registry.grants``)."""

    TEKUN = "tekun", _("destitute (特困)")
    DIBAO = "dibao", _("minimum subsistence (低保)")
    MARGINAL = "marginal", _("marginal (低保边缘)")
    EXPENDITURE = "expenditure", _("expenditure hardship (支出型困难)")
    NONE = "none", _("none")


class Coverage(models.TextChoices):
    """Every status a decision can set, strongest first. 特困 and 单人纳保 are a person's status
    (003: 「参照单人户纳入最低生活保障范围」); the others are the household's."""

    TEKUN = "tekun", _("destitute (特困)")
    SINGLE_DIBAO = "single_dibao", _("single-person dibao (单人纳保)")
    DIBAO = "dibao", _("minimum subsistence (低保)")
    MARGINAL = "marginal", _("marginal (低保边缘)")
    EXPENDITURE = "expenditure", _("expenditure hardship (支出型困难)")
    NONE = "none", _("none")


HOUSEHOLD_COVERAGES = (Coverage.DIBAO, Coverage.MARGINAL, Coverage.EXPENDITURE, Coverage.NONE)
PERSONAL_COVERAGES = (Coverage.TEKUN, Coverage.SINGLE_DIBAO, Coverage.NONE)


class HouseholdTier(models.TextChoices):
    """The status decided for a household as a whole (特困 is a member's)."""

    DIBAO = Tier.DIBAO.value, Tier.DIBAO.label
    MARGINAL = Tier.MARGINAL.value, Tier.MARGINAL.label
    EXPENDITURE = Tier.EXPENDITURE.value, Tier.EXPENDITURE.label
    NONE = Tier.NONE.value, Tier.NONE.label


class PersonalStatus(models.TextChoices):
    NONE = Coverage.NONE.value, Coverage.NONE.label
    TEKUN = Coverage.TEKUN.value, Coverage.TEKUN.label
    SINGLE_DIBAO = Coverage.SINGLE_DIBAO.value, Coverage.SINGLE_DIBAO.label


class Residence(models.TextChoices):
    """Which 低保 standard applies (001 sets a 城乡 ratio, so the two are kept apart)."""

    URBAN = "urban", _("urban (城镇)")
    RURAL = "rural", _("rural (农村)")


class ExitReason(models.TextChoices):
    INCOME_ABOVE = "income_above", _("income above the standard (收入超标)")
    ASSETS_ABOVE = "assets_above", _("assets above the limit")
    DECEASED = "deceased", _("deceased")
    MOVED_AWAY = "moved_away", _("moved away")
    WRONGLY_COVERED = "wrongly_covered", _("wrongly covered (错保)")
    DECLINED = "declined", _("declined assistance")
    OTHER = "other", _("other")
