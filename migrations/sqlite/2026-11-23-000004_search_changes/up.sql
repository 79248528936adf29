-- Every change that affects search, written in the same transaction as the change itself. Each
-- server tails this table to keep its own search index in step with the database.
CREATE TABLE search_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    product_id INTEGER NOT NULL REFERENCES products(id),
    changed_at TIMESTAMP NOT NULL
);
