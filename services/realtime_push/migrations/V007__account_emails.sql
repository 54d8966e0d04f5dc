-- E-mails about the account itself (a password reset): no inbox entry, sent whatever the user's
-- notification settings. Their text carries a secret link, so it is erased as soon as the e-mail
-- is done with (sent, refused, lost) and the e-mail is never sent after `send_before` (the
-- link's expiry).
ALTER TABLE notification_emails ADD COLUMN send_before timestamptz;
ALTER TABLE notification_emails ADD COLUMN sensitive boolean NOT NULL DEFAULT false;
