"""Stage 3 — a campaign folder: ``cmacop.toml``, the resolved settings and the names.

``config`` reads and writes ``cmacop.toml``; ``folder`` creates a campaign folder
(``cmacop init``) and changes its year; ``settings`` resolves a command's
:class:`~cmacop.campaign.settings.Settings` once from the file and the options (the one
object every twin takes); ``layout`` names every default folder, file and suffix;
``statuses`` every word of a submission's fate.
"""
