"""Webhooks: a bureau's subscriber URLs hear of the events in its area (``bangfu.core.events``),
each delivery signed with the subscription's secret, retried with backoff and logged."""
