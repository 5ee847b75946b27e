CREATE TABLE `retired_usernames` (
	`skeleton_hash` text PRIMARY KEY NOT NULL,
	`retired_at_ms` integer NOT NULL
);
