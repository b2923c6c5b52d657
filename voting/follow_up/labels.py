"""Words residents read for the follow-up codes the database stores."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

OUTCOME_LABELS = {
    "adopted": _l("overgenomen"),
    "adopted_in_part": _l("deels overgenomen"),
    "not_adopted": _l("niet overgenomen"),
    "pending": _l("nog geen besluit"),
}

BODY_LABELS = {
    "raad": _l("de gemeenteraad"),
    "college": _l("het college van burgemeester en wethouders"),
}

STATUS_LABELS = {
    "planned": _l("gepland"),
    "in_progress": _l("wordt uitgevoerd"),
    "done": _l("klaar"),
    "stopped": _l("gestopt"),
}

# What people may write in a CSV column for a status (Dutch and English).
STATUS_WORDS = {
    "planned": "planned",
    "gepland": "planned",
    "in_progress": "in_progress",
    "in progress": "in_progress",
    "in uitvoering": "in_progress",
    "wordt uitgevoerd": "in_progress",  # the word the web form shows
    "bezig": "in_progress",
    "done": "done",
    "klaar": "done",
    "gereed": "done",
    "stopped": "stopped",
    "gestopt": "stopped",
}
