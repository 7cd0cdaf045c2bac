"""Step 4 of the pipeline: where circuits run (Aer by default) and how runs are persisted."""
