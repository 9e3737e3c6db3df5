"""Files in and out: loaders turn tables into domain values, writers turn a plan back into files (pandas lives here)."""
