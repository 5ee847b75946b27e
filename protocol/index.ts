export * from './errors'
export * from './http'
export * from './socket'
export * from './roles'
export * from './text'
// Types only: the schemas (and valibot) stay out of the web client's bundle until it validates.
export type * from './requests'
export type * from './channel'
