"""Errors that several apps raise and every view shows the same way."""


class Refused(Exception):
    """A rule refused the action (a lifecycle step, a provider that is full …): ``str(error)``
    says why, in words the person at the desk can act on. Views show it on the page (with
    ``bangfu.core.views.service_call``) as they show a ValidationError."""
