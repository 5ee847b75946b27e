CREATE TABLE `attachments` (
	`id` text PRIMARY KEY NOT NULL,
	`chat_id` integer NOT NULL,
	`uploader_id` integer NOT NULL,
	`name` text NOT NULL,
	`size` integer NOT NULL,
	`content_type` text NOT NULL,
	`width` integer,
	`height` integer,
	`r2_key` text NOT NULL,
	`key_version` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	`message_id` text,
	`position` integer
);
--> statement-breakpoint
CREATE INDEX `attachments_chat_message_idx` ON `attachments` (`chat_id`,`message_id`);--> statement-breakpoint
CREATE INDEX `attachments_unclaimed_idx` ON `attachments` (`created_at_ms`) WHERE message_id IS NULL;