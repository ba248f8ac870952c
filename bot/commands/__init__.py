"""What the command line runs besides serving: demo data, evaluation, staff accounts."""
