"""Use cases, one module per aggregate. Services are the only code that writes to storage."""
