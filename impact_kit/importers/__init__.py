"""Importers: answers from other tools turned into the kit's tidy observations."""
