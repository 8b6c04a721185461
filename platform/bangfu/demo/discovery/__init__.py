"""Demo data for finding people: the departments' files of a county, imported through the real
import (so every warning is raised by the rules), a history of past verifications to train the
risk model on, this period's reviews and visits, and a few visits already recorded.

Called by the demo builder once the registry (households, members), the county's bureau staff
and the villages' assistants exist::

    from bangfu.demo.discovery import load_discovery_demo
    summary = load_discovery_demo(county, random.Random(f"{seed}:discovery"), as_of=as_of)

Deterministic for a given ``rng`` and ``as_of``: every file, person and outcome is drawn from
``rng`` and from the registry in a fixed order; nothing reads the clock when ``as_of`` is given.
The trained model is written under ``VAR_DIR`` (``summary["risk_model"]`` holds its AUC).
The departments' files themselves are drawn in ``bangfu.demo.discovery_files``.

One module a subject: loading and resetting the county's part (``loading``), the history of
past verifications (``history``) and this period's visits (``visits``).
"""

from bangfu.demo.discovery.loading import load_discovery_demo, reset_discovery_demo

__all__ = ["load_discovery_demo", "reset_discovery_demo"]
