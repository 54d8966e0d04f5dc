-- Test fixture for the migration embedder: quotes ", backslashes \, ${not_a_var} and ; survive.
CREATE TABLE widgets (
  id bigserial PRIMARY KEY,
  label text NOT NULL DEFAULT 'a;b'
);
