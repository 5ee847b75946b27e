CREATE TABLE `chat_keys` (
	`chat_id` integer PRIMARY KEY NOT NULL,
	`key_version` integer NOT NULL,
	`wrapped_key` text,
	`created_at_ms` integer NOT NULL,
	`destroyed_at_ms` integer
);
--> statement-breakpoint
CREATE INDEX `chat_keys_version_idx` ON `chat_keys` (`key_version`);