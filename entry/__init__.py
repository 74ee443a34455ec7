"""The composition root: the `narahubung` command with every layer wired in, the review app included.

It is the one package above `review/`; `narahubung/` (the application) never imports the app it is served by.
"""
