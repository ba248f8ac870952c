"""Outreach: consent to news from the commune, campaigns, and their measured effect."""
