-- IF NOT EXISTS is added by hand: rooms created before drizzle already hold these tables and index
-- (same columns, from the old hand-written CREATE statements), so for them this migration only records itself.
CREATE TABLE IF NOT EXISTS `messages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`sender_id` integer NOT NULL,
	`sender` text NOT NULL,
	`client_id` text,
	`key_version` integer NOT NULL,
	`iv` blob NOT NULL,
	`ciphertext` blob NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS `messages_sender_client` ON `messages` (`sender_id`,`client_id`) WHERE client_id IS NOT NULL;--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `read_cursors` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS `room_meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` integer NOT NULL
);
