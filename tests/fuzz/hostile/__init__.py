"""The hostile-input suite's parts: seeded input generators and the measuring harness.

``texts`` writes what citizens and attackers type, ``inputs`` wraps it into requests for
each entry point (web chat, Telegram and Zalo webhooks, staff forms), ``harness`` sends
them into the real app and measures, ``leaks`` reads the database and the logs back.
Everything is derived from fixed seeds: a failure names an input that the next run
sends again.
"""
