from django import forms

from bangfu.core.validators import (
    TEXT_MAX_LENGTH,
    validate_date_range,
    validate_past_date,
    validate_text_length,
)


class InputRulesMixin:
    """The rules of every entry form, on top of its own (list it before ``forms.Form``):

    - every date lies between 1900 and 2100, and those named in ``past_dates`` (a visit, a
      payment, a delivery) not after today;
    - every text without a limit of its own takes at most ``TEXT_MAX_LENGTH`` characters.

    NUL characters are refused by Django's ``CharField`` itself.
    """

    past_dates: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                past = name in self.past_dates
                field.validators.append(validate_past_date if past else validate_date_range)
            elif isinstance(field, forms.CharField) and field.max_length is None:
                field.max_length = TEXT_MAX_LENGTH
                field.validators.append(validate_text_length)
                field.widget.attrs.setdefault("maxlength", str(TEXT_MAX_LENGTH))
