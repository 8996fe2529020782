"""Touchpoint's pure core: the B2B buying model, its rules and the plain-words parser (standard library only)."""
