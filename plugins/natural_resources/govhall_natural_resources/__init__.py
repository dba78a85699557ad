"""govhall department plugin for a natural resources bureau (自然资源局)."""
