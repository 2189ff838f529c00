-- The key that signs page tokens (platform::paging), created at first start.
CREATE TABLE platform_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
