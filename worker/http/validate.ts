import { AppError } from './errors'
import type { Body } from './body'

// Validators return a typed value or throw `invalid_request` naming the field; never cast input with `as`.

interface StringRule {
  min?: number
  max: number
  trim?: boolean
}

export function requireString(body: Body, field: string, rule: StringRule): string {
  const value = optionalString(body, field, rule)
  if (value === undefined) throw new AppError('invalid_request', `"${field}" is required.`)
  return value
}

export function optionalString(body: Body, field: string, rule: StringRule): string | undefined {
  const raw = body[field]
  if (raw === undefined || raw === null) return undefined
  if (typeof raw !== 'string') throw new AppError('invalid_request', `"${field}" must be a string.`)
  const value = rule.trim === false ? raw : raw.trim()
  const length = [...value].length
  if (length < (rule.min ?? 1)) {
    throw new AppError('invalid_request', `"${field}" must be at least ${rule.min ?? 1} characters.`)
  }
  if (length > rule.max) throw new AppError('invalid_request', `"${field}" must be at most ${rule.max} characters.`)
  return value
}

/** Positive integer ids, given as a number (JSON) or a decimal string (form, path, query). */
export function parseId(raw: unknown, field: string): number {
  const id = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,15}$/.test(raw.trim()) ? Number(raw) : NaN
  if (!Number.isSafeInteger(id) || id <= 0) throw new AppError('invalid_request', `"${field}" must be a positive integer id.`)
  return id
}

export function requireId(body: Body, field: string): number {
  if (body[field] === undefined || body[field] === '') throw new AppError('invalid_request', `"${field}" is required.`)
  return parseId(body[field], field)
}

/** An optional non-negative integer query parameter, clamped to `max` when given. */
export function parseCount(raw: string | undefined, field: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (raw === undefined || raw === '') return fallback
  if (!/^\d{1,15}$/.test(raw)) throw new AppError('invalid_request', `"${field}" must be a non-negative integer.`)
  return Math.min(Number(raw), max)
}

export function parseBoolean(raw: unknown, field: string): boolean {
  if (raw === true || raw === 'true' || raw === '1' || raw === 1) return true
  if (raw === false || raw === 'false' || raw === '0' || raw === 0) return false
  throw new AppError('invalid_request', `"${field}" must be true or false.`)
}
