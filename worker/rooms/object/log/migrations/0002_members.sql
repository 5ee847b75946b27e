CREATE TABLE `members` (
	`user_id` integer PRIMARY KEY NOT NULL
);
