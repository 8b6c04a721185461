"""Celery: in-process without a broker, classes of tasks by time limit and their queues, and the
periodic tasks."""

from kombu import Queue

from bangfu.core.env import env_bool, env_int, env_str
from bangfu.settings.base import PRODUCTION, TIME_ZONE

# Celery: without a broker, tasks run in-process (embedded mode). Tasks are acknowledged
# after they finish and re-queued if a worker dies, so every task must be safe to run twice.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") if PRODUCTION else env_str("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL) or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The classes of tasks, by how long they may take, in seconds: at the soft limit the task records
# its failure, at the hard one the worker kills it. Every task names its class in its decorator
# (``@shared_task(**settings.TASK_CLASSES["short"])``); a new kind of work gets a class here, not
# a number in a decorator. Each class is also a queue of its own (``bangfu.celery.
# route_by_time_class``): a plain worker consumes them all, and a province starts workers per
# queue (``-Q short``) so that notifications never wait behind a night's sweep.
TASK_CLASSES = {
    name: {**limits, "time_class": name}
    for name, limits in {
        # one referral, notification or public page
        "short": {"soft_time_limit": 2 * 60, "time_limit": 3 * 60},
        # one file of at most import_max_rows rows, imported or exported (200,000: about a minute)
        "import": {"soft_time_limit": 10 * 60, "time_limit": 11 * 60},
        # a nightly pass over every county (rules, schedules, priorities, ratings)
        "sweep": {"soft_time_limit": 15 * 60, "time_limit": 16 * 60},
        # a county's matching run, or a province compared with one global flow (bench: ~3 min)
        "matching": {"soft_time_limit": 15 * 60, "time_limit": 16 * 60},
    }.items()
}
# The queues' names begin with this: instances (or test processes) that share one broker keep
# their tasks apart.
TASK_QUEUE_PREFIX = env_str("TASK_QUEUE_PREFIX", "")
CELERY_TASK_DEFAULT_QUEUE = TASK_QUEUE_PREFIX + "celery"
# Each queue bound by its own name (a queue declared without a routing key is bound by the
# default one, and would receive every other queue's tasks too).
CELERY_TASK_QUEUES = [
    Queue(name, routing_key=name)
    for name in (CELERY_TASK_DEFAULT_QUEUE, *(TASK_QUEUE_PREFIX + c for c in TASK_CLASSES))
]
CELERY_TASK_ROUTES = ("bangfu.celery.route_by_time_class",)
# Redis gives a task that was delivered but never acknowledged (its worker died) to another
# worker after the visibility timeout. Shorter than the longest task, a task still running
# would be delivered twice; much longer (Redis's default is an hour), work stalls that long.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(limits["time_limit"] for limits in TASK_CLASSES.values()) + 2 * 60
}
# A matching run's attempt renews its lease on the run row this often (seconds) while it
# works; an attempt silent for three times as long is taken for dead and a redelivery restarts
# the run.
MATCHING_RUN_HEARTBEAT_SECONDS = 20
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "refresh-need-priorities": {
        "task": "bangfu.registry.tasks.refresh_need_priorities_task",
        "schedule": 6 * 60 * 60,
    },
    # The dashboards' counts per region (bangfu.registry.tallies).
    "refresh-region-tallies": {
        "task": "bangfu.registry.tasks.refresh_region_tallies_task",
        "schedule": env_int("REGION_TALLIES_REFRESH_SECONDS", 10 * 60),
    },
    # The intake desk's order kept on its cases, beside the summaries the refresh above repairs
    # (bangfu.referrals.desk_order).
    "repair-desk-order": {
        "task": "bangfu.referrals.tasks.repair_desk_order_task",
        "schedule": env_int("REGION_TALLIES_REFRESH_SECONDS", 10 * 60),
    },
    "check-referral-deadlines": {
        "task": "bangfu.referrals.tasks.check_referral_deadlines_task",
        "schedule": 15 * 60,
    },
    # A help request's requester hears of a referral sent or taken on (SMS, bangfu.core.sms).
    "tell-help-requests": {
        "task": "bangfu.referrals.tasks.tell_help_requests_task",
        "schedule": 5 * 60,
    },
    "refresh-provider-quality": {
        "task": "bangfu.referrals.tasks.refresh_provider_quality_task",
        "schedule": 24 * 60 * 60,
    },
    "scan-discovery-warnings": {
        "task": "bangfu.discovery.tasks.flags_scan_task",
        "schedule": 24 * 60 * 60,
    },
    "schedule-reviews-and-visits": {
        "task": "bangfu.discovery.tasks.tasks_schedule_task",
        "schedule": 24 * 60 * 60,
    },
    # Work killed at its hard time limit (or whose message was lost) is never delivered again:
    # these fail it, so that its page stops showing it as running and offers to start again.
    "fail-stalled-background-jobs": {
        "task": "bangfu.core.tasks.fail_stalled_jobs_task",
        "schedule": 5 * 60,
    },
    "fail-stalled-matching-runs": {
        "task": "bangfu.matching_runs.tasks.fail_stalled_runs_task",
        "schedule": 5 * 60,
    },
    # Audit entries whose own transaction did not seal them (bangfu.core.audit_chain).
    "seal-audit-entries": {
        "task": "bangfu.core.tasks.seal_audit_entries_task",
        "schedule": 5 * 60,
    },
    # Webhook deliveries whose retry is overdue: lost by the broker, or never queued in the
    # embedded mode, where tasks run in-process and cannot wait (bangfu.api.webhooks).
    "retry-webhook-deliveries": {
        "task": "bangfu.api.webhooks.tasks.retry_webhook_deliveries_task",
        "schedule": 5 * 60,
    },
    # The retention schedule (bangfu.privacy): personal data past its rule's period anonymised.
    "apply-retention-schedule": {
        "task": "bangfu.privacy.tasks.retention_run_task",
        "schedule": 24 * 60 * 60,
    },
}
# The dashboards count from the tallies refreshed above while they are from today and at most
# this old (seconds); older ones (a stopped beat) give way to live counts, slow on a province.
REGION_TALLIES_MAX_AGE_SECONDS = env_int("REGION_TALLIES_MAX_AGE_SECONDS", 60 * 60)
# The embedded mode has no beat: ``manage.py runserver`` (``make demo``) runs the tasks above at
# their intervals in its own process (bangfu/core/scheduler.py). Never in production, where
# Celery beat does; BANGFU_SCHEDULER=0 turns it off in the embedded mode.
EMBEDDED_SCHEDULER = (
    not PRODUCTION and CELERY_TASK_ALWAYS_EAGER and env_bool("BANGFU_SCHEDULER", default=True)
)
