"""A model's ``get_FOO_display`` that translates only the label it returns."""

from django.utils.encoding import force_str


class ChoiceLabels:
    """Put before ``models.Model`` (or an abstract model) in a model's bases: its
    ``get_FOO_display`` methods translate only the label they return.

    Django's builds a dict of every choice of the field on each call, hashing each label, and a
    lazy label is translated to be hashed: a page of 25 rows showing a status of eight choices
    translated 200 labels for 25."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        for choice, label in field.flatchoices:
            if choice == value:
                return force_str(label, strings_only=True)
        return force_str(value, strings_only=True)
