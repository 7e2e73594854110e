"""Wire models: the only place PascalCase and the vendor's misspellings exist (as aliases)."""
