CREATE TABLE `removed_members` (
	`user_id` integer PRIMARY KEY NOT NULL
);
