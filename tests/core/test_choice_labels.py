"""The models whose rows fill the busiest pages (``ChoiceLabels``) show each choice's label as
Django would, in Chinese and in English, and translate only the label they show."""

from unittest import mock

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from bangfu.core.choices import ChoiceLabels
from bangfu.referrals.models import Referral

LABELLED = [model for model in apps.get_models() if issubclass(model, ChoiceLabels)]


def choice_fields(model):
    return [field for field in model._meta.concrete_fields if field.choices]


def test_the_busiest_pages_rows_are_labelled_once():
    names = {model.__name__ for model in LABELLED}
    assert {"Household", "Member", "Need", "IntakeCase", "Referral"} <= names


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("model", LABELLED, ids=lambda model: model.__name__)
def test_every_label_is_djangos(model, language):
    fields = choice_fields(model)
    assert fields
    with translation.override(language):
        for field in fields:
            row = model()
            for value, _label in field.flatchoices:
                setattr(row, field.attname, value)
                shown = getattr(row, f"get_{field.name}_display")()
                assert shown == models.Model._get_FIELD_display(row, field)
                assert isinstance(shown, str)
            setattr(row, field.attname, "no-such-choice")
            assert getattr(row, f"get_{field.name}_display")() == "no-such-choice"


def translations_of(display) -> int:
    gettext = translation._trans.gettext
    with (
        translation.override("zh-hans"),
        mock.patch.object(translation._trans, "gettext", wraps=gettext) as spy,
    ):
        display()
    return spy.call_count


def test_one_label_is_translated_for_the_one_shown():
    referral = Referral(status=Referral.Status.ACCEPTED)
    field = Referral._meta.get_field("status")

    assert translations_of(referral.get_status_display) == 1
    # positive control: Django's own translates every label of the field (and the one shown
    # once more)
    django_s = translations_of(lambda: models.Model._get_FIELD_display(referral, field))
    assert django_s > len(Referral.Status.choices) > 1
