"""The web side: the citizens' chat page (:mod:`bot.web.app`) and the staff workspace."""
