"""Screening: the detectors and classifiers that read a text (crisis first). Pure: it knows texts, not posts, so
the forum, the moderation queue and private messages all call it (issue 15 point 11)."""
