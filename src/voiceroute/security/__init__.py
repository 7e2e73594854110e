"""Secrets: slow hashes for account secrets, signed tokens, encryption of secrets at rest."""
