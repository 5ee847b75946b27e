/** The drizzle-kit migrations folder both D1 (wrangler) and libSQL (drizzle's migrator) apply. */
export const MIGRATIONS_DIR: string
/** Applies every pending migration to the libSQL database; resolves with the number recorded as applied. */
export function migrateLibsql(settings: { url: string; authToken?: string | undefined }): Promise<number>
