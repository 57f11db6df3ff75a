"""What a report says in words: sentences from the grid, changes between years, testimonies, masking.

``narrative`` and ``changes`` write the sentences; ``testimonies`` shows people's words
verbatim, escaped and folded; ``masking`` pseudonymises them.
"""
