"""The foundation every stage stands on: errors and exit codes, settings, the office's directory.

Nothing here imports any other package of the project; storage, ingest, classify, routing, the application
(`narahubung`) and the review app all import from here.
"""
