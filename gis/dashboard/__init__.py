"""The planner's map dashboard and the situation picture (lägesbild)."""
