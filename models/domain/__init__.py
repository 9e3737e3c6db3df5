"""The domain: students, staff, the rules table, who may serve whom, caps, plans and their checker."""
