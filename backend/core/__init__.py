"""The core: errors, auth and region scoping, audit log, storage, clock. It knows no feature."""
