from django import template

from bangfu.core.jobs import WORK_STOPPED

register = template.Library()


@register.filter
def work_stopped(job) -> bool:
    """Whether the job was failed because its task stopped without finishing it (its error is
    then a sentence for the user, not the name of an exception)."""
    return job.error == WORK_STOPPED
