ALTER TABLE `users` ADD `email_canonical` text;--> statement-breakpoint
ALTER TABLE `users` ADD `username_canonical` text;--> statement-breakpoint
ALTER TABLE `users` ADD `username_skeleton` text;--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_canonical_unique` ON `users` (`email_canonical`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_canonical_unique` ON `users` (`username_canonical`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_skeleton_unique` ON `users` (`username_skeleton`);