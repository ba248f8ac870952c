"""Keeping hostile input and secrets out: bounded request bodies, secret-free logs."""
