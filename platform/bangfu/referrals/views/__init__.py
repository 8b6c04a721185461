"""Views of the intake desk (staff), the referral dashboard, and the providers' portal.

They parse input, call one selector or service, and shape the output. Reads go through
``selectors`` (scoped to the user: someone else's referral is a 404); writes through
``services``, whose refusals are shown as messages or next to the field they name.
"""
