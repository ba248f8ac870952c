"""Changing what the bot knows: validated, versioned edits, import/export, the commune profile."""
