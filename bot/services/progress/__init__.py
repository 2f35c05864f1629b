"""Progress of the goals: the aggregation of reported values and the data of its charts."""
