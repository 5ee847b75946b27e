-- Edited by hand: drizzle-kit copied the new columns from the old table too (they do not exist
-- there; the copy takes the old columns and lets the new ones default), and wrapped the rebuild in
-- PRAGMA foreign_keys, which the room's tables do not use. The rebuild makes `iv` and `ciphertext`
-- nullable (a deleted message's are erased); the migrator runs it in one transaction, so a room
-- either keeps every message under the new table or is left as it was.
CREATE TABLE `changes` (
	`seq` integer PRIMARY KEY NOT NULL,
	`target_seq` integer NOT NULL,
	`kind` text NOT NULL,
	`actor_id` integer NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `reactions` (
	`message_seq` integer NOT NULL,
	`emoji` text NOT NULL,
	`user_id` integer NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`message_seq`, `emoji`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `__new_messages` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`sender_id` integer NOT NULL,
	`sender` text NOT NULL,
	`client_id` text,
	`key_version` integer NOT NULL,
	`iv` blob,
	`ciphertext` blob,
	`created_at_ms` integer NOT NULL,
	`kind` text DEFAULT 'message' NOT NULL,
	`reply_to` integer,
	`edit_count` integer DEFAULT 0 NOT NULL,
	`edited_at_ms` integer,
	`deleted_at_ms` integer
);
--> statement-breakpoint
INSERT INTO `__new_messages`("seq", "id", "sender_id", "sender", "client_id", "key_version", "iv", "ciphertext", "created_at_ms") SELECT "seq", "id", "sender_id", "sender", "client_id", "key_version", "iv", "ciphertext", "created_at_ms" FROM `messages`;--> statement-breakpoint
DROP TABLE `messages`;--> statement-breakpoint
ALTER TABLE `__new_messages` RENAME TO `messages`;--> statement-breakpoint
CREATE UNIQUE INDEX `messages_sender_client` ON `messages` (`sender_id`,`client_id`) WHERE client_id IS NOT NULL;