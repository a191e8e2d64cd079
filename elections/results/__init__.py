"""Results: the tally of each contest, its publication, the published files and feeds."""
