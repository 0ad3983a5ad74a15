"""FastAPI service for xunqin-locator: settings, routes, response models, the served index."""
