"""Elections, contests, candidacies, ballots and results."""
