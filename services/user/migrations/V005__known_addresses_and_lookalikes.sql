-- Addresses an account has logged in from. The cross-address login limit never applies at
-- them, so a guesser elsewhere cannot lock the owner out of their usual address.
CREATE TABLE login_known_addresses (
  user_id         text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  address         text NOT NULL,
  last_success_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, address)
);

-- The look-alike key (libs/text LookalikeKey: ICU confusable skeleton of the case-folded name)
-- of each username, so that a display name or username reading like another account's
-- username is refused. Computed by the service, which fills rows that lack it at start-up.
ALTER TABLE users ADD COLUMN username_lookalike text;
CREATE INDEX users_username_lookalike ON users (username_lookalike);

-- login_throttle keys are now 'pair:<account>|<ip>', 'acct:<account>', 'addr:<ip>' and
-- 'reg:<ip>', where <account> is the user id (or 'login:<text>' for an unknown login). Rows of
-- the old 'acct:<typed login>' form are left to age out.
