// Types for the migrations.js that drizzle-kit generates beside this file (it imports .sql as text).
declare const migrations: {
  journal: { entries: { idx: number; when: number; tag: string; breakpoints: boolean }[] }
  migrations: Record<string, string>
}
export default migrations
