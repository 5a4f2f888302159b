"""The unit of work: a transaction with the events, audit entries and jobs it commits."""
