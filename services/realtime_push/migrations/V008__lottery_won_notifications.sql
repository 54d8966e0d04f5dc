-- NotificationKind 9, LOTTERY_WON: a lottery's winner is told personally, as an auction's is.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check CHECK (kind BETWEEN 1 AND 9);
ALTER TABLE notification_personal DROP CONSTRAINT notification_personal_kind_check;
ALTER TABLE notification_personal ADD CONSTRAINT notification_personal_kind_check
  CHECK (kind BETWEEN 1 AND 9);
