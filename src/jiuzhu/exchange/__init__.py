"""The outside departments' data: the documented record format (``records``) that the synthetic district
writes, the discovery scan reads, and the coming verification adapters and department simulator speak.

Nothing here imports the registry: the format is the departments', not ours.
"""
